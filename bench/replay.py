"""Replay throughput: pre-rendered events through `receive`, the full accrual path, committed as
`pointflow ingest` commits (INGEST_BATCH events to a transaction)."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from bench.events import batches
from pointflow.adapters.connectors import CONNECTORS
from pointflow.bootstrap import Container
from pointflow.entrypoints.file_ingest import INGEST_BATCH
from pointflow.entrypoints.tuning import long_running
from pointflow.service_layer.ingress import receive
from pointflow.service_layer.ports import RawEvent

BATCH_SIZE = INGEST_BATCH  # what `pointflow ingest` commits together


@dataclass(frozen=True)
class ReplayResult:
    events: int
    seconds: float
    statuses: dict[str, int]

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds


def replay(container: Container, items: list[RawEvent], batch_size: int = BATCH_SIZE) -> ReplayResult:
    connector = CONNECTORS["generic"]
    deps = container.ledger_deps()
    statuses: Counter[str] = Counter()
    with long_running(container.db):  # as `pointflow ingest` runs
        started = time.perf_counter()
        for chunk in batches(items, batch_size):
            results = receive(
                chunk, connector=connector, deps=deps, quarantine=container.quarantine, actor="bench:replay"
            )
            statuses.update(r.status for r in results)
        seconds = time.perf_counter() - started
    return ReplayResult(len(items), seconds, dict(statuses))
