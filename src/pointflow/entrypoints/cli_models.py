"""`pointflow train propensity` and `pointflow score propensity`: train on the simulator, register, score."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pointflow.config import Settings

train_app = typer.Typer(help="Train a model and register a new version.", no_args_is_help=True)
score_app = typer.Typer(help="Score members with a registered model.", no_args_is_help=True)
PROPENSITY = "propensity"  # the model name in the registry


def registry_dir(option: Path | None) -> Path:
    """The --registry option, else POINTFLOW_MODEL_REGISTRY_DIR (default var/models)."""
    return option or Settings().model_registry_dir


Registry = Annotated[
    Path | None, typer.Option(help="The model registry directory (default: POINTFLOW_MODEL_REGISTRY_DIR)")
]


def register(app: typer.Typer) -> None:
    app.add_typer(train_app, name="train")
    app.add_typer(score_app, name="score")


@train_app.command(PROPENSITY)
def train(
    members: Annotated[int, typer.Option(min=50, help="Simulated members")] = 20_000,
    months: Annotated[
        int, typer.Option(min=8, help="Simulated months (snapshots: month 2 to months − 2)")
    ] = 18,
    seed: Annotated[int, typer.Option(help="Simulator and model seed")] = 7,
    registry: Registry = None,
    test_snapshots: Annotated[int, typer.Option(min=1, help="Last snapshots held out for test")] = 3,
    validation_snapshots: Annotated[int, typer.Option(min=1, help="Snapshots before them: validation")] = 2,
    write_features: Annotated[
        Path | None, typer.Option(help="Also write the last month-end's features (to score) as Parquet")
    ] = None,
) -> None:
    """Simulate, build month-end snapshots, train and calibrate, register a version, print its metrics."""
    from pointflow.entrypoints import propensity_jobs  # LightGBM loads only for the model commands

    propensity_jobs.train(
        members,
        months,
        seed,
        registry_dir(registry),
        test_snapshots=test_snapshots,
        validation_snapshots=validation_snapshots,
        write_features=write_features,
    )


@score_app.command(PROPENSITY)
def score_propensity(
    features: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Snapshot features (Parquet)")],
    registry: Registry = None,
    ref: Annotated[str, typer.Option(help="champion, challenger, latest or a version (v0001)")] = "champion",
    out: Annotated[
        Path | None, typer.Option(help="Write scores as Parquet here instead of JSON lines")
    ] = None,
) -> None:
    """Score every row of FEATURES; without a registered model, a flagged rule-based fallback."""
    from pointflow.entrypoints import propensity_jobs

    propensity_jobs.score_file(features, registry_dir(registry), ref, out)
