"""`pointflow train propensity` and `pointflow score propensity`: train on the simulator, register, score."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import numpy as np
import polars as pl
import typer

from pointflow.adapters.db.feature_store import categories, category_map
from pointflow.adapters.model_store import ModelStore, RegistryError
from pointflow.config import Settings
from pointflow.intelligence.propensity import (
    History,
    TrainingResult,
    history_from_tables,
    snapshot_features,
    time_split,
    train_propensity,
    training_set,
)
from pointflow.intelligence.propensity.model import from_files, matrix, to_files
from pointflow.intelligence.propensity.scoring import rule_score, score
from pointflow.intelligence.registry import ModelVersion, reference_distribution
from pointflow.sim.truth import DEFAULT_START, simulate

train_app = typer.Typer(help="Train a model and register a new version.", no_args_is_help=True)
score_app = typer.Typer(help="Score members with a registered model.", no_args_is_help=True)
PROPENSITY = "propensity"


def registry_dir(option: Path | None) -> Path:
    """The --registry option, else POINTFLOW_MODEL_REGISTRY_DIR (default var/models)."""
    return option or Settings().model_registry_dir


FIRST_SNAPSHOT = 2  # the first month-end with three months of history behind it
PURPOSE = (
    "P(a member redeems points in the next month, i.e. the next 30–31 days) from a month-end snapshot, "
    "with the likely reward type. Trained on the ground-truth simulator; see docs/models/propensity.md."
)
LIMITS = (
    "Trained and measured on simulated members only: no real programme's data has been seen.",
    "The label is the next calendar month (the simulator redeems on month ends), not a rolling 30 days.",
    "Members with no transaction in the 30 days before the snapshot are not scored.",
)

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
    history = _simulated_history(members, months, seed)
    dataset = training_set(history, range(FIRST_SNAPSHOT, months - 1))
    split = time_split(
        range(FIRST_SNAPSHOT, months - 1), test=test_snapshots, validation=validation_snapshots
    )
    result = train_propensity(dataset, seed=seed, split=split)
    window = {"members": members, "months": months, "seed": seed, "start": DEFAULT_START.isoformat()}
    version = _register(ModelStore(registry_dir(registry)), result, dataset, window)
    if write_features is not None:
        snapshot_features(history, months - 1).write_parquet(write_features)
    typer.echo(json.dumps({"model": PROPENSITY, "version": version.version, **result.metrics}, indent=2))


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
    frame = pl.read_parquet(features)
    try:
        metadata, files = ModelStore(registry_dir(registry)).load(PROPENSITY, ref)
    except RegistryError:
        scores = rule_score(frame)
    else:
        missing = sorted(set(metadata.features) - set(frame.columns))
        if missing:
            raise typer.BadParameter(
                f"{len(missing)} model features missing, e.g. {missing[:5]}", param_hint="--features"
            )
        model = from_files(files, dict(metadata.extra), metadata.features)
        scores = score(model, frame, version=metadata.version)
    if out is None:
        for row in scores.iter_rows(named=True):
            typer.echo(json.dumps(row, default=str))
    else:
        scores.write_parquet(out)


def _simulated_history(members: int, months: int, seed: int) -> History:
    sim = simulate(members, months, seed=seed)
    mccs = sim.transactions["mcc"].cast(pl.String).unique().to_list()
    return history_from_tables(
        sim.transactions,
        sim.balances,
        sim.redemptions,
        start=DEFAULT_START,
        category_of=category_map(mccs),
        categories=categories(),
    )


def _register(
    store: ModelStore, result: TrainingResult, dataset: pl.DataFrame, window: dict[str, object]
) -> ModelVersion:
    files, extra = to_files(result.model)
    features = result.model.features
    train_rows = matrix(dataset.filter(pl.col("snapshot").is_in(result.split.train)), list(features))
    reference = {
        name: reference_distribution(np.ascontiguousarray(train_rows[:, i]))
        for i, name in enumerate(features)
    }
    split = {"train": result.split.train, "validation": result.split.validation, "test": result.split.test}
    version = ModelVersion(
        name=PROPENSITY,
        version="",
        created_at=datetime.now(UTC),
        kind="lightgbm-binary+isotonic, lightgbm-multiclass reward type",
        training_window={**window, "snapshots": split, "label": "redeems in the month after the snapshot"},
        features=features,
        metrics=result.metrics,
        reference=reference,
        extra=extra,
    )
    return store.register(version, files, purpose=PURPOSE, limits=LIMITS)
