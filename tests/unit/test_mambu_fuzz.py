"""Fuzz: no input, random or a mutated real payload, makes the mambu connector raise anything but
InvalidEvent or NotATransaction, and split never raises and always replays its items."""

from __future__ import annotations

import copy
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pointflow.adapters.connectors.jsontext import dumps
from pointflow.adapters.connectors.mambu import MambuConnector
from pointflow.domain.errors import InvalidEvent, NotATransaction
from pointflow.domain.events import Channel, Direction, SourceRef, TransactionPosted, TransactionType
from pointflow.domain.money import Money
from pointflow.service_layer.ports import DecodeLimits
from pointflow.sim.platforms.mambu import MambuSandbox

CONNECTOR = MambuConnector()
LIMITS = DecodeLimits(Decimal("1000000"), 24)
PURCHASE = TransactionPosted(
    source=SourceRef("mambu", "8a01"),
    customer_id="CL-1",
    account_id="8a02",
    money=Money(Decimal("42.50"), "EUR"),
    direction=Direction.DEBIT,
    transaction_type=TransactionType.PURCHASE,
    booked_at=datetime(2024, 5, 15, 14, 30, tzinfo=UTC),
    value_date=date(2024, 5, 15),
    mcc="5812",
    merchant_name="Cafe",
    merchant_country="DE",
    channel=Channel.CARD_PRESENT,
)
SANDBOX = MambuSandbox()
[TRANSACTION] = SANDBOX.transactions([PURCHASE])
STREAM = SANDBOX.stream_batches([PURCHASE, PURCHASE])


def now() -> datetime:
    return datetime(2024, 6, 1, tzinfo=UTC)


def decodes_or_refuses(payload: Any) -> None:
    try:
        CONNECTOR.decode(payload, limits=LIMITS, now=now)
    except (InvalidEvent, NotATransaction) as error:
        detail = error.detail
    else:
        detail = "decoded"
    assert detail
    CONNECTOR.source_id(payload)


scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=30) | st.decimals(allow_nan=True)
json_values = st.recursive(
    scalars | st.sampled_from(["", " ", "DEPOSIT", "2024-05-15T10:00:00Z", "-1.5", "EUR", "5812"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=12,
)
keys = st.sampled_from(sorted(TRANSACTION)) | st.text(max_size=10)


def mutated(base: dict[str, Any], data: st.DataObject) -> dict[str, Any]:
    payload = copy.deepcopy(base)
    for _ in range(data.draw(st.integers(1, 4))):
        target = payload
        if (
            "cardTransaction" in payload
            and isinstance(payload["cardTransaction"], dict)
            and data.draw(st.booleans())
        ):
            target = payload["cardTransaction"].get("cardAcceptor", payload["cardTransaction"])
            if not isinstance(target, dict):
                target = payload
        key = data.draw(st.sampled_from(sorted(target)) | keys if target else keys)
        if data.draw(st.booleans()):
            target.pop(key, None)
        else:
            target[key] = data.draw(json_values)
    return payload


@settings(max_examples=80, deadline=None)
@given(json_values)
def test_any_json_value_decodes_or_is_refused_with_a_domain_error(payload: Any) -> None:
    decodes_or_refuses(payload)


@settings(max_examples=80, deadline=None)
@given(st.data())
def test_a_mutated_deposit_transaction_decodes_or_is_refused_with_a_domain_error(data: st.DataObject) -> None:
    decodes_or_refuses(mutated(TRANSACTION, data))


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_a_mutated_stream_event_decodes_or_is_refused_with_a_domain_error(data: st.DataObject) -> None:
    batch = json.loads(STREAM.splitlines()[0], parse_float=Decimal)
    event = batch["events"][0]
    if data.draw(st.booleans()):
        event["body"] = dumps(mutated(json.loads(event["body"], parse_float=Decimal), data))
    else:
        event.update(mutated(event, data))
    decodes_or_refuses({"cursor": batch["cursor"], "events": [event]})


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300) | st.builds(lambda v: json.dumps(v, default=str).encode(), json_values))
def test_split_never_raises_and_every_item_replays_to_itself(body: bytes) -> None:
    for item in CONNECTOR.split(body):
        assert CONNECTOR.split(item.raw.encode()) == [item]
        if item.parse_error is None:
            decodes_or_refuses(item.payload)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_cut_and_spliced_stream_text_never_breaks_split(data: st.DataObject) -> None:
    cut = data.draw(st.integers(0, len(STREAM)))
    insert = data.draw(st.binary(max_size=8))
    for item in CONNECTOR.split(STREAM[:cut] + insert + STREAM[cut:]):
        assert CONNECTOR.split(item.raw.encode()) == [item]
