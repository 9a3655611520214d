"""NATS JetStream: one work-queue stream per connector, one subject and one durable pull consumer per
partition, and a key-value lease per partition so that one worker at a time pulls from it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence

import structlog
from faststream.nats import NatsBroker
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, PubAck, RetentionPolicy, StreamConfig
from nats.js.errors import BucketNotFoundError, KeyWrongLastSequenceError, NotFoundError
from nats.js.kv import KeyValue

from pointflow.adapters.brokers.base import Message, Topology, Tuning
from pointflow.adapters.brokers.claims import Claims
from pointflow.adapters.brokers.handler import BatchHandler

log = structlog.get_logger(__name__)


def stream_name(topology: Topology) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", f"{topology.prefix}_{topology.connector}").upper()


def subject(topology: Topology, partition: int) -> str:
    return f"{topology.base}.p{partition}"


def durable(topology: Topology, partition: int) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", f"{topology.base}_p{partition}")


def lease_bucket(topology: Topology) -> str:
    return f"{stream_name(topology)}_LEASES"


async def declare(js: JetStreamContext, topology: Topology) -> None:
    """The stream, if it is not there yet; a work queue, so that an acknowledged message is gone."""
    name = stream_name(topology)
    try:
        await js.stream_info(name)
    except NotFoundError:
        await js.add_stream(
            StreamConfig(name=name, subjects=[f"{topology.base}.*"], retention=RetentionPolicy.WORK_QUEUE)
        )


class KvLeases:
    """Leases in a JetStream key-value bucket whose entries expire after the lease lifetime."""

    def __init__(self, kv: KeyValue, owner: str) -> None:
        self.kv = kv
        self.owner = owner.encode()
        self.revisions: dict[int, int] = {}

    @classmethod
    async def open(cls, js: JetStreamContext, bucket: str, *, ttl: float, owner: str) -> KvLeases:
        try:
            kv = await js.key_value(bucket)
        except BucketNotFoundError:
            kv = await js.create_key_value(bucket=bucket, ttl=ttl, history=1)
        return cls(kv, owner)

    async def acquire(self, partition: int) -> bool:
        try:
            self.revisions[partition] = await self.kv.create(f"p{partition}", self.owner)
        except KeyWrongLastSequenceError:
            return False
        return True

    async def renew(self, partition: int) -> bool:
        try:
            revision = self.revisions[partition]
            self.revisions[partition] = await self.kv.update(f"p{partition}", self.owner, last=revision)
        except (KeyError, KeyWrongLastSequenceError):
            self.revisions.pop(partition, None)
            return False
        return True

    async def release(self, partition: int) -> None:
        revision = self.revisions.pop(partition, None)
        if revision is not None:
            await self.kv.delete(f"p{partition}", last=revision)


class NatsIngress:
    """Pulls each owned partition's durable consumer in a loop of its own, on FastStream's connection.

    At most two batches per partition are unacknowledged (`max_ack_pending`: the one being applied and the
    next), so if a worker dies the partition waits for their redelivery instead of running ahead of them:
    a customer's order holds.
    """

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
        self.broker = NatsBroker(url, log_level=logging.DEBUG)
        self.pullers: dict[int, asyncio.Task[None]] = {}
        self.leaving: set[int] = set()
        self.claims: Claims | None = None

    async def start(self) -> None:
        await self.broker.start()
        js = self.broker.connection.jetstream()
        await declare(js, self.topology)
        leases = await KvLeases.open(
            js, lease_bucket(self.topology), ttl=self.tuning.lease_ttl, owner=self.owner
        )
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

    async def _consume(self, partition: int) -> None:
        js = self.broker.connection.jetstream()
        pull = await js.pull_subscribe(
            subject(self.topology, partition),
            durable=durable(self.topology, partition),
            stream=stream_name(self.topology),
            config=ConsumerConfig(ack_wait=30, max_ack_pending=2 * self.tuning.batch_size),
        )
        self.leaving.discard(partition)
        self.pullers[partition] = asyncio.create_task(self._pull(partition, pull))

    async def _leave(self, partition: int) -> None:
        """Let the loop finish its fetch and batch: a pull request cut short could swallow messages."""
        self.leaving.add(partition)
        task = self.pullers.pop(partition, None)
        if task is not None:
            _, late = await asyncio.wait([task], timeout=self.tuning.graceful_timeout)
            for straggler in late:  # still retrying a refused batch: it stays unacknowledged
                straggler.cancel()

    async def _pull(self, partition: int, pull: JetStreamContext.PullSubscription) -> None:
        """Fetch, apply, ack; the next batch is fetched while this one is applied, so none waits for it."""
        ahead: asyncio.Task[list[Msg]] | None = None
        try:
            while partition not in self.leaving and not self.handler.stopping.is_set():
                try:
                    fetched, ahead = ahead, None
                    batch = await fetched if fetched is not None else await self._fetch(pull)
                    ahead = asyncio.create_task(self._fetch(pull)) if batch else None
                    if batch:
                        await self._settle(partition, batch)
                except Exception as error:  # connection lost: nats-py reconnects, unacked come again
                    log.warning("pulling failed; trying again", partition=partition, error=repr(error))
                    await asyncio.sleep(self.tuning.poll)
        finally:
            await self._hand_back(ahead)
            with contextlib.suppress(Exception):
                await pull.unsubscribe()

    async def _hand_back(self, ahead: asyncio.Task[list[Msg]] | None) -> None:
        """A batch fetched ahead but never applied goes back at once, after the one before it."""
        if ahead is None:
            return
        with contextlib.suppress(Exception):
            await _each(await ahead, Msg.nak)
            await self.broker.connection.flush()

    async def _fetch(self, pull: JetStreamContext.PullSubscription) -> list[Msg]:
        try:
            return await pull.fetch(self.tuning.batch_size, timeout=self.tuning.poll)
        except TimeoutError:  # nothing arrived in time (nats-py raises both its own and the builtin kind)
            return []

    async def _settle(self, partition: int, batch: list[Msg]) -> None:
        applied = partition not in self.leaving and await self.handler.settle(
            partition, [m.data for m in batch], keep_alive=lambda: _each(batch, Msg.in_progress)
        )
        await _each(batch, Msg.ack if applied else Msg.nak)  # a nak redelivers at once, in order
        await self.broker.connection.flush()  # the server has the acks before the worker moves on
        if applied:
            self.handler.stats.record_ack(partition, len(batch))


async def _each(batch: list[Msg], action: Callable[[Msg], Awaitable[None]]) -> None:
    for message in batch:
        await action(message)


class NatsPublisher:
    """Publishes to `<prefix>.<connector>.p<partition>`; returns once JetStream has stored every message.

    Many messages are pipelined (sent in order on one connection, their acknowledgements awaited together),
    so a customer's events keep their order while the publisher does not wait a round trip for each.
    """

    def __init__(self, *, url: str, topology: Topology, window: int = 1000) -> None:
        self.topology = topology
        self.window = window
        self.broker = NatsBroker(url, log_level=logging.DEBUG)

    async def start(self) -> None:
        await self.broker.start()
        self.js = self.broker.connection.jetstream()
        await declare(self.js, self.topology)

    async def stop(self) -> None:
        await self.broker.stop()

    async def publish(self, customer_id: str, body: bytes) -> None:
        partition = self.topology.partition(customer_id)
        await self.broker.publish(body, subject(self.topology, partition), stream=stream_name(self.topology))

    async def publish_many(self, messages: Iterable[Message]) -> int:
        stream, pending, count = stream_name(self.topology), [], 0
        for customer_id, body in messages:
            target = subject(self.topology, self.topology.partition(customer_id))
            pending.append(await self.js.publish_async(target, body, stream=stream))
            count += 1
            if len(pending) >= self.window:
                await _stored(pending)
                pending = []
        await _stored(pending)
        return count


async def _stored(acks: list[asyncio.Future[PubAck]]) -> None:
    """Every publish acknowledged by the stream; a refusal or silence raises."""
    await asyncio.wait_for(asyncio.gather(*acks), timeout=30)
