"""Per-member propensity scoring in process: latency of one score, and of one score with its explanation.

Trains a small model on the simulator, registers it in a temporary registry, loads it back as the online
scorer would, then times N single-member calls (perf_counter around each). Standalone:
python -m bench.scoring [--members N] [--months M] [--calls N]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from pointflow.adapters.db.feature_store import categories, category_map
from pointflow.adapters.model_store import ModelStore
from pointflow.intelligence.propensity import (
    TrainingResult,
    history_from_tables,
    snapshot_features,
    train_propensity,
    training_set,
)
from pointflow.intelligence.propensity.metrics import FloatArray
from pointflow.intelligence.propensity.model import matrix, to_files
from pointflow.intelligence.propensity.online import OnlineScorer, RangeGuard, Score
from pointflow.intelligence.registry import ModelVersion, reference_distribution
from pointflow.sim.truth import DEFAULT_START, simulate


def run(members: int = 4_000, months: int = 15, calls: int = 20_000, seed: int = 7) -> dict[str, Any]:
    """Microseconds per call (p50, p99, p99.9, max): `score`, `score(explain=True)`, the rule alone."""
    started = time.perf_counter()
    dataset, rows, result = _train(members, months, seed)
    with tempfile.TemporaryDirectory() as root:
        store = ModelStore(Path(root))
        _register(store, result, dataset)
        loaded = time.perf_counter()
        scorer = OnlineScorer.from_version(*store.load("propensity"))
        load_ms = (time.perf_counter() - loaded) * 1e3
    rule = OnlineScorer.rule_only(scorer.features)  # no model registered: every call the flagged rule
    fallbacks = sum(scorer.score(row).fallback for row in rows)
    strict = RangeGuard.from_reference(scorer.features, _reference(dataset, result, train_only=True))
    reasons = Counter(r.split("=")[0].removesuffix(" missing") for row in rows for r in strict.problems(row))
    return {
        "members": members,
        "months": months,
        "features": len(scorer.features),
        "trees": result.model.booster.num_trees(),
        "rows_scored": int(rows.shape[0]),
        "rows_sent_to_fallback": int(fallbacks),
        "rows_outside_training_snapshots_range": sum(bool(strict.problems(row)) for row in rows),
        "features_outside_training_snapshots_range": dict(reasons.most_common(5)),
        "calls": calls,
        "load_ms": round(load_ms, 2),
        "score_us": _timed(lambda row: scorer.score(row), rows, calls),
        "score_explained_us": _timed(lambda row: scorer.score(row, explain=True), rows, calls),
        "rule_only_us": _timed(lambda row: rule.score(row), rows, calls),
        "setup_s": round(time.perf_counter() - started, 1),
        "note": "shared two-core machine; single-threaded LightGBM predict; GC left on",
    }


def _train(members: int, months: int, seed: int) -> tuple[pl.DataFrame, FloatArray, TrainingResult]:
    sim = simulate(members, months, seed=seed)
    mccs = sim.transactions["mcc"].cast(pl.String).unique().to_list()
    history = history_from_tables(
        sim.transactions,
        sim.balances,
        sim.redemptions,
        start=DEFAULT_START,
        category_of=category_map(mccs),
        categories=categories(),
    )
    dataset = training_set(history, range(2, months - 1))
    result = train_propensity(dataset, seed=seed)
    rows = matrix(snapshot_features(history, months - 1), list(result.model.features))
    return dataset, rows, result


def _register(store: ModelStore, result: TrainingResult, dataset: pl.DataFrame) -> None:
    """Registered with the reference of every labelled snapshot (see `_reference`)."""
    files, extra = to_files(result.model)
    reference = _reference(dataset, result, train_only=False)
    version = ModelVersion(
        "propensity",
        "",
        datetime.now(UTC),
        "lightgbm-binary+isotonic",
        {},
        result.model.features,
        {},
        reference,
        extra,
    )
    store.register(version, files, purpose="bench")


def _reference(dataset: pl.DataFrame, result: TrainingResult, *, train_only: bool) -> dict[str, Any]:
    """Feature ranges of the training snapshots, or of all labelled ones: on the simulator every member
    joins in month 0, so the scored month's tenure lies beyond the training snapshots' (the model card's
    limits); the timed scorer must take the model path, not the rule's."""
    features = result.model.features
    rows = dataset.filter(pl.col("snapshot").is_in(result.split.train)) if train_only else dataset
    x = matrix(rows, list(features))
    return {n: reference_distribution(np.ascontiguousarray(x[:, i])) for i, n in enumerate(features)}


def _timed(call: Callable[[FloatArray], Score], rows: FloatArray, calls: int) -> dict[str, float]:
    for row in rows[:200]:  # warm up: first calls allocate LightGBM's per-thread buffers
        call(row)
    spent = np.empty(calls)
    for i in range(calls):
        row = rows[i % rows.shape[0]]
        began = time.perf_counter()
        call(row)
        spent[i] = time.perf_counter() - began
    micro = spent * 1e6
    return {
        "p50": round(float(np.percentile(micro, 50)), 1),
        "p99": round(float(np.percentile(micro, 99)), 1),
        "p999": round(float(np.percentile(micro, 99.9)), 1),
        "max": round(float(micro.max()), 1),
        "share_over_1ms": round(float((micro > 1_000).mean()), 5),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=4_000)
    parser.add_argument("--months", type=int, default=15)
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args()
    print(json.dumps(run(args.members, args.months, args.calls), indent=2))


if __name__ == "__main__":
    main()
