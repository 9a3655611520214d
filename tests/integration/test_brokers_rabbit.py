"""RabbitMQ on loopback: the same guarantees as every broker (see broker_checks), with exclusivity from the
broker itself: a partition's queue has a single active consumer; the next one becomes active when it goes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import aio_pika
import pytest

from pointflow.adapters.brokers.base import Topology, Tuning
from pointflow.adapters.brokers.rabbitmq import RabbitPublisher, exchange, queue
from pointflow.bootstrap import Container
from tests.conftest import Clock
from tests.integration.broker_checks import (
    Rig,
    balances,
    broker_url,
    customers_in,
    drain,
    overlapping_claims,
    refused_then_redelivered,
    repeat_and_bad_content,
    run,
    sqlite_container,
    through_http,
    topology,
    workload,
)
from tests.integration.ledger_checks import check_ledger

TUNING = Tuning(batch_size=50, linger=0.01, graceful_timeout=5)


@pytest.fixture
def rig() -> Iterator[Rig]:
    url = broker_url("rabbitmq", "amqp://guest:guest@127.0.0.1:5672/")
    top = topology()
    yield Rig(
        "rabbit",
        url,
        top,
        TUNING,
        lambda: RabbitPublisher(url=url, topology=top),
        lambda p: _held(url, top, p),
    )
    run(_remove(url, top))


@pytest.fixture
def container(sqlite_url: str, clock: Clock) -> Iterator[Container]:
    """SQLite only: the database side is the same for every broker and is tested on both with NATS."""
    yield from sqlite_container(sqlite_url, clock)


async def _held(url: str, top: Topology, partition: int) -> int:
    """Messages ready in the partition's queue (checked with no worker connected: none are in flight)."""
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue(top, partition).name, passive=True)
        return declared.declaration_result.message_count or 0


async def _remove(url: str, top: Topology) -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        for partition in range(top.partitions):
            await channel.queue_delete(queue(top, partition).name)
        await channel.exchange_delete(exchange(top).name)


def test_every_event_is_applied_as_the_http_path_applies_it(
    container: Container, rig: Rig, clock: Clock, tmp_path: Path
) -> None:
    events = workload(customers_in(rig.top, [0, 1, 2, 3]))
    worker = run(drain(rig, container, events))
    assert sorted(p for p, n in worker.stats.applied.items() if n) == [0, 1, 2, 3]
    assert balances(container) == through_http(events, tmp_path, clock)
    check_ledger(container)


def test_a_repeat_has_one_effect_and_bad_content_is_quarantined_and_acked(
    container: Container, rig: Rig
) -> None:
    worker = run(repeat_and_bad_content(rig, container))
    assert worker.stats.statuses == {"accepted": 1, "duplicate": 1, "rejected": 2}
    assert list(balances(container).values()) == [(300, 0, 0)]
    assert {i.field for i in container.quarantine.items()} == {"<body>", "amount"}


def test_a_batch_the_database_refused_is_not_acked_and_the_next_consumer_gets_it(
    container: Container, rig: Rig
) -> None:
    run(refused_then_redelivered(rig, container))
    assert len(balances(container)) == 1


def test_overlapping_claims_leave_one_active_consumer_per_partition(container: Container, rig: Rig) -> None:
    run(overlapping_claims(rig, container))
