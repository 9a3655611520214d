"""Redis Streams on loopback: the same guarantees as every broker (see broker_checks), with a stream and a
lease per partition; the next lease holder first applies what the previous one read but never acked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from pointflow.adapters.brokers.base import Topology, Tuning
from pointflow.adapters.brokers.redis_streams import RedisPublisher, group, lease_key, stream
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

TUNING = Tuning(batch_size=50, poll=0.1, lease_ttl=1.5, graceful_timeout=5)


@pytest.fixture
def rig() -> Iterator[Rig]:
    url = broker_url("redis", "redis://127.0.0.1:6379")
    top = topology()
    yield Rig(
        "redis", url, top, TUNING, lambda: RedisPublisher(url=url, topology=top), lambda p: _held(url, top, p)
    )
    run(_remove(url, top))


@pytest.fixture
def container(sqlite_url: str, clock: Clock) -> Iterator[Container]:
    """SQLite only: the database side is the same for every broker and is tested on both with NATS."""
    yield from sqlite_container(sqlite_url, clock)


async def _held(url: str, top: Topology, partition: int) -> int:
    """Entries of the partition's stream that the group has not acknowledged: pending plus unread."""
    client = aioredis.Redis.from_url(url)
    try:
        groups = await client.xinfo_groups(stream(top, partition))
    except ResponseError:  # no such stream: nothing was published to the partition
        return 0
    finally:
        await client.aclose()
    ours = [g for g in groups if g["name"].decode() == group(top)]
    return sum(int(g["pending"]) + int(g["lag"] or 0) for g in ours)


async def _remove(url: str, top: Topology) -> None:
    client = aioredis.Redis.from_url(url)
    names = [stream(top, p) for p in range(top.partitions)] + [
        lease_key(top, p) for p in range(top.partitions)
    ]
    await client.delete(*names)
    await client.aclose()


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


def test_a_batch_the_database_refused_stays_pending_and_the_next_holder_applies_it(
    container: Container, rig: Rig
) -> None:
    run(refused_then_redelivered(rig, container))
    assert len(balances(container)) == 1


def test_overlapping_claims_give_a_partition_to_one_worker_until_it_stops(
    container: Container, rig: Rig
) -> None:
    run(overlapping_claims(rig, container))
