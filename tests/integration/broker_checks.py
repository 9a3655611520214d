"""Shared by the broker tests: reachability (skip or fail), a workload across partitions, the HTTP path's
result to compare with, a database that can be switched off, and waiting on conditions."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import nats
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from pointflow.adapters.brokers import BrokerKind
from pointflow.adapters.brokers.base import Message, Publisher, Topology, Tuning
from pointflow.adapters.brokers.jetstream import lease_bucket, stream_name
from pointflow.adapters.db.apikey_store import Role
from pointflow.adapters.db.ledger_session import SqlLedgerSession
from pointflow.adapters.db.tables import members
from pointflow.bootstrap import Clock, Container, bootstrap
from pointflow.config import Settings
from pointflow.entrypoints.api.app import create_app
from pointflow.entrypoints.worker import Worker, WorkerConfig
from pointflow.service_layer.accrual import LedgerDeps
from tests.factories import EXAMPLE, purchase, ref, refund

Balances = dict[str, tuple[int, int, int]]  # token → (available, pending, debt)


def broker_url(name: str, default: str) -> str:
    """The server to test against (POINTFLOW_TEST_<NAME>_URL), or a skip/fail when it is not listening."""
    url = os.environ.get(f"POINTFLOW_TEST_{name.upper()}_URL", default)
    parsed = urlparse(url if "://" in url else f"tcp://{url}")
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 0
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError as error:
        reason = f"{name} is not reachable at {host}:{port}: {error}"
        if os.environ.get("POINTFLOW_REQUIRE_BROKERS") or os.environ.get("CI"):
            pytest.fail(reason)
        print(reason)
        pytest.skip(reason)  # only without POINTFLOW_REQUIRE_BROKERS (CI sets it; there it fails above)
    return url


def topology(partitions: int = 4) -> Topology:
    """Names no other test run uses."""
    return Topology(connector="generic", partitions=partitions, prefix=ref("pft").replace("_", ""))


def customers_in(top: Topology, partitions: list[int], per_partition: int = 2) -> list[str]:
    chosen: dict[int, list[str]] = {p: [] for p in partitions}
    while any(len(c) < per_partition for c in chosen.values()):
        candidate = ref("cust")
        bucket = chosen.get(top.partition(candidate))
        if bucket is not None and len(bucket) < per_partition:
            bucket.append(candidate)
    return [c for p in partitions for c in chosen[p]]


def workload(customers: list[str]) -> list[dict[str, Any]]:
    """Per customer: three purchases, then a refund of the first; the refund must come after it."""
    events: list[dict[str, Any]] = []
    for i, customer in enumerate(customers):
        first = purchase(customer, f"{40 + i}.50", when="2024-05-10T09:00:00Z")
        events += [first, purchase(customer, "12.25", mcc="5812"), purchase(customer, f"{99 + i}.99")]
        events.append(refund(first, "10.00", when="2024-05-21T10:00:00Z"))
    return events


def messages(events: list[dict[str, Any]]) -> list[Message]:
    return [(str(e["customer_id"]), json.dumps(e).encode()) for e in events]


def balances(container: Container) -> Balances:
    with container.db.reader.connect() as conn:
        rows = conn.execute(
            sa.select(members.c.token, members.c.available, members.c.pending, members.c.debt)
        )
        return {r.token: (r.available, r.pending, r.debt) for r in rows}


def through_http(events: list[dict[str, Any]], folder: Path, clock: Clock) -> Balances:
    """The same events, in the same order, posted to the HTTP API (one batch) on a fresh database."""
    settings = Settings(database_url=f"sqlite:///{folder}/http-reference.db", environment="test")
    container = bootstrap(settings, clock=clock)
    try:
        _, secret = container.api_keys.create(Role.INGEST, "reference", clock())
        headers = {"Authorization": f"Bearer {secret}"}
        with TestClient(create_app(container)) as client:
            assert client.post("/v1/events/generic", json=events, headers=headers).status_code == 200
        return balances(container)
    finally:
        container.close()


async def eventually(condition: Callable[[], bool], *, timeout: float = 10.0, what: str = "") -> None:
    """Wait until `condition()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what or 'a condition'}")
        await asyncio.sleep(0.01)


@dataclass
class Switch:
    down: bool = True


class FlakySessions:
    """The ledger's sessions, failing like an unreachable database while `switch.down`."""

    def __init__(self, inner: Any, switch: Switch) -> None:
        self.inner = inner
        self.switch = switch

    @contextmanager
    def begin(self) -> Iterator[SqlLedgerSession]:
        if self.switch.down:
            raise sa.exc.OperationalError("BEGIN IMMEDIATE", {}, ConnectionRefusedError("database is down"))
        with self.inner.begin() as session:
            yield session


def flaky_deps(container: Container, switch: Switch) -> LedgerDeps:
    deps = container.ledger_deps()
    return replace(deps, sessions=FlakySessions(deps.sessions, switch))


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


async def remove_nats(url: str, top: Topology) -> None:
    """The stream and the lease bucket a test created."""
    client = await nats.connect(url)
    for name in (stream_name(top), f"KV_{lease_bucket(top)}"):
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await client.jetstream().delete_stream(name)
    await client.close()


def sqlite_container(url: str, clock: Clock) -> Iterator[Container]:
    """For the tests of the broker's side, which is the same on either database."""
    container = bootstrap(Settings(database_url=url, environment="test"), clock=clock)
    yield container
    container.close()


@dataclass
class Rig:
    """One broker under test: how to publish to it, run workers on it, and ask it what it still holds."""

    kind: BrokerKind
    url: str
    top: Topology
    tuning: Tuning
    new_publisher: Callable[[], Publisher]
    held: Callable[[int], Awaitable[int]]  # messages of a partition the broker has not seen acknowledged

    def worker(self, container: Container, partitions: range, deps: LedgerDeps | None = None) -> Worker:
        config = WorkerConfig(self.kind, self.top, tuple(partitions), url=self.url, tuning=self.tuning)
        return Worker(container, config, deps=deps)

    @asynccontextmanager
    async def publisher(self) -> AsyncIterator[Publisher]:
        publisher = self.new_publisher()
        await publisher.start()
        try:
            yield publisher
        finally:
            await publisher.stop()


async def drain(rig: Rig, container: Container, events: list[dict[str, Any]]) -> Worker:
    """Publish, then let one worker claiming every partition apply it all."""
    async with rig.publisher() as publisher:
        await publisher.publish_many(messages(events))
        worker = rig.worker(container, range(rig.top.partitions))
        await worker.start()
        try:
            await eventually(lambda: worker.stats.acked.total() == len(events), what="every message acked")
        finally:
            await worker.stop()
    for partition in range(rig.top.partitions):
        assert await rig.held(partition) == 0, f"partition {partition} still holds messages"
    return worker


BAD_JSON = b'{"event_type": "transaction.posted"'


async def repeat_and_bad_content(rig: Rig, container: Container) -> Worker:
    """The example twice, malformed JSON, an empty batch and a bad amount: five messages, all acked."""
    bad_amount = json.loads(EXAMPLE) | {"amount": "lots", "transaction_id": "txn_bad_amount"}
    bodies = [EXAMPLE.encode(), EXAMPLE.encode(), BAD_JSON, b"[]", json.dumps(bad_amount).encode()]
    async with rig.publisher() as publisher:
        worker = rig.worker(container, range(rig.top.partitions))
        await worker.start()
        try:
            for body in bodies:
                await publisher.publish("cust_888", body)
            await eventually(lambda: worker.stats.acked.total() == len(bodies), what="five messages acked")
        finally:
            await worker.stop()
    assert await rig.held(rig.top.partition("cust_888")) == 0
    return worker


async def refused_then_redelivered(rig: Rig, container: Container) -> tuple[Worker, Worker]:
    """The database refuses a batch: not acked, still held by the broker, applied by the next owner."""
    customer = customers_in(rig.top, [2], per_partition=1)[0]
    event = workload([customer])[0]
    async with rig.publisher() as publisher:
        first = rig.worker(
            container, range(rig.top.partitions), deps=flaky_deps(container, Switch(down=True))
        )
        await first.start()
        await publisher.publish(customer, json.dumps(event).encode())
        await eventually(lambda: first.stats.failures >= 2, what="the refused attempts")
        await first.stop()
        assert await rig.held(2) == 1, "the refused message is back with the broker"
        second = rig.worker(container, range(rig.top.partitions))
        await second.start()
        try:
            await eventually(lambda: second.stats.acked[2] == 1, what="the redelivered message")
        finally:
            await second.stop()
    assert first.stats.acked.total() == 0
    assert first.stats.applied.total() == 0
    assert second.stats.statuses == {"accepted": 1}
    return first, second


async def overlapping_claims(rig: Rig, container: Container) -> tuple[Worker, Worker]:
    """A claims 0-1, B claims 1-2: each partition has one consumer; when A stops, B takes partition 1."""
    events = workload(customers_in(rig.top, [0, 1, 2]))
    later = workload(customers_in(rig.top, [1]))
    async with rig.publisher() as publisher:
        a, b = rig.worker(container, range(2)), rig.worker(container, range(1, 3))
        await a.start()
        await b.start()
        try:
            await publisher.publish_many(messages(events))
            await eventually(lambda: (a.stats.acked + b.stats.acked).total() == len(events), what="drain")
            assert (a.owned(), b.owned()) == ({0, 1}, {2})
            await a.stop()
            await publisher.publish_many(messages(later))
            await eventually(lambda: b.stats.acked[1] == len(later), what="the next owner applying p1")
        finally:
            await b.stop()
    assert (a.stats.applied[0], a.stats.applied[1], a.stats.applied[2]) == (8, 8, 0)
    assert (b.stats.applied[0], b.stats.applied[2]) == (0, 8)
    assert b.stats.statuses == {"accepted": 8 + len(later)}  # in order: no refund before its purchase
    assert container.quarantine.count() == 0
    return a, b
