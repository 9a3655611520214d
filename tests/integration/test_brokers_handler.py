"""The shared broker handler on a real database, nothing stuck: an item that makes the code fail is
quarantined alone, and the retries of a refused batch quarantine each bad item once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest

from pointflow.adapters.brokers.handler import Backoff, BatchHandler
from pointflow.adapters.connectors.generic import GenericConnector
from pointflow.bootstrap import Container
from pointflow.domain.events import CanonicalEvent
from pointflow.service_layer.ports import DecodeLimits
from tests.conftest import Clock
from tests.factories import purchase
from tests.integration.broker_checks import Switch, balances, flaky_deps, sqlite_container


@pytest.fixture
def container(sqlite_url: str, clock: Clock) -> Iterator[Container]:
    yield from sqlite_container(sqlite_url, clock)


class Brittle(GenericConnector):
    """The generic connector with a bug that one transaction id triggers."""

    def decode(self, payload: Any, *, limits: DecodeLimits, now: Callable[[], datetime]) -> CanonicalEvent:
        if isinstance(payload, dict) and payload.get("transaction_id") == "txn_boom":
            raise KeyError("a bug")
        return super().decode(payload, limits=limits, now=now)


def test_an_item_that_breaks_the_code_is_quarantined_alone_and_the_rest_commits(container: Container) -> None:
    handler = BatchHandler(Brittle(), container.ledger_deps(), container.quarantine, "test")
    bodies = [json.dumps(purchase("cust_1", "10.00")).encode() for _ in range(3)]
    bodies.insert(1, json.dumps(purchase("cust_1", "10.00", transaction_id="txn_boom")).encode())
    results = handler.apply(bodies)
    assert [r.status for r in results] == ["accepted", "rejected", "accepted", "accepted"]
    [parked] = container.quarantine.items()
    assert (parked.source_id, parked.reason.startswith("internal error")) == ("txn_boom", True)
    assert Brittle().split(parked.raw.encode())[0].payload["transaction_id"] == "txn_boom"  # replayable
    earned = [r.points for r in results if r.status == "accepted"]
    assert earned[0] > 0
    assert list(balances(container).values()) == [(sum(earned), 0, 0)]


def test_retries_of_a_refused_batch_quarantine_its_bad_item_once(container: Container) -> None:
    switch = Switch(down=True)
    handler = BatchHandler(
        GenericConnector(), flaky_deps(container, switch), container.quarantine, "test", Backoff(0.001, 0.002)
    )
    bodies = [b'{"event_type": "transaction.posted"', json.dumps(purchase("cust_2", "20.00")).encode()]

    async def scenario() -> bool:
        settling = asyncio.create_task(handler.settle(0, bodies))
        while handler.stats.failures < 3:
            await asyncio.sleep(0.001)
        switch.down = False
        return await settling

    assert asyncio.run(scenario()) is True
    assert container.quarantine.count() == 1
    assert handler.stats.statuses == {"rejected": 1, "accepted": 1}
