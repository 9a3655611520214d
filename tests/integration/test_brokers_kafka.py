"""Kafka through FastStream's in-memory TestKafkaBroker: no Kafka server runs on this machine, so these
tests cover the handler wiring, acknowledgement (offset commit) after the database commit, duplicates,
quarantine and the refused database; partition ownership is Kafka's consumer group, not exercised here."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from faststream.kafka import TestKafkaBroker

from pointflow.adapters.brokers.base import Tuning
from pointflow.adapters.brokers.handler import BatchHandler
from pointflow.adapters.brokers.kafka import KafkaIngress, KafkaPublisher, group_id
from pointflow.adapters.connectors.generic import GenericConnector
from pointflow.bootstrap import Container
from pointflow.service_layer.accrual import LedgerDeps
from tests.conftest import Clock
from tests.factories import EXAMPLE
from tests.integration.broker_checks import (
    BAD_JSON,
    Switch,
    balances,
    customers_in,
    eventually,
    flaky_deps,
    messages,
    run,
    sqlite_container,
    through_http,
    topology,
    workload,
)
from tests.integration.ledger_checks import check_ledger

URL = "127.0.0.1:9092"  # never dialled: TestKafkaBroker patches the connection
TOP = topology()


@pytest.fixture
def container(sqlite_url: str, clock: Clock) -> Iterator[Container]:
    """SQLite only: the database side is the same for every broker and is tested on both with NATS."""
    yield from sqlite_container(sqlite_url, clock)


def ingress(container: Container, deps: LedgerDeps | None = None) -> KafkaIngress:
    handler = BatchHandler(GenericConnector(), deps or container.ledger_deps(), container.quarantine, "test")
    return KafkaIngress(url=URL, topology=TOP, handler=handler, tuning=Tuning(batch_size=50))


def test_the_worker_is_a_group_member_that_commits_offsets_itself(container: Container) -> None:
    worker = ingress(container)
    assert worker.subscriber.group_id == group_id(TOP)
    assert worker.subscriber._connection_args["enable_auto_commit"] is False  # acked only after commit


def test_every_event_is_applied_as_the_http_path_applies_it(
    container: Container, clock: Clock, tmp_path: Path
) -> None:
    events = workload(customers_in(TOP, [0, 1, 2, 3]))
    worker, publisher = ingress(container), KafkaPublisher(url=URL, topology=TOP)

    async def scenario() -> None:
        async with TestKafkaBroker(worker.broker, publisher.broker):
            await publisher.publish_many(messages(events))

    run(scenario())
    assert worker.handler.stats.acked.total() == len(events)
    assert balances(container) == through_http(events, tmp_path, clock)
    check_ledger(container)


def test_a_batch_shares_one_transaction(container: Container) -> None:
    events = workload(customers_in(TOP, [0], per_partition=3))
    worker = ingress(container)

    async def scenario() -> None:
        async with TestKafkaBroker(worker.broker) as broker:
            await broker.publish_batch(
                *(body for _, body in messages(events)), topic=worker.subscriber.topics[0].name
            )

    run(scenario())
    assert worker.handler.stats.batches.total() == 1
    assert worker.handler.stats.statuses == {"accepted": len(events)}


def test_a_repeat_has_one_effect_and_bad_content_is_quarantined_and_acked(container: Container) -> None:
    bad_amount = json.loads(EXAMPLE) | {"amount": "lots", "transaction_id": "txn_bad_amount"}
    bodies = [EXAMPLE.encode(), EXAMPLE.encode(), BAD_JSON, b"[]", json.dumps(bad_amount).encode()]
    worker, publisher = ingress(container), KafkaPublisher(url=URL, topology=TOP)

    async def scenario() -> None:
        async with TestKafkaBroker(worker.broker, publisher.broker):
            for body in bodies:
                await publisher.publish("cust_888", body)

    run(scenario())
    assert worker.handler.stats.acked.total() == len(bodies)
    assert worker.handler.stats.statuses == {"accepted": 1, "duplicate": 1, "rejected": 2}
    assert list(balances(container).values()) == [(300, 0, 0)]
    assert {i.field for i in container.quarantine.items()} == {"<body>", "amount"}


def test_a_batch_the_database_refused_is_committed_only_once_it_is_applied(container: Container) -> None:
    switch = Switch(down=True)
    worker, publisher = (
        ingress(container, flaky_deps(container, switch)),
        KafkaPublisher(url=URL, topology=TOP),
    )
    stats = worker.handler.stats

    async def scenario() -> None:
        async with TestKafkaBroker(worker.broker, publisher.broker):
            sending = asyncio.create_task(publisher.publish("cust_888", EXAMPLE.encode()))
            await eventually(lambda: stats.failures >= 2, what="the refused attempts")
            assert stats.acked.total() == 0
            assert balances(container) == {}
            switch.down = False
            await eventually(lambda: stats.acked.total() == 1, what="the commit, then the ack")
            await sending

    run(scenario())
    assert stats.statuses == {"accepted": 1}
    assert list(balances(container).values()) == [(300, 0, 0)]
