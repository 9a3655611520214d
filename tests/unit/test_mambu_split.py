"""Cutting Mambu documents into items: pages of transactions, webhook bodies, Streaming API batches (one item
per event, its body parsed again), newline-separated batches; every item's raw text replays to itself."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from pointflow.adapters.connectors.mambu import MambuConnector
from pointflow.domain.errors import InvalidEvent, NotATransaction
from pointflow.domain.events import TransactionPosted
from pointflow.service_layer.ports import DecodeLimits, RawEvent

CONNECTOR = MambuConnector()
LIMITS = DecodeLimits(Decimal("1000000"), 24)


def now() -> datetime:
    return datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def body(key: str, kind: str = "SAVINGS_DEPOSIT", amount: str = "25.00") -> str:
    """A rendered template as a Streaming API event carries it: JSON text inside a JSON string."""
    return json.dumps(
        {
            "event": kind,
            "encodedKey": key,
            "accountHolderId": "CL-1",
            "parentAccountKey": "8a01",
            "amount": amount,
            "currencyCode": "EUR",
            "bookingDate": "2024-05-10T12:49:36+02:00",
            "cardTransaction": {"cardAcceptor": {"name": "", "mcc": ""}},
        }
    )


def event(key: str, **changes: Any) -> dict[str, Any]:
    metadata = {
        "eid": f"eid-{key}",
        "occurred_at": "2024-05-10T10:49:36.599Z",
        "content_type": "application/json",
        "category": "DATA",
        "event_type": "mrn.event.bank.streamingapi.savings_deposit",
    }
    return {"metadata": metadata, "body": body(key), "template_name": "pointflow", **changes}


def batch(*events: dict[str, Any]) -> dict[str, Any]:
    cursor = {
        "partition": "1",
        "offset": "001-0001-000000000000000388",
        "event_type": "MIXED",
        "cursor_token": "c",
    }
    return {"cursor": cursor, "events": list(events)}


def split(data: str | bytes) -> list[RawEvent]:
    return CONNECTOR.split(data.encode() if isinstance(data, str) else data)


def replays(items: list[RawEvent]) -> bool:
    return all(split(item.raw) == [item] for item in items)


def decode(payload: Any) -> Any:
    return CONNECTOR.decode(payload, limits=LIMITS, now=now)


def test_a_batch_gives_one_item_per_event_each_in_a_batch_of_its_own() -> None:
    items = split(json.dumps(batch(event("k1"), event("k2"), event("k3"))))
    assert [i.payload["events"][0]["metadata"]["eid"] for i in items] == ["eid-k1", "eid-k2", "eid-k3"]
    assert all(i.payload["cursor"]["offset"] == "001-0001-000000000000000388" for i in items)
    assert replays(items)


def test_a_stream_event_decodes_its_string_body_and_keeps_the_stream_ids() -> None:
    [first, *_] = split(json.dumps(batch(event("k1"), event("k2"))))
    decoded = decode(first.payload)
    assert isinstance(decoded, TransactionPosted)
    assert (decoded.source.id, decoded.money.amount, decoded.mcc) == ("k1", Decimal("25.00"), None)
    assert decoded.extra == {
        "delivery.stream_event_id": "eid-k1",
        "delivery.stream_event_type": "mrn.event.bank.streamingapi.savings_deposit",
    }
    assert CONNECTOR.source_id(first.payload) == "k1"


def test_a_body_without_event_takes_the_trigger_from_the_event_type() -> None:
    plain = json.loads(body("k1"))
    del plain["event"]
    [item] = split(json.dumps(batch(event("k1", body=json.dumps(plain)))))
    assert decode(item.payload).direction.value == "credit"


def test_a_keep_alive_batch_has_no_items() -> None:
    assert split(json.dumps({"cursor": batch()["cursor"], "info": {"debug": "Stream started"}})) == []


def test_newline_separated_batches_are_read_line_by_line_and_a_bad_line_stands_alone() -> None:
    lines = [json.dumps(batch(event("k1"), event("k2"))), '{"cursor": {', json.dumps(batch(event("k3")))]
    items = split("\n".join(lines) + "\n")
    assert [i.parse_error is None for i in items] == [True, True, False, True]
    assert items[2].raw == '{"cursor": {'
    assert replays(items)


def test_a_page_of_transactions_gives_one_item_per_transaction_with_its_exact_text() -> None:
    text = '[ {"encodedKey": "a", "amount": 1.50} ,\n{"encodedKey": "b", "amount": -2} ]'
    items = split(text)
    assert [i.raw for i in items] == [
        '{"encodedKey": "a", "amount": 1.50}',
        '{"encodedKey": "b", "amount": -2}',
    ]
    assert items[0].payload["amount"] == Decimal("1.50")
    assert replays(items)


def test_an_array_element_that_is_not_an_object_stays_one_item() -> None:
    items = split('[[1, 2], "x", {"encodedKey": "a"}]')
    assert [i.payload for i in items] == [[1, 2], "x", {"encodedKey": "a"}]
    assert replays(items)


def test_a_plain_webhook_body_is_one_item_with_its_own_text() -> None:
    text = body("k1")
    assert split(text) == [RawEvent(text, json.loads(text, parse_float=Decimal))]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('{"encodedKey": ', id="truncated"),
        pytest.param('{"amount": NaN}', id="NaN"),
        pytest.param('{"amount": -Infinity}', id="infinity"),
        pytest.param("[" * 100_000 + "]" * 100_000, id="nested too deeply"),
        pytest.param("", id="empty"),
    ],
)
def test_unreadable_input_is_one_item_with_a_parse_error_that_replays(text: str) -> None:
    [item] = split(text)
    assert item.payload is None
    assert item.parse_error
    assert item.parse_error.startswith("malformed JSON")
    assert replays([item])


def test_bytes_that_are_not_utf8_are_kept_with_replacement_characters() -> None:
    [item] = split(b'{"notes": "\xff"}')
    assert item.payload == {"notes": "\ufffd"}
    assert replays([item])


STREAM_BAD: list[Any] = [
    pytest.param(batch(event("k1"), event("k2")), "events", id="two events at decode"),
    pytest.param(batch("not an event"), "events[0]", id="event not an object"),
    pytest.param(batch(event("k1", metadata="m")), "events[0].metadata", id="metadata not an object"),
    pytest.param(batch(event("k1", metadata={"event_type": "x"})), "events[0].metadata.eid", id="no eid"),
    pytest.param(batch(event("k1", body={"a": 1})), "events[0].body", id="body not a string"),
    pytest.param(batch(event("k1", body="<xml/>")), "events[0].body", id="body not JSON"),
    pytest.param(batch(event("k1", body="[1]")), "events[0].body", id="body not an object"),
    pytest.param({"cursor": {}, "events": "x"}, "events", id="events not an array"),
]


@pytest.mark.parametrize(("payload", "field"), STREAM_BAD)
def test_a_malformed_stream_event_is_refused_naming_where(payload: Any, field: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        decode(payload)
    assert caught.value.field == field


def test_a_stream_event_about_a_client_is_not_a_transaction() -> None:
    client = json.dumps({"event": "CLIENT_CREATED", "clientId": "CL-9"})
    with pytest.raises(NotATransaction):
        decode(batch(event("k1", body=client)))


def test_source_id_of_a_stream_event_falls_back_to_its_eid() -> None:
    assert CONNECTOR.source_id(batch(event("k1", body="not json"))) == "eid-k1"
    assert CONNECTOR.source_id(batch()) is None
