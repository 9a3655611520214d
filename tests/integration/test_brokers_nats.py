"""NATS JetStream on loopback: the worker applies what the bank publishes exactly as HTTP would, once,
quarantines bad content and acknowledges it, leaves what the database refused with the broker, and one
worker at a time owns a partition."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import nats
import pytest

from pointflow.adapters.brokers.base import Topology, Tuning
from pointflow.adapters.brokers.jetstream import NatsPublisher, stream_name, subject
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
    remove_nats,
    repeat_and_bad_content,
    run,
    sqlite_container,
    through_http,
    topology,
    workload,
)
from tests.integration.ledger_checks import check_ledger

TUNING = Tuning(batch_size=50, poll=0.2, lease_ttl=1.5, graceful_timeout=5)


@pytest.fixture
def rig() -> Iterator[Rig]:
    url = broker_url("nats", "nats://127.0.0.1:4222")
    top = topology()
    yield Rig(
        "nats", url, top, TUNING, lambda: NatsPublisher(url=url, topology=top), lambda p: _held(url, top, p)
    )
    run(remove_nats(url, top))


@pytest.fixture
def lite(sqlite_url: str, clock: Clock) -> Iterator[Container]:
    yield from sqlite_container(sqlite_url, clock)


async def _held(url: str, top: Topology, partition: int) -> int:
    """Messages of the partition still in the stream: a work queue drops a message once it is acked."""
    client = await nats.connect(url)
    try:
        info = await client.jetstream().stream_info(stream_name(top), subjects_filter=subject(top, partition))
    finally:
        await client.close()
    return (info.state.subjects or {}).get(subject(top, partition), 0)


def test_every_event_is_applied_as_the_http_path_applies_it(
    container: Container, rig: Rig, clock: Clock, tmp_path: Path
) -> None:
    events = workload(customers_in(rig.top, [0, 1, 2, 3]))
    worker = run(drain(rig, container, events))
    assert sorted(p for p, n in worker.stats.applied.items() if n) == [0, 1, 2, 3]
    assert worker.stats.batches.total() < len(events)  # messages shared transactions
    assert balances(container) == through_http(events, tmp_path, clock)
    check_ledger(container)


def test_a_repeat_has_one_effect_and_bad_content_is_quarantined_and_acked(lite: Container, rig: Rig) -> None:
    worker = run(repeat_and_bad_content(rig, lite))
    assert worker.stats.statuses == {"accepted": 1, "duplicate": 1, "rejected": 2}
    assert list(balances(lite).values()) == [(300, 0, 0)]
    assert {i.field for i in lite.quarantine.items()} == {"<body>", "amount"}


def test_a_batch_the_database_refused_is_not_acked_and_the_next_owner_applies_it(
    lite: Container, rig: Rig
) -> None:
    run(refused_then_redelivered(rig, lite))
    assert len(balances(lite)) == 1


def test_overlapping_claims_give_a_partition_to_one_worker_until_it_stops(lite: Container, rig: Rig) -> None:
    a, b = run(overlapping_claims(rig, lite))
    assert a.owned() == frozenset()  # leases released on stop
    assert b.owned() == frozenset()
