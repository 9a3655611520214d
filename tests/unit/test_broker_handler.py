"""The shared broker handler: what counts as the database failing, retry in place, stop leaves unacked."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from sqlalchemy import exc

from pointflow.adapters.brokers.handler import Backoff, BatchHandler, _OncePerBatch, is_transient
from pointflow.adapters.connectors.generic import GenericConnector
from pointflow.service_layer.accrual import LedgerDeps
from pointflow.service_layer.ingress import ItemResult
from pointflow.service_layer.ports import QuarantinePort, WriteConflict

DOWN = exc.OperationalError("BEGIN", {}, ConnectionRefusedError("refused"))


class Scripted(BatchHandler):
    """`apply` fails with the scripted errors first, then succeeds with one accepted item per body."""

    def __init__(self, errors: list[Exception]) -> None:
        super().__init__(
            GenericConnector(),
            cast(LedgerDeps, None),
            cast(QuarantinePort, None),
            "test",
            Backoff(0.001, 0.004),
        )
        self.errors = errors
        self.calls = 0

    def apply(self, bodies: Sequence[bytes], quarantine: QuarantinePort | None = None) -> list[ItemResult]:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return [ItemResult(i, "accepted", f"t{i}", points=5) for i in range(len(bodies))]


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (DOWN, True),
        (WriteConflict("unique"), True),
        (ConnectionResetError(), True),
        (exc.InterfaceError("SELECT", {}, Exception("closed")), True),
        (exc.DBAPIError("SELECT", {}, Exception("gone"), connection_invalidated=True), True),
        (exc.IntegrityError("INSERT", {}, Exception("check failed")), False),
        (ValueError("a bug"), False),
    ],
)
def test_only_the_database_failing_counts_as_transient(error: Exception, transient: bool) -> None:
    assert is_transient(error) is transient


def test_a_batch_that_commits_at_once_is_settled() -> None:
    handler = Scripted([])
    assert asyncio.run(handler.settle(3, [b"a", b"b"])) is True
    assert (handler.stats.applied[3], handler.stats.points, handler.stats.failures) == (2, 10, 0)


def test_a_refused_batch_is_retried_in_place_and_kept_alive_until_it_commits() -> None:
    handler = Scripted([DOWN, DOWN, WriteConflict("again")])
    pings: list[int] = []

    async def keep_alive() -> None:
        pings.append(1)

    assert asyncio.run(handler.settle(0, [b"a"], keep_alive)) is True
    assert (handler.calls, handler.stats.failures, len(pings)) == (4, 3, 3)
    assert handler.stats.statuses == {"accepted": 1}


def test_a_worker_that_stops_while_the_database_is_down_leaves_the_batch_unsettled() -> None:
    handler = Scripted([DOWN] * 1000)

    async def scenario() -> bool:
        settling = asyncio.create_task(handler.settle(0, [b"a"]))
        while handler.stats.failures < 2:
            await asyncio.sleep(0.001)
        handler.stopping.set()
        return await settling

    assert asyncio.run(scenario()) is False
    assert handler.stats.applied.total() == 0


class Recording:
    def __init__(self) -> None:
        self.added: list[str] = []

    def add(self, **item: Any) -> str:
        self.added.append(item["raw"])
        return f"q{len(self.added)}"


def test_retries_of_one_batch_quarantine_an_item_once() -> None:
    inner = Recording()
    once = _OncePerBatch(inner)
    at = datetime(2024, 6, 1, tzinfo=UTC)
    first = once.add(connector="generic", raw="{}", reason="bad", field="amount", source_id=None, at=at)
    again = once.add(connector="generic", raw="{}", reason="bad", field="amount", source_id=None, at=at)
    other = once.add(connector="generic", raw="[1", reason="malformed", field=None, source_id=None, at=at)
    assert (first, again, other) == ("q1", "q1", "q2")
    assert inner.added == ["{}", "[1"]
