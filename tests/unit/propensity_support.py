"""A small simulated history shared by the propensity tests (a few hundred members, nine months)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import polars as pl

from pointflow.adapters.db.feature_store import categories, category_map
from pointflow.adapters.model_store import ModelStore
from pointflow.intelligence.propensity import (
    History,
    history_from_tables,
    time_split,
    train_propensity,
    training_set,
)
from pointflow.intelligence.propensity.model import to_files, training_references
from pointflow.intelligence.registry import ModelVersion
from pointflow.sim.truth import DEFAULT_START, simulate

MEMBERS = 600
MONTHS = 9


@lru_cache(maxsize=1)
def small_history() -> History:
    sim = simulate(MEMBERS, MONTHS, seed=11)
    mccs = sim.transactions["mcc"].cast(pl.String).unique().to_list()
    return history_from_tables(
        sim.transactions,
        sim.balances,
        sim.redemptions,
        start=DEFAULT_START,
        category_of=category_map(mccs),
        categories=categories(),
    )


@lru_cache(maxsize=1)
def small_model() -> tuple[ModelVersion, dict[str, str]]:
    """A model trained on the small history, its reference from the training rows (as `pointflow train`)."""
    months = range(2, MONTHS - 1)
    data = training_set(small_history(), months)
    result = train_propensity(data, seed=3, split=time_split(months, test=1, validation=1))
    files, extra = to_files(result.model)
    features = result.model.features
    train = data.filter(pl.col("snapshot").is_in(result.split.train))
    reference, extra["score_reference"] = training_references(result.model, train)
    version = ModelVersion(
        "propensity", "", datetime.now(UTC), "lightgbm-binary+isotonic", {}, features, {}, reference, extra
    )
    return version, files


# `pointflow train propensity` on a bank small enough for a unit test (the registry is added by the caller)
TRAIN_SMALL = ("train", "propensity", "--members", "400", "--months", "8", "--seed", "5")


def register_small_model(root: Path) -> ModelVersion:
    """Register the small model as the champion of a registry at `root`."""
    version, files = small_model()
    return ModelStore(root).register(version, files, purpose="tests")
