"""What scoring costs the hot path: the replay without scoring, with the rule, and with a registered model.

`python -m bench.replay_scoring [--events 20000]`: the same pre-rendered events through `receive` into three
fresh SQLite databases, 500 to a transaction; then the per-member cost of the batched model scoring
(the reads, the feature rows and one `pred_contrib` call per group), from timings of every group.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import func, select

from bench.events import render, synthetic
from bench.replay import replay
from pointflow.adapters.db.feature_store import categories, category_map
from pointflow.adapters.db.tables import member_scores
from pointflow.adapters.model_store import ModelStore
from pointflow.bootstrap import Container, bootstrap
from pointflow.config import Settings
from pointflow.domain.programme import Programme
from pointflow.intelligence.propensity import history_from_tables, time_split, train_propensity, training_set
from pointflow.intelligence.propensity.model import matrix, to_files
from pointflow.intelligence.registry import ModelVersion, reference_distribution
from pointflow.service_layer.ports import LedgerSession, MemberScoring, Touched
from pointflow.sim.truth import DEFAULT_START, simulate


def register_model(root: Path, members: int = 2_000, months: int = 12, seed: int = 7) -> ModelVersion:
    """Train on the ground-truth simulator and register, reference from the training rows."""
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
    snapshots = range(2, months - 1)
    data = training_set(history, snapshots)
    result = train_propensity(data, seed=seed, split=time_split(snapshots, test=2, validation=1))
    files, extra = to_files(result.model)
    features = result.model.features
    rows = matrix(data.filter(pl.col("snapshot").is_in(result.split.train)), list(features))
    reference = {n: reference_distribution(np.ascontiguousarray(rows[:, i])) for i, n in enumerate(features)}
    version = ModelVersion(
        "propensity", "", datetime.now(UTC), "lightgbm", {}, features, {}, reference, extra
    )
    return ModelStore(root).register(version, files, purpose="bench")


@dataclasses.dataclass
class Timed:
    """Wraps the scoring port and times each group: seconds and members."""

    inner: MemberScoring
    groups: list[tuple[float, int]] = dataclasses.field(default_factory=list)

    def score_group(
        self, session: LedgerSession, touched: Sequence[Touched], *, programme: Programme, at: datetime
    ) -> None:
        started = time.perf_counter()
        self.inner.score_group(session, touched, programme=programme, at=at)
        self.groups.append((time.perf_counter() - started, len(touched)))


def run_one(folder: Path, name: str, items: list[Any], registry: Path | None) -> dict[str, Any]:
    settings = Settings(
        database_url=f"sqlite:///{folder / name}.db",
        environment="development",
        model_registry_dir=registry or folder / "empty",
    )
    container: Container = bootstrap(settings)
    timed = None
    if registry is not None or name == "rule":
        assert container.scoring is not None
        timed = Timed(container.scoring)
        container = dataclasses.replace(container, scoring=timed)
    else:
        container = dataclasses.replace(container, scoring=None)
    try:
        done = replay(container, items)
        with container.db.reader.connect() as conn:
            query = select(member_scores.c.source, func.count()).group_by(member_scores.c.source)
            sources: dict[str, int] = {str(s): int(n) for s, n in conn.execute(query)}
    finally:
        container.close()
    out: dict[str, Any] = {
        "events_per_s": round(done.events_per_s),
        "seconds": round(done.seconds, 2),
        "statuses": done.statuses,
        "scores": sources,
    }
    if timed is not None and timed.groups:
        per_member = np.array([s / n for s, n in timed.groups]) * 1e6
        total = sum(s for s, _ in timed.groups)
        out |= {
            "groups": len(timed.groups),
            "members_per_group": round(float(np.mean([n for _, n in timed.groups])), 1),
            "scoring_s": round(total, 3),
            "scoring_us_per_event": round(total / done.events * 1e6, 1),
            "per_member_us_p50": round(float(np.percentile(per_member, 50)), 1),
            "per_member_us_p99": round(float(np.percentile(per_member, 99)), 1),
            "group_ms_p99": round(float(np.percentile([s for s, _ in timed.groups], 99)) * 1e3, 2),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="pf_scoring_"))
    started = time.perf_counter()
    register_model(folder / "models")
    print(f"trained and registered in {time.perf_counter() - started:.1f} s")
    items = [render(e) for e in synthetic(args.events)]
    figures = {
        "none": run_one(folder, "none", items, None),
        "rule": run_one(folder, "rule", items, None),
        "model": run_one(folder, "model", items, folder / "models"),
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
