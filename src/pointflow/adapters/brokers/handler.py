"""The one handler every broker feeds: a batch of message bodies → connector.split → ingress.receive.

The batch commits in one database transaction; the broker adapter acknowledges it only after `settle`
says so. Bad content never blocks a partition: the ingress quarantines it, and an item that makes the
code itself fail is quarantined on its own. Only the database being unreachable holds a batch back: it is
retried in place with back-off and never acknowledged until it commits.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import structlog
from sqlalchemy import exc

from pointflow.adapters.brokers.base import Stats
from pointflow.service_layer.accrual import LedgerDeps
from pointflow.service_layer.ingress import ItemResult, receive
from pointflow.service_layer.ports import Connector, QuarantinePort, RawEvent, WriteConflict

log = structlog.get_logger(__name__)

_TRANSIENT = (
    WriteConflict,
    OSError,
    exc.OperationalError,
    exc.InterfaceError,
    exc.TimeoutError,
    exc.DisconnectionError,
)
KeepAlive = Callable[[], Awaitable[None]]


def is_transient(error: BaseException) -> bool:
    """The database (not the message) failed: retrying the same batch later can succeed."""
    if isinstance(error, _TRANSIENT):
        return True
    return isinstance(error, exc.DBAPIError) and error.connection_invalidated


@dataclass(frozen=True, slots=True)
class Backoff:
    first: float = 0.05
    ceiling: float = 5.0


@dataclass
class BatchHandler:
    connector: Connector
    deps: LedgerDeps
    quarantine: QuarantinePort
    actor: str
    backoff: Backoff = field(default_factory=Backoff)
    stats: Stats = field(default_factory=Stats)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    async def settle(
        self, partition: int, bodies: Sequence[bytes], keep_alive: KeepAlive | None = None
    ) -> bool:
        """Apply the batch; True once committed (acknowledge it now), False if the worker stops first."""
        quarantine = _OncePerBatch(self.quarantine)
        delay = self.backoff.first
        while not self.stopping.is_set():
            try:
                results = await asyncio.to_thread(self.apply, bodies, quarantine)
            except Exception as error:  # anything that escapes `apply` is the database, not the content
                self.stats.record_failure()
                log.warning(
                    "batch not applied; retrying", partition=partition, error=repr(error), delay=delay
                )
            else:
                self.stats.record(partition, len(bodies), results)
                return True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), delay)
            if keep_alive is not None and not self.stopping.is_set():
                await keep_alive()
            delay = min(delay * 2, self.backoff.ceiling)
        return False

    def apply(self, bodies: Sequence[bytes], quarantine: QuarantinePort | None = None) -> list[ItemResult]:
        """Every item of every body in one transaction; a failure caused by an item isolates that item."""
        parked = quarantine or self.quarantine
        items = [item for body in bodies for item in self.connector.split(body)]
        if not items:
            return []
        try:
            return self._receive(items, parked)
        except Exception as error:
            if is_transient(error):
                raise
            log.error("batch failed inside the code; applying its items one by one", error=repr(error))
            return [self._alone(index, item, parked) for index, item in enumerate(items)]

    def _receive(self, items: list[RawEvent], quarantine: QuarantinePort) -> list[ItemResult]:
        return receive(
            items, connector=self.connector, deps=self.deps, quarantine=quarantine, actor=self.actor
        )

    def _alone(self, index: int, item: RawEvent, quarantine: QuarantinePort) -> ItemResult:
        try:
            return self._receive([item], quarantine)[0]
        except Exception as error:
            if is_transient(error):
                raise
            return self._park(index, item, error, quarantine)

    def _park(self, index: int, item: RawEvent, error: Exception, quarantine: QuarantinePort) -> ItemResult:
        """Keep the item for an operator to replay once the code is fixed; the partition moves on."""
        source_id = self.connector.source_id(item.payload) if item.payload is not None else None
        reason = f"internal error while applying the event: {type(error).__name__}: {error}"[:500]
        log.error("event quarantined after an internal error", source_id=source_id, error=repr(error))
        quarantine_id = quarantine.add(
            connector=self.connector.name,
            raw=item.raw,
            reason=reason,
            field=None,
            source_id=source_id,
            at=self.deps.clock(),
        )
        return ItemResult(index, "rejected", source_id, detail=reason, quarantine_id=quarantine_id)


class _OncePerBatch:
    """Retries of one batch quarantine each bad item once, not once per attempt."""

    def __init__(self, inner: QuarantinePort) -> None:
        self.inner = inner
        self.done: dict[tuple[str, str, str | None], str] = {}

    def add(
        self,
        *,
        connector: str,
        raw: str,
        reason: str,
        field: str | None,
        source_id: str | None,
        at: datetime,
    ) -> str:
        key = (raw, reason, field)
        if key not in self.done:
            self.done[key] = self.inner.add(
                connector=connector, raw=raw, reason=reason, field=field, source_id=source_id, at=at
            )
        return self.done[key]
