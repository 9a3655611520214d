"""What every broker adapter shares: the stream's names, the tuning knobs, the counters, the two roles."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pointflow.service_layer.ingress import ItemResult
from pointflow.service_layer.partitions import partition_of

Message = tuple[str, bytes]  # (customer id, native document)


@dataclass(frozen=True, slots=True)
class Topology:
    """One connector's stream on a broker; `prefix` keeps deployments (and test runs) apart."""

    connector: str
    partitions: int = 16
    prefix: str = "pointflow"

    def partition(self, customer_id: str) -> int:
        return partition_of(customer_id, self.partitions)

    @property
    def base(self) -> str:
        return f"{self.prefix}.{self.connector}"


@dataclass(frozen=True, slots=True)
class Tuning:
    batch_size: int = 500  # messages that share one database transaction, at most
    linger: float = 0.02  # seconds a partial batch waits for more messages (RabbitMQ, Kafka)
    poll: float = 0.5  # seconds one idle fetch waits for a first message (NATS, Redis)
    lease_ttl: float = 10.0  # seconds a partition lease lives without renewal (NATS, Redis)
    graceful_timeout: float = 30.0  # seconds a stopping worker waits for the batch it is applying


@dataclass
class Stats:
    """Counters a worker keeps, by partition; tests and the benchmark wait on them."""

    applied: Counter[int] = field(default_factory=Counter)  # messages committed
    acked: Counter[int] = field(default_factory=Counter)  # messages acknowledged after their commit
    statuses: Counter[str] = field(default_factory=Counter)  # item outcomes (accepted, duplicate, …)
    batches: Counter[int] = field(default_factory=Counter)
    failures: int = 0  # attempts refused by the database (nothing acknowledged)
    points: int = 0

    def record(self, partition: int, messages: int, results: Sequence[ItemResult]) -> None:
        self.applied[partition] += messages
        self.batches[partition] += 1
        self.statuses.update(r.status for r in results)
        self.points += sum(r.points for r in results if r.points > 0)

    def record_ack(self, partition: int, messages: int) -> None:
        self.acked[partition] += messages

    def record_failure(self) -> None:
        self.failures += 1


class Ingress(Protocol):
    """A worker's side of one broker: consume the partitions it owns and hand each batch to the handler."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def owned(self) -> frozenset[int]: ...


class Publisher(Protocol):
    """The bank's side: put each native document in its customer's partition."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def publish(self, customer_id: str, body: bytes) -> None: ...
    async def publish_many(self, messages: Iterable[Message]) -> int: ...


async def in_partition_order(
    messages: Iterable[Message], topology: Topology, send: Callable[[int, list[bytes]], Awaitable[None]]
) -> int:
    """Send each partition's messages in their original order, partitions side by side.

    One sender per partition keeps a customer's events in order whatever the client library does with
    concurrent publishes; the partitions are independent, so they go in parallel.
    """
    by_partition: defaultdict[int, list[bytes]] = defaultdict(list)
    count = 0
    for customer_id, body in messages:
        by_partition[topology.partition(customer_id)].append(body)
        count += 1
    await asyncio.gather(*(send(p, bodies) for p, bodies in by_partition.items()))
    return count
