"""Kafka: one topic per connector keyed by customer id, read by one consumer group. Kafka itself gives
each partition to one member of the group at a time, so a worker claims no partitions: it joins."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from faststream import AckPolicy, Context
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage

from pointflow.adapters.brokers.base import Message, Topology, Tuning
from pointflow.adapters.brokers.handler import BatchHandler


def topic(topology: Topology) -> str:
    return topology.base


def group_id(topology: Topology) -> str:
    return f"{topology.base}.workers"


def by_partition(records: Sequence[Any]) -> dict[int, list[bytes]]:
    """A batch can span partitions; each keeps its own order and commits in its own transaction."""
    grouped: defaultdict[int, list[bytes]] = defaultdict(list)
    for record in records:
        grouped[record.partition].append(record.value or b"")  # aiokafka's ConsumerRecord
    return dict(grouped)


class KafkaIngress:
    def __init__(self, *, url: str, topology: Topology, handler: BatchHandler, tuning: Tuning) -> None:
        self.topology = topology
        self.handler = handler
        self.broker = KafkaBroker(url, log_level=logging.DEBUG, graceful_timeout=tuning.graceful_timeout)
        self.subscriber = self.broker.subscriber(
            topic(topology),
            group_id=group_id(topology),
            batch=True,
            max_records=tuning.batch_size,
            batch_timeout_ms=max(1, int(tuning.linger * 1000)),
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.MANUAL,
        )
        self.subscriber(self.handle)

    async def start(self) -> None:
        await self.broker.start()

    async def stop(self) -> None:
        self.handler.stopping.set()
        await self.broker.stop()

    def owned(self) -> frozenset[int]:
        # The in-memory test broker's consumer has no assignment: nothing is owned there.
        assignment = getattr(self.subscriber.consumer, "assignment", None)
        return frozenset(tp.partition for tp in assignment()) if callable(assignment) else frozenset()

    async def handle(self, message: Annotated[KafkaMessage, Context("message")]) -> None:
        records = message.raw_message if isinstance(message.raw_message, Sequence) else (message.raw_message,)
        for partition, bodies in by_partition(records).items():
            if not await self.handler.settle(partition, bodies):
                await message.nack()  # back to the batch's first offsets: the next owner reads them again
                return
        await message.ack()  # commits the offsets after the last record of the batch
        for partition, bodies in by_partition(records).items():
            self.handler.stats.record_ack(partition, len(bodies))


class KafkaPublisher:
    """Sends each document with its customer id as the key: Kafka's partitioner keeps a customer in one
    partition, as every Kafka producer does by default."""

    def __init__(self, *, url: str, topology: Topology) -> None:
        self.topology = topology
        self.broker = KafkaBroker(url, log_level=logging.DEBUG)

    async def start(self) -> None:
        await self.broker.start()

    async def stop(self) -> None:
        await self.broker.stop()

    async def publish(self, customer_id: str, body: bytes) -> None:
        await self.broker.publish(body, topic(self.topology), key=customer_id.encode())

    async def publish_many(self, messages: Iterable[Message]) -> int:
        count = 0
        for customer_id, body in messages:
            await self.publish(customer_id, body)
            count += 1
        return count
