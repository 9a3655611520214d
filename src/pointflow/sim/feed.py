"""The sandbox bank as a streaming core: its events go to a broker keyed by customer, the way a bank's
producer must publish them (the publisher puts each key's events in that customer's partition)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Protocol

from pointflow.sim.bank import Event, generate


class Sink(Protocol):
    """A broker publisher (pointflow.adapters.brokers): customer id and document in, partition chosen."""

    async def publish_many(self, messages: Iterable[tuple[str, bytes]]) -> int: ...


def messages(events: Iterable[Event]) -> Iterator[tuple[str, bytes]]:
    """Each event as (customer id, the generic connector's JSON)."""
    for event in events:
        yield str(event["customer_id"]), json.dumps(event, separators=(",", ":")).encode()


async def publish_history(sink: Sink, *, customers: int, months: int, start: date, seed: int = 7) -> int:
    """Publish the bank's whole history in order; returns how many events went out."""
    return await sink.publish_many(messages(generate(customers, months, start, seed=seed)))
