"""The sandbox bank's history in a platform's native format: to files, or to pointflow's signed webhook."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import islice
from pathlib import Path

import httpx

from pointflow.adapters.connectors.generic import GenericConnector
from pointflow.domain.events import CanonicalEvent
from pointflow.governance.signatures import HEADER, sign
from pointflow.service_layer.ports import DecodeLimits
from pointflow.sim.bank import generate
from pointflow.sim.platforms import SandboxPlatform

_LIMITS = DecodeLimits(Decimal(10) ** 9, 24 * 365 * 100)
_GENERIC = GenericConnector()


def canonical_history(customers: int, months: int, start: date, seed: int = 7) -> Iterator[CanonicalEvent]:
    """The synthetic bank's events as canonical events (the sandbox writes them natively from these)."""
    for payload in generate(customers, months, start, seed=seed):
        yield _GENERIC.decode(payload, limits=_LIMITS, now=lambda: datetime.now(UTC))


def native_documents(
    platform: SandboxPlatform, events: Iterable[CanonicalEvent], *, chunk: int = 200
) -> Iterator[bytes]:
    """Documents in `platform`'s format, written `chunk` events at a time (a statement, a stream batch)."""
    it = iter(events)
    while batch := list(islice(it, chunk)):
        yield from platform.documents(batch)


def write_files(documents: Iterable[bytes], folder: Path, name: str) -> list[Path]:
    """One-line JSON documents go to one JSON-lines file; any other document to a file of its own."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = folder / f"{name}.jsonl"
    written: list[Path] = []
    with lines.open("wb") as jsonl:
        for number, doc in enumerate(documents, start=1):
            if doc[:1] in (b"{", b"[") and b"\n" not in doc:
                jsonl.write(doc + b"\n")
                continue
            path = folder / f"{name}-{number:06d}{_suffix(doc)}"
            path.write_bytes(doc)
            written.append(path)
    if lines.stat().st_size:
        written.insert(0, lines)
    else:
        lines.unlink()
    return written


def post_webhooks(
    documents: Iterable[bytes],
    *,
    url: str,
    connector: str,
    secret: str | None,
    client: httpx.Client,
    clock: Callable[[], float] = time.time,
) -> dict[int, int]:
    """POST each document to pointflow's webhook for `connector`; returns how many got each status."""
    statuses: dict[int, int] = {}
    for doc in documents:
        headers = {HEADER: sign(secret, int(clock()), doc)} if secret else {}
        answer = client.post(f"{url.rstrip('/')}/v1/webhooks/{connector}", content=doc, headers=headers)
        statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
    return statuses


def _suffix(doc: bytes) -> str:
    head = doc.lstrip()[:1]
    return {b"<": ".xml", b"{": ".json", b"[": ".json"}.get(head, ".bin")


def first_day(months_back: int, today: date | None = None) -> date:
    today = today or date.today()
    index = today.year * 12 + today.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)
