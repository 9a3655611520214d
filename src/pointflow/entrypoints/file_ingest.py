"""Replay JSON-lines files through the same ingress as HTTP, in batches that commit together."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path

from pointflow.service_layer.accrual import LedgerDeps
from pointflow.service_layer.ingress import receive
from pointflow.service_layer.ports import Connector, QuarantinePort, RawEvent

# Events a file replay commits together (decision 0003): 2,000 replayed 20 % faster than 500 on SQLite.
INGEST_BATCH = 5_000


def iter_items(paths: Iterable[Path], connector: Connector) -> Iterator[RawEvent]:
    """JSON lines are cut line by line; any other file is one native document (a camt file, say)."""
    for path in paths:
        if not is_line_format(path):
            yield from connector.split(path.read_bytes())
            continue
        with path.open("rb") as handle:
            for line in handle:
                if line.strip():
                    yield from connector.split(line.rstrip(b"\r\n"))


_LINE_FORMATS = {".jsonl", ".ndjson", ".txt", ".log"}


def is_line_format(path: Path) -> bool:
    return path.suffix.lower() in _LINE_FORMATS


def batched(items: Iterator[RawEvent], size: int) -> Iterator[list[RawEvent]]:
    while chunk := list(islice(items, size)):
        yield chunk


def ingest_files(
    paths: Iterable[Path],
    *,
    connector: Connector,
    deps: LedgerDeps,
    quarantine: QuarantinePort,
    batch_size: int = INGEST_BATCH,
    progress: Callable[[int], None] = lambda _: None,
) -> Counter[str]:
    """Ingest every line; returns how many items ended in each status."""
    counts: Counter[str] = Counter()
    for chunk in batched(iter_items(paths, connector), batch_size):
        results = receive(chunk, connector=connector, deps=deps, quarantine=quarantine, actor="cli:ingest")
        counts.update(r.status for r in results)
        counts["points"] += sum(r.points for r in results if r.points > 0)
        progress(len(chunk))
    return counts
