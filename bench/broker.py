"""Broker throughput: the same messages through NATS JetStream twice in one run, timed from the first
publish to the last acknowledgement.

- bare: the bank's publisher and a plain pull consumer that acknowledges each batch and does nothing else;
  the broker's own publish-and-consume rate on this machine.
- end to end: the same publisher and `pointflow worker` (batches through connector split, ingress and the
  accrual path on SQLite, acknowledged after each commit).

The publisher runs in a process of its own, as a bank's producer would, and starts when the consumer is
ready; each leg uses fresh streams.

Their ratio says how much of the broker's rate the accrual path keeps. The lead calls `run`; standalone:
python -m bench.broker [--events N] [--url nats://…] [--partitions P]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import nats
from nats.aio.client import Client as NatsClient
from nats.js.api import ConsumerConfig
from rich.console import Console

from bench.databases import open_container
from bench.events import render, synthetic
from pointflow.adapters.brokers import DEFAULT_URLS
from pointflow.adapters.brokers.base import Message, Topology, Tuning
from pointflow.adapters.brokers.jetstream import (
    NatsPublisher,
    declare,
    durable,
    lease_bucket,
    stream_name,
    subject,
)
from pointflow.entrypoints.worker import Worker, WorkerConfig
from pointflow.service_layer.ports import RawEvent

BATCH_SIZE = 500  # messages per pull and per transaction, as `pointflow worker` defaults to
PARTITIONS = 4


@dataclass(frozen=True)
class Leg:
    events: int
    seconds: float  # first publish → last acknowledgement
    publish_seconds: float  # first publish → last publish acknowledged by the stream
    statuses: dict[str, int]
    batches: int

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds


def run(
    items: list[RawEvent],
    *,
    database_url: str,
    url: str = DEFAULT_URLS["nats"],
    partitions: int = PARTITIONS,
    batch_size: int = BATCH_SIZE,
) -> dict[str, Any]:
    """Both legs on fresh streams; `database_url` is an empty SQLite database for the end-to-end leg."""
    messages = [(str(item.payload["customer_id"]), item.raw.encode()) for item in items]
    bare = asyncio.run(_bare(messages, url, _topology(partitions), batch_size))
    end_to_end = asyncio.run(_end_to_end(messages, url, _topology(partitions), batch_size, database_url))
    return {
        "broker": "nats",
        "options": {"events": len(items), "partitions": partitions, "batch_size": batch_size},
        "bare": {**asdict(bare), "events_per_s": bare.events_per_s},
        "end_to_end": {**asdict(end_to_end), "events_per_s": end_to_end.events_per_s},
        "ratio": end_to_end.events_per_s / bare.events_per_s,
    }


def _topology(partitions: int) -> Topology:
    return Topology("generic", partitions, prefix=f"pfbench{uuid.uuid4().hex[:8]}")


async def _bare(messages: list[Message], url: str, top: Topology, batch_size: int) -> Leg:
    client = await nats.connect(url)
    acked = [0]
    try:
        js = client.jetstream()
        await declare(js, top)
        pulls = [
            await js.pull_subscribe(
                subject(top, p),
                durable=durable(top, p),
                stream=stream_name(top),
                config=ConsumerConfig(max_ack_pending=batch_size),
            )
            for p in range(top.partitions)
        ]
        consumers = [asyncio.create_task(_acknowledge(pull, client, batch_size, acked)) for pull in pulls]
        leg = await _timed(Producer.start(messages, url, top), messages, lambda: acked[0], lambda: ({}, 0))
        for task in consumers:
            task.cancel()
        await asyncio.gather(*consumers, return_exceptions=True)
        return leg
    finally:
        await client.close()
        await _remove(url, top)


async def _acknowledge(pull: Any, client: NatsClient, batch_size: int, acked: list[int]) -> None:
    while True:
        try:
            batch = await pull.fetch(batch_size, timeout=0.5)
        except TimeoutError:
            continue
        for message in batch:
            await message.ack()
        await client.flush()
        acked[0] += len(batch)


async def _end_to_end(
    messages: list[Message], url: str, top: Topology, batch_size: int, database_url: str
) -> Leg:
    container = open_container(database_url)
    tuning = Tuning(batch_size=batch_size)
    config = WorkerConfig("nats", top, tuple(range(top.partitions)), url=url, tuning=tuning)
    worker = Worker(container, config)
    try:
        await worker.start()
        stats = worker.stats
        leg = await _timed(
            Producer.start(messages, url, top),
            messages,
            lambda: stats.acked.total(),
            lambda: (dict(stats.statuses), stats.batches.total()),
        )
        await worker.stop()
        return leg
    finally:
        await _remove(url, top)
        container.close()


async def _timed(
    producer: Producer,
    messages: list[Message],
    acked: Callable[[], int],
    outcome: Callable[[], tuple[dict[str, int], int]],
) -> Leg:
    started = time.perf_counter()
    producer.go.set()
    deadline = started + 120 + len(messages) / 100
    while acked() < len(messages):
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{acked()} of {len(messages)} messages acknowledged")
        await asyncio.sleep(0.005)
    seconds = time.perf_counter() - started
    statuses, batches = outcome()
    return Leg(len(messages), seconds, producer.seconds(), statuses, batches)


@dataclass
class Producer:
    """The bank's producer in a process of its own, as it would be: it shares no interpreter with the worker.

    It connects, declares the stream and waits for `go`, so that its start-up is not timed.
    """

    go: Any
    ready: Any
    result: Any
    process: Any

    @classmethod
    def start(cls, messages: list[Message], url: str, top: Topology) -> Producer:
        context = multiprocessing.get_context("spawn")
        go, ready, (receive, send) = context.Event(), context.Event(), context.Pipe(duplex=False)
        process = context.Process(target=_produce, args=(messages, url, top, go, ready, send), daemon=True)
        process.start()
        if not ready.wait(60):
            raise TimeoutError("the producer process did not start")
        return cls(go, ready, receive, process)

    def seconds(self) -> float:
        published: float = self.result.recv()
        self.process.join(10)
        return published


def _produce(messages: list[Message], url: str, top: Topology, go: Any, ready: Any, send: Any) -> None:
    async def main() -> float:
        publisher = NatsPublisher(url=url, topology=top)
        await publisher.start()
        ready.set()
        await asyncio.to_thread(go.wait)
        started = time.perf_counter()
        await publisher.publish_many(messages)
        elapsed = time.perf_counter() - started
        await publisher.stop()
        return elapsed

    send.send(asyncio.run(main()))


async def _remove(url: str, top: Topology) -> None:
    client = await nats.connect(url)
    for name in (stream_name(top), f"KV_{lease_bucket(top)}"):
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await client.jetstream().delete_stream(name)
    await client.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.broker", description=__doc__)
    parser.add_argument("--events", type=int, default=20_000, help="events to send (default 20000)")
    parser.add_argument("--url", default=DEFAULT_URLS["nats"], help="NATS server with JetStream")
    parser.add_argument("--partitions", type=int, default=PARTITIONS)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    args = parser.parse_args(argv)
    console = Console(highlight=False)
    console.print(f"rendering {args.events:,} synthetic events …")
    items = [render(event) for event in synthetic(args.events)]
    with tempfile.TemporaryDirectory(prefix="pf_bench_broker_") as folder:
        database = f"sqlite:///{Path(folder) / 'broker.db'}"
        figures = run(
            items, database_url=database, url=args.url, partitions=args.partitions, batch_size=args.batch_size
        )
    bare, e2e = figures["bare"], figures["end_to_end"]
    console.print(f"bare NATS JetStream publish+consume: {bare['events_per_s']:,.0f} events/s")
    console.print(
        f"end to end (worker, accrual on SQLite): {e2e['events_per_s']:,.0f} events/s {e2e['statuses']}"
    )
    console.print(f"ratio end to end / bare: {figures['ratio']:.3f}; batches: {e2e['batches']}")


if __name__ == "__main__":
    main()
