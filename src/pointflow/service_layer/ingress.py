"""Ingress: raw payloads from HTTP, files or brokers → connector → accrual; bad input is quarantined."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pointflow.domain.errors import InvalidEvent, NotATransaction
from pointflow.domain.events import CanonicalEvent
from pointflow.service_layer.accrual import LedgerDeps, Outcome, Status, ingest
from pointflow.service_layer.ports import Connector, DecodeLimits, QuarantinePort, RawEvent


@dataclass(frozen=True, slots=True)
class ItemResult:
    index: int
    status: Status | Literal["ignored"]
    source_id: str | None
    points: int = 0
    detail: str | None = None
    field: str | None = None
    quarantine_id: str | None = None


def receive(
    items: Sequence[RawEvent],
    *,
    connector: Connector,
    deps: LedgerDeps,
    quarantine: QuarantinePort,
    actor: str,
) -> list[ItemResult]:
    """Decode every item, apply the valid ones in one transaction, quarantine the rest with the reason."""
    limits = _limits(deps)
    results: dict[int, ItemResult] = {}
    decoded: list[tuple[int, CanonicalEvent]] = []
    for index, item in enumerate(items):
        try:
            decoded.append((index, _decode(item, connector, limits, deps)))
        except NotATransaction as skipped:
            source_id = connector.source_id(item.payload)
            results[index] = ItemResult(index, "ignored", source_id, detail=skipped.detail)
        except InvalidEvent as problem:
            results[index] = _quarantined(
                item, index, connector, quarantine, deps, problem.detail, problem.field
            )
    outcomes = ingest([event for _, event in decoded], deps, actor=actor) if decoded else []
    for (index, _), outcome in zip(decoded, outcomes, strict=True):
        results[index] = _settled(items[index], index, outcome, connector, quarantine, deps)
    return [results[i] for i in range(len(items))]


def _limits(deps: LedgerDeps) -> DecodeLimits:
    limits = deps.programme().programme.limits
    return DecodeLimits(limits.max_transaction_amount, limits.max_future_skew_hours)


def _decode(item: RawEvent, connector: Connector, limits: DecodeLimits, deps: LedgerDeps) -> CanonicalEvent:
    if item.parse_error is not None:
        raise InvalidEvent(item.parse_error, field="<body>")
    return connector.decode(item.payload, limits=limits, now=deps.clock)


def _settled(
    item: RawEvent,
    index: int,
    outcome: Outcome,
    connector: Connector,
    quarantine: QuarantinePort,
    deps: LedgerDeps,
) -> ItemResult:
    if outcome.status in ("conflict", "rejected"):
        field = connector.native_field(outcome.field) if outcome.field else None
        detail = outcome.detail or outcome.status
        if outcome.differing:
            names = ", ".join(connector.native_field(f) for f in outcome.differing)
            detail = f"{detail} (differs in: {names})"
        return _quarantined(item, index, connector, quarantine, deps, detail, field, status=outcome.status)
    return ItemResult(index, outcome.status, outcome.source_id, outcome.points, outcome.detail)


def _quarantined(
    item: RawEvent,
    index: int,
    connector: Connector,
    quarantine: QuarantinePort,
    deps: LedgerDeps,
    reason: str,
    field: str | None,
    *,
    status: Status = "rejected",
) -> ItemResult:
    source_id = connector.source_id(item.payload) if item.payload is not None else None
    qid = quarantine.add(
        connector=connector.name,
        raw=item.raw,
        reason=reason,
        field=field,
        source_id=source_id,
        at=deps.clock(),
    )
    return ItemResult(index, status, source_id, detail=reason, field=field, quarantine_id=qid)
