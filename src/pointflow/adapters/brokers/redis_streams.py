"""Redis Streams: one stream per partition read by one consumer group, and a lease per partition so that
one worker at a time reads it. The partition's consumer name is fixed (`p<n>`), so whoever holds the lease
inherits the entries the previous holder read but never acknowledged, and applies them first."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, cast

import orjson
import structlog
from faststream import AckPolicy, Context
from faststream.redis import RedisBroker, StreamSub
from faststream.redis.message import RedisBatchStreamMessage
from faststream.redis.subscriber.usecases.stream_subscriber import StreamBatchSubscriber
from redis.asyncio import Redis
from redis.asyncio.lock import Lock
from redis.exceptions import LockError, ResponseError

from pointflow.adapters.brokers.base import Message, Topology, Tuning, in_partition_order
from pointflow.adapters.brokers.claims import Claims
from pointflow.adapters.brokers.handler import BatchHandler

log = structlog.get_logger(__name__)

PAYLOAD = b"payload"  # the entry field that carries the native document
Entries = list[tuple[bytes, dict[bytes, bytes] | None]]  # XREADGROUP: an entry trimmed away has no fields


def stream(topology: Topology, partition: int) -> str:
    return f"{topology.prefix}:{topology.connector}:p{partition}"


def group(topology: Topology) -> str:
    return topology.prefix


def lease_key(topology: Topology, partition: int) -> str:
    return f"{topology.prefix}:{topology.connector}:lease:p{partition}"


def body_of(fields: Mapping[bytes, bytes] | None) -> bytes:
    """The `payload` field; an entry without one is passed on whole, as JSON: quarantined, not lost."""
    if fields and PAYLOAD in fields:
        return fields[PAYLOAD]
    return orjson.dumps(
        {k.decode(errors="replace"): v.decode(errors="replace") for k, v in (fields or {}).items()}
    )


class RedisLeases:
    """`SET key owner NX PX ttl` leases (redis-py's Lock), renewed only by the owner that holds them."""

    def __init__(self, client: Redis, topology: Topology, *, ttl: float, owner: str) -> None:
        self.client = client
        self.topology = topology
        self.ttl = ttl
        self.owner = owner
        self.locks: dict[int, Lock] = {}

    async def acquire(self, partition: int) -> bool:
        lock = self.client.lock(lease_key(self.topology, partition), timeout=self.ttl, blocking=False)
        if not await lock.acquire(token=self.owner):
            return False
        self.locks[partition] = lock
        return True

    async def renew(self, partition: int) -> bool:
        lock = self.locks.get(partition)
        try:
            return lock is not None and await lock.reacquire()
        except LockError:
            self.locks.pop(partition, None)
            return False

    async def release(self, partition: int) -> None:
        lock = self.locks.pop(partition, None)
        if lock is not None:
            with contextlib.suppress(LockError):
                await lock.release()


class RedisIngress:
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
        self.owner = owner
        self.broker = RedisBroker(url, log_level=logging.DEBUG, graceful_timeout=tuning.graceful_timeout)
        self.subscribers: dict[int, StreamBatchSubscriber] = {}
        self.tasks: dict[int, asyncio.Task[None]] = {}
        self.claims: Claims | None = None

    async def start(self) -> None:
        await self.broker.start()
        leases = RedisLeases(await self._client(), self.topology, ttl=self.tuning.lease_ttl, owner=self.owner)
        self.claims = Claims(
            self.partitions, leases, ttl=self.tuning.lease_ttl, on_gain=self._consume, on_loss=self._leave
        )
        await self.claims.start()

    async def stop(self) -> None:
        self.handler.stopping.set()
        if self.claims is not None:
            await self.claims.stop()
        await self.broker.stop()

    def owned(self) -> frozenset[int]:
        return frozenset(self.claims.held) if self.claims else frozenset()

    async def _client(self) -> Redis:
        client: Redis = await self.broker.connect()
        return client

    async def _consume(self, partition: int) -> None:
        name = stream(self.topology, partition)
        try:  # from the stream's first entry, so that what the bank published before any worker ran counts
            await (await self._client()).xgroup_create(name, group(self.topology), id="0", mkstream=True)
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):  # anything but "the group is there already"
                raise
        self.tasks[partition] = asyncio.create_task(self._pending_then_new(partition))

    async def _pending_then_new(self, partition: int) -> None:
        while True:
            try:
                if not await self._apply_pending(partition):
                    return  # stopping: the rest stays pending for the next holder
                break
            except Exception as error:  # Redis went away for a moment: read the pending entries again
                log.warning("reading pending entries failed", partition=partition, error=repr(error))
                await asyncio.sleep(self.tuning.poll)
        if partition not in self.subscribers:
            self.subscribers[partition] = self._subscriber(partition)
        await self.subscribers[partition].start()

    async def _leave(self, partition: int) -> None:
        task = self.tasks.pop(partition, None)
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if partition in self.subscribers:
            await self.subscribers[partition].stop()

    async def _apply_pending(self, partition: int) -> bool:
        """Entries delivered to this partition's consumer and never acknowledged, oldest first.

        A holder that stopped mid-read leaves some there too: a blocking read can still take entries
        after its subscriber was told to stop.
        """
        client, name, consumer = await self._client(), stream(self.topology, partition), f"p{partition}"
        while True:
            reply = cast(
                list[tuple[bytes, Entries]],
                await client.xreadgroup(
                    group(self.topology), consumer, {name: "0"}, count=self.tuning.batch_size
                ),
            )
            entries = reply[0][1] if reply else []
            if not entries:
                return True
            if not await self.handler.settle(partition, [body_of(fields) for _, fields in entries]):
                return False
            await client.xack(name, group(self.topology), *(entry_id for entry_id, _ in entries))
            self.handler.stats.record_ack(partition, len(entries))

    def _subscriber(self, partition: int) -> StreamBatchSubscriber:
        sub = self.broker.subscriber(
            stream=StreamSub(
                stream(self.topology, partition),
                group=group(self.topology),
                consumer=f"p{partition}",
                batch=True,
                max_records=self.tuning.batch_size,
                polling_interval=int(self.tuning.poll * 1000),
            ),
            ack_policy=AckPolicy.MANUAL,
        )
        settle, stats = self.handler.settle, self.handler.stats

        async def handle(message: Annotated[RedisBatchStreamMessage, Context("message")]) -> None:
            fields = message.raw_message["data"]
            if await settle(partition, [body_of(f) for f in fields]):
                await message.ack()
                stats.record_ack(partition, len(fields))
            # otherwise the entries stay pending for this partition's consumer: the next holder applies them

        sub(handle)
        return sub


class RedisPublisher:
    """`XADD <prefix>:<connector>:p<partition> * payload <document>`, pipelined, in order per partition."""

    def __init__(self, *, url: str, topology: Topology, chunk: int = 500) -> None:
        self.topology = topology
        self.chunk = chunk
        self.broker = RedisBroker(url, log_level=logging.DEBUG)

    async def start(self) -> None:
        await self.broker.connect()

    async def stop(self) -> None:
        await self.broker.stop()

    async def publish(self, customer_id: str, body: bytes) -> None:
        await self._send(self.topology.partition(customer_id), [body])

    async def publish_many(self, messages: Iterable[Message]) -> int:
        return await in_partition_order(messages, self.topology, self._send)

    async def _send(self, partition: int, bodies: list[bytes]) -> None:
        client: Redis = await self.broker.connect()
        name = stream(self.topology, partition)
        for start in range(0, len(bodies), self.chunk):
            async with client.pipeline(transaction=False) as pipe:
                for body in bodies[start : start + self.chunk]:
                    pipe.xadd(name, {PAYLOAD: body})
                await pipe.execute()
