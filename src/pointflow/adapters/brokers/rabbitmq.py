"""RabbitMQ: a direct exchange per connector, one queue per partition (routing key `p<n>`) with
single-active-consumer, so the broker itself lets one worker at a time consume a partition and makes the
next one active when that worker goes away."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from typing import TypeVar

import structlog
from faststream.rabbit import Channel, ExchangeType, RabbitBroker, RabbitExchange, RabbitQueue
from faststream.rabbit.message import RabbitMessage
from faststream.rabbit.subscriber import RabbitSubscriber

from pointflow.adapters.brokers.base import Message, Topology, Tuning, in_partition_order
from pointflow.adapters.brokers.handler import BatchHandler

log = structlog.get_logger(__name__)
T = TypeVar("T")


def exchange(topology: Topology) -> RabbitExchange:
    return RabbitExchange(topology.base, type=ExchangeType.DIRECT, durable=True)


def queue(topology: Topology, partition: int) -> RabbitQueue:
    return RabbitQueue(
        f"{topology.base}.p{partition}",
        durable=True,
        routing_key=f"p{partition}",
        arguments={"x-single-active-consumer": True},
    )


async def declare(broker: RabbitBroker, topology: Topology) -> None:
    """Every partition's queue, bound, so that no message is unroutable while its partition has no worker."""
    target = await broker.declare_exchange(exchange(topology))
    for partition in range(topology.partitions):
        declared = await broker.declare_queue(queue(topology, partition))
        await declared.bind(target, routing_key=f"p{partition}")


async def take(inbox: asyncio.Queue[T], size: int, linger: float) -> list[T]:
    """The next message, then whatever follows it within `linger` seconds, up to `size`."""
    batch = [await inbox.get()]
    deadline = asyncio.get_running_loop().time() + linger
    while len(batch) < size:
        if not inbox.empty():
            batch.append(inbox.get_nowait())
            continue
        remaining = deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            break
        try:
            batch.append(await asyncio.wait_for(inbox.get(), remaining))
        except TimeoutError:
            break
    return batch


class RabbitIngress:
    def __init__(
        self,
        *,
        url: str,
        topology: Topology,
        partitions: Sequence[int],
        handler: BatchHandler,
        tuning: Tuning,
        owner: str,
    ) -> None:
        self.topology = topology
        self.partitions = tuple(partitions)
        self.handler = handler
        self.tuning = tuning
        self.log = log.bind(worker=owner)
        self.broker = RabbitBroker(
            url,
            log_level=logging.DEBUG,
            graceful_timeout=tuning.graceful_timeout,
            default_channel=Channel(prefetch_count=2 * tuning.batch_size),
        )
        self.subscribers: dict[int, RabbitSubscriber] = {
            p: self.broker.subscriber(queue(topology, p), exchange(topology)) for p in self.partitions
        }
        self.delivered: set[int] = set()
        self.busy: set[int] = set()
        self.readers: list[asyncio.Task[None]] = []
        self.appliers: dict[int, asyncio.Task[None]] = {}

    async def start(self) -> None:
        await self.broker.start()
        await declare(self.broker, self.topology)
        for partition, sub in self.subscribers.items():
            inbox: asyncio.Queue[RabbitMessage] = asyncio.Queue()
            self.readers.append(asyncio.create_task(self._read(sub, inbox)))
            self.appliers[partition] = asyncio.create_task(self._apply(partition, inbox))

    async def stop(self) -> None:
        """Finish the batch in hand, then close the connection before the consumers are cancelled.

        Closing the channel hands every unacknowledged message back to its queue at its original place and
        activates the next consumer in one step, so the next worker starts where this one stopped.
        """
        self.handler.stopping.set()
        busy = [task for p, task in self.appliers.items() if p in self.busy]
        for p, task in self.appliers.items():
            if p not in self.busy:
                task.cancel()
        if busy:
            await asyncio.wait(busy, timeout=self.tuning.graceful_timeout)
        await self.broker.stop()
        tasks = [*self.readers, *self.appliers.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def owned(self) -> frozenset[int]:
        """RabbitMQ does not tell a standby consumer that it is one: a partition counts once it delivers."""
        return frozenset(self.delivered)

    async def _read(self, sub: RabbitSubscriber, inbox: asyncio.Queue[RabbitMessage]) -> None:
        while not self.handler.stopping.is_set():
            try:
                async for message in sub:
                    inbox.put_nowait(message)
            except Exception as error:  # the channel closed; the robust connection reopens it
                self.log.warning("consuming stopped; starting again", queue=sub.queue.name, error=repr(error))
            await asyncio.sleep(0.5)

    async def _apply(self, partition: int, inbox: asyncio.Queue[RabbitMessage]) -> None:
        while not self.handler.stopping.is_set():
            batch = await take(inbox, self.tuning.batch_size, self.tuning.linger)
            self.busy.add(partition)
            try:
                await self._settle(partition, batch)
            except Exception as error:  # an ack on a closed channel: the broker redelivers, the inbox dedupes
                self.log.warning("acknowledging failed", partition=partition, error=repr(error))
            finally:
                self.busy.discard(partition)

    async def _settle(self, partition: int, batch: list[RabbitMessage]) -> None:
        self.delivered.add(partition)
        if not await self.handler.settle(partition, [m.body for m in batch]):
            return  # unacknowledged: requeued in place when the connection closes
        for message in batch:
            await message.ack()
        self.handler.stats.record_ack(partition, len(batch))


class RabbitPublisher:
    """Publishes to the connector's exchange with routing key `p<partition>`, with publisher confirms."""

    def __init__(self, *, url: str, topology: Topology) -> None:
        self.topology = topology
        self.broker = RabbitBroker(url, log_level=logging.DEBUG)

    async def start(self) -> None:
        await self.broker.start()
        await declare(self.broker, self.topology)

    async def stop(self) -> None:
        await self.broker.stop()

    async def publish(self, customer_id: str, body: bytes) -> None:
        await self._send(self.topology.partition(customer_id), [body])

    async def publish_many(self, messages: Iterable[Message]) -> int:
        return await in_partition_order(messages, self.topology, self._send)

    async def _send(self, partition: int, bodies: list[bytes]) -> None:
        target = exchange(self.topology)
        for body in bodies:
            await self.broker.publish(body, f"p{partition}", exchange=target, persist=True, mandatory=True)
