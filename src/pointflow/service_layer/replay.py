"""Replay quarantined input after a fix: success resolves the item, failure updates its reason in place."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from pointflow.service_layer.accrual import LedgerDeps
from pointflow.service_layer.ingress import ItemResult, receive
from pointflow.service_layer.ports import Connector


class QuarantinedLike(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def raw(self) -> str: ...
    @property
    def connector(self) -> str: ...


class QuarantineAdmin(Protocol):
    def resolve(self, item_id: str, *, status: str, at: datetime) -> None: ...
    def failed_again(self, item_id: str, *, reason: str, field: str | None) -> None: ...


@dataclass
class _Capture:
    """Stands where the quarantine would, so that a failed replay does not add a second row."""

    failures: list[tuple[str, str | None]] = field(default_factory=list)

    def add(
        self, *, connector: str, raw: str, reason: str, field: str | None, source_id: str | None, at: datetime
    ) -> str:
        del connector, raw, source_id, at
        self.failures.append((reason, field))
        return ""


def replay(
    item: QuarantinedLike, *, connector: Connector, deps: LedgerDeps, admin: QuarantineAdmin, actor: str
) -> ItemResult:
    capture = _Capture()
    items = connector.split(item.raw.encode())
    result = receive(items, connector=connector, deps=deps, quarantine=capture, actor=actor)[0]
    if capture.failures:
        reason, failed_field = capture.failures[0]
        admin.failed_again(item.id, reason=reason, field=failed_field)
    else:
        admin.resolve(item.id, status="replayed", at=deps.clock())
    return result
