"""The pure parts of the broker adapters: batching a queue, reading a stream entry, grouping records."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from datetime import date
from types import SimpleNamespace

from pointflow.adapters.brokers.base import Topology, in_partition_order
from pointflow.adapters.brokers.jetstream import durable, lease_bucket, stream_name, subject
from pointflow.adapters.brokers.kafka import by_partition
from pointflow.adapters.brokers.rabbitmq import take
from pointflow.adapters.brokers.redis_streams import body_of
from pointflow.sim.feed import publish_history

TOP = Topology("generic", partitions=4, prefix="pf.test")


def test_a_batch_takes_what_is_waiting_up_to_its_size() -> None:
    async def scenario() -> tuple[list[int], list[int]]:
        inbox: asyncio.Queue[int] = asyncio.Queue()
        for i in range(5):
            inbox.put_nowait(i)
        return await take(inbox, 3, 0.0), await take(inbox, 3, 0.0)

    assert asyncio.run(scenario()) == ([0, 1, 2], [3, 4])


def test_a_partial_batch_waits_its_linger_for_more() -> None:
    async def scenario() -> list[int]:
        inbox: asyncio.Queue[int] = asyncio.Queue()
        inbox.put_nowait(1)
        asyncio.get_running_loop().call_later(0.01, inbox.put_nowait, 2)
        return await take(inbox, 10, 1.0)

    assert asyncio.run(scenario()) == [1, 2]


def test_a_stream_entry_carries_its_document_in_payload_and_anything_else_is_kept_whole() -> None:
    assert body_of({b"payload": b'{"a": 1}', b"other": b"x"}) == b'{"a": 1}'
    assert json.loads(body_of({b"event_type": b"transaction.posted"})) == {"event_type": "transaction.posted"}
    assert body_of(None) == b"{}"


def test_kafka_records_are_grouped_by_partition_in_their_order() -> None:
    records = [SimpleNamespace(partition=p, value=v) for p, v in [(1, b"a"), (0, b"b"), (1, b"c"), (0, None)]]
    assert by_partition(records) == {1: [b"a", b"c"], 0: [b"b", b""]}


def test_the_publisher_keeps_each_partitions_order() -> None:
    sent: dict[int, list[bytes]] = {}

    async def send(partition: int, bodies: list[bytes]) -> None:
        sent[partition] = bodies

    customers = [f"cust_{i}" for i in range(20)]
    messages = [(c, f"{c}:{n}".encode()) for n in range(3) for c in customers]
    assert asyncio.run(in_partition_order(messages, TOP, send)) == 60
    for partition, bodies in sent.items():
        assert bodies == [body for c, body in messages if TOP.partition(c) == partition]


def test_nats_names_are_valid_for_their_kind() -> None:
    assert stream_name(TOP) == "PF_TEST_GENERIC"
    assert subject(TOP, 3) == "pf.test.generic.p3"
    assert "." not in durable(TOP, 3)
    assert "." not in lease_bucket(TOP)


def test_the_sandbox_bank_publishes_each_event_under_its_customer() -> None:
    received: list[tuple[str, bytes]] = []

    class Sink:
        async def publish_many(self, messages: Iterable[tuple[str, bytes]]) -> int:
            received.extend(messages)
            return len(received)

    count = asyncio.run(publish_history(Sink(), customers=3, months=1, start=date(2024, 1, 1), seed=3))
    assert count == len(received) > 0
    for customer_id, body in received:
        assert json.loads(body)["customer_id"] == customer_id
