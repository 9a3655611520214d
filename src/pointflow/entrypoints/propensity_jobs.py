"""The propensity model's training and scoring jobs behind `pointflow train|score propensity`.

Kept out of the CLI module so that other commands do not load LightGBM and scikit-learn at start-up.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import typer

from pointflow.adapters.db.feature_store import categories, category_map
from pointflow.adapters.model_store import ModelStore, RegistryError
from pointflow.entrypoints.cli_models import PROPENSITY
from pointflow.intelligence.propensity import (
    History,
    TrainingResult,
    history_from_tables,
    snapshot_features,
    time_split,
    train_propensity,
    training_set,
)
from pointflow.intelligence.propensity.dataset import KEY
from pointflow.intelligence.propensity.model import from_files, to_files, training_references
from pointflow.intelligence.propensity.scoring import rule_score, score
from pointflow.intelligence.registry import ModelVersion
from pointflow.sim.truth import DEFAULT_START, simulate

FIRST_SNAPSHOT = 2  # the first month-end with three months of history behind it
# Members folded into snapshots at a time. Folded at once, memory grows with the members (about 5 GB at
# 20,000), so 100,000 would not fit a 24 GB machine; a run of at most this many is one piece, as before.
MEMBER_CHUNK = 20_000
PURPOSE = (
    "P(a member redeems points in the next month, i.e. the next 30–31 days) from a month-end snapshot, "
    "with the likely reward type. Trained on the ground-truth simulator; see docs/models/propensity.md."
)
LIMITS = (
    "Trained and measured on simulated members only: no real programme's data has been seen.",
    "The label is the next calendar month (the simulator redeems on month ends), not a rolling 30 days.",
    "Members with no transaction in the 30 days before the snapshot are not scored.",
    "Each member's goal reward is unknown: the saving features estimate it from the sizes of past "
    "redemptions in months of the member's earning; a member who never redeemed has no such estimate.",
    "Saving features are by calendar month; scored mid-month, the as-of month is the part of it so far.",
)


def train(
    members: int,
    months: int,
    seed: int,
    registry: Path,
    *,
    test_snapshots: int,
    validation_snapshots: int,
    write_features: Path | None,
) -> None:
    """Simulate, build month-end snapshots, train and calibrate, register a version, print its metrics."""
    snapshots, latest = [], []
    for history in simulated_histories(members, months, seed):
        snapshots.append(training_set(history, range(FIRST_SNAPSHOT, months - 1)))
        if write_features is not None:
            latest.append(snapshot_features(history, months - 1))
    dataset = in_member_order(snapshots)
    split = time_split(
        range(FIRST_SNAPSHOT, months - 1), test=test_snapshots, validation=validation_snapshots
    )
    result = train_propensity(dataset, seed=seed, split=split)
    window = {"members": members, "months": months, "seed": seed, "start": DEFAULT_START.isoformat()}
    version = _register(ModelStore(registry), result, dataset, window)
    if write_features is not None:
        in_member_order(latest).write_parquet(write_features)
    typer.echo(json.dumps({"model": PROPENSITY, "version": version.version, **result.metrics}, indent=2))


def score_file(features: Path, registry: Path, ref: str, out: Path | None) -> None:
    """Score every row of FEATURES; without a registered model, a flagged rule-based fallback."""
    frame = pl.read_parquet(features)
    try:
        metadata, files = ModelStore(registry).load(PROPENSITY, ref)
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


def simulated_histories(
    members: int, months: int, seed: int, *, chunk: int = MEMBER_CHUNK
) -> Iterator[History]:
    """The simulation's observed tables as one History per `chunk` members (by id), one after another.

    Every feature is a member's own, so the snapshots of the pieces, put back in order, are the whole's.
    """
    sim = simulate(members, months, seed=seed)
    tables = (sim.transactions, sim.balances, sim.redemptions)
    del sim
    category_of = category_map(tables[0]["mcc"].cast(pl.String).unique().to_list())
    ids = tables[1][KEY].unique().sort()
    for start in range(0, ids.len(), chunk):
        keep = pl.col(KEY).is_in(ids.slice(start, chunk).implode())
        pieces = tables if ids.len() <= chunk else tuple(t.filter(keep) for t in tables)
        yield history_from_tables(
            *pieces, start=DEFAULT_START, category_of=category_of, categories=categories()
        )


def in_member_order(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """The pieces' snapshot rows as one frame, by snapshot and member, as one piece would have given them."""
    return pl.concat(frames, how="vertical_relaxed").sort("snapshot", KEY, maintain_order=True)


def _simulated_history(members: int, months: int, seed: int) -> History:
    return next(simulated_histories(members, months, seed, chunk=members))


def _register(
    store: ModelStore, result: TrainingResult, dataset: pl.DataFrame, window: dict[str, object]
) -> ModelVersion:
    files, extra = to_files(result.model)
    features = result.model.features
    train = dataset.filter(pl.col("snapshot").is_in(result.split.train))
    reference, extra["score_reference"] = training_references(result.model, train)
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
