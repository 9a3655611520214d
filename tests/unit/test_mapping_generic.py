"""generic.yaml is the generic connector as a mapping: the same events, and the same field on bad input."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointflow.adapters.connectors import CONNECTORS
from pointflow.adapters.connectors.generic import GenericConnector
from pointflow.adapters.connectors.mapping.json_document import dumps
from pointflow.domain.errors import InvalidEvent
from pointflow.domain.events import Channel, Direction, ReversalKind, TransactionType
from pointflow.domain.money import CURRENCY_MINOR_UNITS
from pointflow.service_layer.ports import Connector, DecodeLimits
from tests.factories import EXAMPLE
from tests.unit.test_generic_connector import BAD_POSTED, BAD_REVERSED

LIMITS = DecodeLimits(Decimal("1000000"), 24)
NOW = datetime(2024, 5, 16, 9, 0, tzinfo=UTC)
GENERIC = GenericConnector()
MAPPED = CONNECTORS["generic-mapping"]
KEYS = [
    "event_type",
    "transaction_id",
    "original_transaction_id",
    "account_id",
    "customer_id",
    "amount",
    "currency",
    "direction",
    "transaction_type",
    "timestamp",
    "value_date",
    "merchant_category_code",
    "merchant_name",
    "merchant_country",
    "channel",
    "description",
    "reversal_kind",
]


def outcomes(connector: Connector, text: str) -> list[Any]:
    """What the ingress makes of a body: an event, or ("invalid", field) as the quarantine would record."""
    found: list[Any] = []
    for item in connector.split(text.encode()):
        if item.parse_error is not None:
            found.append(("invalid", "<body>"))
            continue
        try:
            found.append(connector.decode(item.payload, limits=LIMITS, now=lambda: NOW))
        except InvalidEvent as error:
            found.append(("invalid", error.field))
    return found


def assert_same(text: str) -> list[Any]:
    expected = outcomes(GENERIC, text)
    assert outcomes(MAPPED, text) == expected
    return expected


def test_the_verbatim_example_decodes_to_the_same_event() -> None:
    [event] = assert_same(EXAMPLE)
    assert event.source.system == "generic"
    assert event.money.amount == Decimal("149.99")


@pytest.mark.parametrize(("payload", "field"), BAD_POSTED + BAD_REVERSED)
def test_every_bad_payload_of_the_generic_tests_fails_on_the_same_field(payload: Any, field: str) -> None:
    found = assert_same(dumps(payload))  # an array is a batch: each of its items fails on its own
    assert found
    assert set(found) == {("invalid", field if isinstance(payload, dict) else "<body>")}


def test_an_array_is_a_batch_for_both() -> None:
    events = assert_same(f"[{EXAMPLE}, 5, {{}}]")
    assert [type(e).__name__ for e in events] == ["TransactionPosted", "tuple", "tuple"]


def test_native_field_and_source_id_answer_as_the_generic_connector_does() -> None:
    names = ["source_id", "original_source_id", "money", "amount", "mcc", "booked_at", "kind", "currency"]
    assert [MAPPED.native_field(n) for n in names] == [GENERIC.native_field(n) for n in names]
    [item] = MAPPED.split(EXAMPLE.encode())
    assert MAPPED.source_id(item.payload) == "txn_789012"
    [bad] = MAPPED.split(b'{"transaction_id": 42}')
    assert MAPPED.source_id(bad.payload) is None


# --- hypothesis: valid payloads of every shape, and each of them with one field spoiled ---------------

IDS = st.text("abcXYZ0189_.:-/#@+", min_size=1, max_size=40)
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))])
MCCS = st.sampled_from(["5812", "5411", "5999", "4111", "0742", "7011"])
TEXT = st.text(
    st.characters(max_codepoint=0x2FF, exclude_categories=("Cs",)), min_size=1, max_size=40
).filter(str.strip)


@st.composite
def money(draw: st.DrawFn) -> dict[str, Any]:
    currency = draw(st.sampled_from(sorted(CURRENCY_MINOR_UNITS)))
    minor = CURRENCY_MINOR_UNITS[currency]
    value = Decimal(draw(st.integers(1, 10**6 * 10**minor))).scaleb(-minor)
    amount = draw(st.sampled_from([value, str(value), f" {value} "]))
    return {"amount": amount, "currency": currency}


@st.composite
def moment(draw: st.DrawFn) -> str:
    naive = draw(st.datetimes(datetime(2000, 1, 2), datetime(2024, 5, 16, 8, 0)))
    stamp = naive.replace(tzinfo=UTC).astimezone(draw(ZONES)).isoformat()
    return stamp.replace("+00:00", "Z") if draw(st.booleans()) else stamp


def optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


@st.composite
def posted_payload(draw: st.DrawFn) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "event_type": "transaction.posted",
        "transaction_id": draw(IDS),
        "account_id": draw(IDS),
        "customer_id": draw(IDS),
        "timestamp": draw(moment()),
        **draw(money()),
        "direction": draw(optional(st.sampled_from([d.value for d in Direction]))),
        "transaction_type": draw(optional(st.sampled_from([t.value for t in TransactionType]))),
        "channel": draw(optional(st.sampled_from([c.value for c in Channel]))),
        "merchant_category_code": draw(optional(st.one_of(MCCS, MCCS.map(int)))),
        "merchant_name": draw(optional(TEXT)),
        "merchant_country": draw(optional(st.text("ABGUSZ", min_size=2, max_size=2))),
        "description": draw(optional(TEXT)),
        "value_date": draw(optional(st.dates(date(2000, 1, 1), date(2030, 1, 1)).map(date.isoformat))),
        "note": draw(optional(TEXT)),  # unknown keys are ignored by both
    }
    return {k: v for k, v in payload.items() if v is not None or draw(st.booleans())}


@st.composite
def reversed_payload(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "event_type": draw(
            st.sampled_from(["transaction.reversed", "transaction.refunded", "transaction.chargeback"])
        ),
        "transaction_id": draw(IDS),
        "original_transaction_id": draw(IDS),
        "customer_id": draw(IDS),
        "timestamp": draw(moment()),
        **draw(money()),
        **(
            {"reversal_kind": draw(st.sampled_from([k.value for k in ReversalKind]))}
            if draw(st.booleans())
            else {}
        ),
    }


VALID = st.one_of(posted_payload(), reversed_payload())
JUNK = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(10**20), 10**20),
        st.decimals(allow_nan=False, allow_infinity=False),
        TEXT,
        st.sampled_from(
            ["", " ", "5812", "transaction.posted", "debit", "2024-05-15", "2024-05-15T14:30:00Z"]
        ),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=100, deadline=None)
@given(VALID)
def test_valid_payloads_decode_to_equal_events(payload: dict[str, Any]) -> None:
    [event] = assert_same(dumps(payload))
    assert not isinstance(event, tuple), event


@settings(max_examples=100, deadline=None)
@given(VALID, st.sampled_from(KEYS), JUNK)
def test_a_payload_with_one_field_spoiled_gives_the_same_event_or_the_same_field(
    payload: dict[str, Any], key: str, junk: Any
) -> None:
    assert_same(dumps({**payload, key: junk}))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(VALID, JUNK), max_size=4))
def test_batches_of_anything_give_the_same_outcomes_item_by_item(batch: list[Any]) -> None:
    assert_same(dumps(batch))
