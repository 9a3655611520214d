"""Synthetic bank events, rendered to the exact `RawEvent`s ingress receives, before any timing starts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import islice

from pointflow.service_layer.ports import RawEvent
from pointflow.sim.bank import Event, generate

MONTHS = 3
_EVENTS_PER_CUSTOMER_MONTH = 35  # a little under the simulator's average, so there are always enough


def start_for(months: int, today: date | None = None) -> date:
    """The first day of the month `months` before this one: every generated event is in the past."""
    today = today or datetime.now(UTC).date()
    year, month0 = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month0 + 1, 1)


def synthetic(count: int, *, seed: int = 7) -> list[Event]:
    """The first `count` events of a bank just large enough to produce them."""
    customers = max(10, -(-count // (_EVENTS_PER_CUSTOMER_MONTH * MONTHS)))
    events = list(islice(generate(customers, MONTHS, start_for(MONTHS), seed=seed), count))
    if len(events) < count:
        raise RuntimeError(f"the simulated bank produced {len(events)} events, {count} were asked for")
    return events


def render(event: Event) -> RawEvent:
    """The text a client would send and its payload parsed the way the API and file ingest parse it."""
    text = json.dumps(event, separators=(",", ":"))
    return RawEvent(text, json.loads(text, parse_float=Decimal))


def batches(items: list[RawEvent], size: int) -> Iterator[list[RawEvent]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
