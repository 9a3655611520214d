"""Replay JSON-lines files through the same ingress as HTTP, in batches that commit together."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path

from pointflow.service_layer.accrual import LedgerDeps
from pointflow.service_layer.ingress import RawEvent, receive
from pointflow.service_layer.ports import Connector, QuarantinePort
from pointflow.service_layer.replay import raw_event


def iter_lines(paths: Iterable[Path]) -> Iterator[RawEvent]:
    for path in paths:
        with path.open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.strip():
                    yield raw_event(line.rstrip("\n"))


def batched(items: Iterator[RawEvent], size: int) -> Iterator[list[RawEvent]]:
    while chunk := list(islice(items, size)):
        yield chunk


def ingest_files(
    paths: Iterable[Path],
    *,
    connector: Connector,
    deps: LedgerDeps,
    quarantine: QuarantinePort,
    batch_size: int = 500,
    progress: Callable[[int], None] = lambda _: None,
) -> Counter[str]:
    """Ingest every line; returns how many items ended in each status."""
    counts: Counter[str] = Counter()
    for chunk in batched(iter_lines(paths), batch_size):
        results = receive(chunk, connector=connector, deps=deps, quarantine=quarantine, actor="cli:ingest")
        counts.update(r.status for r in results)
        counts["points"] += sum(r.points for r in results if r.points > 0)
        progress(len(chunk))
    return counts
