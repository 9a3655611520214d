"""What scoring costs the hot path: the replay without scoring, with the rule, and with a registered model.

`python -m bench.replay_scoring [--events 20000]`: the same pre-rendered events through `receive` into three
fresh SQLite databases, 500 to a transaction; then the per-member cost of the scoring step (for the model:
the set-based window sums, the feature rows, one `pred_leaf` call and the path contributions per group),
from timings of every group. `make bench` runs it through `run` (`--skip-scoring` leaves it out).
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

EVENTS = 20_000
# Events a transaction: small groups, as HTTP and broker batches are, so there are 40 groups to take a p99
# over (a file replay's 5,000 would leave 4, the first of them cold).
GROUP_EVENTS = 500


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
    """Wraps the scoring port and times each group: wall seconds, members, and this process's CPU seconds.

    On a shared machine a group can be descheduled in the middle; the CPU time is the cost without that wait.
    """

    inner: MemberScoring
    groups: list[tuple[float, int]] = dataclasses.field(default_factory=list)
    cpu: list[float] = dataclasses.field(default_factory=list)

    def score_group(
        self, session: LedgerSession, touched: Sequence[Touched], *, programme: Programme, at: datetime
    ) -> None:
        started, cpu = time.perf_counter(), time.process_time()
        self.inner.score_group(session, touched, programme=programme, at=at)
        self.groups.append((time.perf_counter() - started, len(touched)))
        self.cpu.append(time.process_time() - cpu)


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
        done = replay(container, items, GROUP_EVENTS)
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
            **_cpu_figures(timed),
        }
    return out


def _cpu_figures(timed: Timed) -> dict[str, float]:
    per_member = np.array([c / n for c, (_, n) in zip(timed.cpu, timed.groups, strict=True)]) * 1e6
    return {
        "cpu_per_member_us_p50": round(float(np.percentile(per_member, 50)), 1),
        "cpu_per_member_us_p99": round(float(np.percentile(per_member, 99)), 1),
    }


def run(events: int = EVENTS) -> dict[str, Any]:
    """Train and register a model, then the replay without scoring, with the rule and with the model."""
    with tempfile.TemporaryDirectory(prefix="pf_scoring_") as name:
        folder = Path(name)
        started = time.perf_counter()
        register_model(folder / "models")
        trained = time.perf_counter() - started
        items = [render(e) for e in synthetic(events)]
        return {
            "events": events,
            "train_seconds": round(trained, 1),
            "none": run_one(folder, "none", items, None),
            "rule": run_one(folder, "rule", items, None),
            "model": run_one(folder, "model", items, folder / "models"),
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=EVENTS)
    args = parser.parse_args()
    print(json.dumps(run(args.events), indent=2))


if __name__ == "__main__":
    main()
