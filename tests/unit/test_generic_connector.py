"""The generic connector: the flat transaction JSON decodes to canonical events; bad input names its field."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from pointflow.adapters.connectors import CONNECTORS
from pointflow.adapters.connectors.generic import GenericConnector
from pointflow.domain.errors import InvalidEvent
from pointflow.domain.events import (
    Channel,
    Direction,
    ReversalKind,
    SourceRef,
    TransactionPosted,
    TransactionReversed,
    TransactionType,
)
from pointflow.domain.money import Money
from pointflow.service_layer.ports import DecodeLimits

EXAMPLE = (
    '{"event_type":"transaction.posted","transaction_id":"txn_789012","account_id":"acc_123456",'
    '"customer_id":"cust_888","amount":149.99,"currency":"USD","merchant_category_code":"5812",'
    '"merchant_name":"Premium Coffee Roasters","timestamp":"2024-05-15T14:30:00Z"}'
)
LIMITS = DecodeLimits(Decimal("1000000"), 24)
NOW = datetime(2024, 5, 16, 9, 0, tzinfo=UTC)
CONNECTOR = GenericConnector()


def now() -> datetime:
    return NOW


def example() -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(EXAMPLE, parse_float=Decimal)
    return payload


def refund(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "event_type": "transaction.refunded",
        "transaction_id": "txn_789013",
        "original_transaction_id": "txn_789012",
        "customer_id": "cust_888",
        "amount": "49.99",
        "currency": "USD",
        "timestamp": "2024-05-15T18:00:00Z",
    }
    return {**payload, **changes}


def decode(payload: Any) -> Any:
    return CONNECTOR.decode(payload, limits=LIMITS, now=now)


def test_the_example_payload_decodes_to_a_posted_transaction() -> None:
    event = decode(example())
    booked = datetime(2024, 5, 15, 14, 30, tzinfo=UTC)
    assert event == TransactionPosted(
        source=SourceRef("generic", "txn_789012"),
        customer_id="cust_888",
        account_id="acc_123456",
        money=Money(Decimal("149.99"), "USD"),
        direction=Direction.DEBIT,
        transaction_type=TransactionType.PURCHASE,
        booked_at=booked,
        value_date=date(2024, 5, 15),
        mcc="5812",
        merchant_name="Premium Coffee Roasters",
        merchant_country=None,
        channel=Channel.OTHER,
        description=None,
    )
    assert event.booked_at.utcoffset() is not None
    assert event.booked_at.utcoffset().total_seconds() == 0


def test_the_example_amount_is_an_exact_decimal_even_when_parsed_as_a_float() -> None:
    event = decode(json.loads(EXAMPLE))
    assert event.money.amount == Decimal("149.99")
    assert isinstance(event.money.amount, Decimal)


def test_optional_fields_override_the_defaults() -> None:
    payload = {
        **example(),
        "direction": "credit",
        "transaction_type": "salary_credit",
        "channel": "card_present",
        "merchant_country": "GB",
        "description": "  May salary  ",
        "value_date": "2024-05-17",
        "merchant_category_code": 742,
    }
    event = decode(payload)
    assert event.direction is Direction.CREDIT
    assert event.transaction_type is TransactionType.SALARY_CREDIT
    assert event.channel is Channel.CARD_PRESENT
    assert event.merchant_country == "GB"
    assert event.description == "May salary"
    assert event.value_date == date(2024, 5, 17)
    assert event.mcc == "0742"


def test_a_timestamp_with_an_offset_is_converted_to_utc() -> None:
    event = decode({**example(), "timestamp": "2024-05-15T16:30:00+02:00"})
    assert event.booked_at == datetime(2024, 5, 15, 14, 30, tzinfo=UTC)
    assert event.booked_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("raw", "currency", "expected"),
    [
        pytest.param("149.99", "USD", Decimal("149.99"), id="decimal string"),
        pytest.param("149.990", "USD", Decimal("149.99"), id="trailing zero"),
        pytest.param(150, "USD", Decimal("150.00"), id="integer"),
        pytest.param(" 12.5 ", "USD", Decimal("12.50"), id="padded string"),
        pytest.param("1000000", "USD", Decimal("1000000.00"), id="exactly the limit"),
        pytest.param("1500", "JPY", Decimal("1500"), id="no minor units"),
        pytest.param("1.234", "KWD", Decimal("1.234"), id="three minor units"),
    ],
)
def test_amounts_in_every_accepted_form_decode_exactly(raw: Any, currency: str, expected: Decimal) -> None:
    event = decode({**example(), "amount": raw, "currency": currency})
    assert event.money == Money(expected, currency)
    assert str(event.money.amount) == str(expected)


@pytest.mark.parametrize(
    ("event_type", "kind"),
    [
        ("transaction.reversed", ReversalKind.REVERSAL),
        ("transaction.refunded", ReversalKind.REFUND),
        ("transaction.chargeback", ReversalKind.CHARGEBACK),
    ],
)
def test_each_reversal_event_type_decodes_to_its_kind(event_type: str, kind: ReversalKind) -> None:
    event = decode(refund(event_type=event_type))
    assert event == TransactionReversed(
        source=SourceRef("generic", "txn_789013"),
        original_source_id="txn_789012",
        customer_id="cust_888",
        money=Money(Decimal("49.99"), "USD"),
        kind=kind,
        booked_at=datetime(2024, 5, 15, 18, 0, tzinfo=UTC),
        value_date=date(2024, 5, 15),
    )


def test_an_explicit_reversal_kind_overrides_the_one_implied_by_the_event_type() -> None:
    assert decode(refund(reversal_kind="chargeback")).kind is ReversalKind.CHARGEBACK


def test_source_id_reads_the_transaction_id_when_it_can() -> None:
    assert CONNECTOR.source_id(example()) == "txn_789012"
    assert CONNECTOR.source_id({"transaction_id": 42}) is None
    assert CONNECTOR.source_id(["txn_789012"]) is None


def test_the_generic_connector_is_registered_under_its_name() -> None:
    assert isinstance(CONNECTORS["generic"], GenericConnector)


LONG_ID = "t" * 129


def posted(**changes: Any) -> dict[str, Any]:
    return {**example(), **changes}


def without(name: str) -> dict[str, Any]:
    payload = example()
    del payload[name]
    return payload


BAD_POSTED: list[Any] = [
    # shape
    pytest.param(["not", "an", "object"], "<body>", id="array payload"),
    pytest.param("txn_789012", "<body>", id="string payload"),
    pytest.param(None, "<body>", id="null payload"),
    pytest.param(without("event_type"), "event_type", id="missing event_type"),
    pytest.param(posted(event_type="transaction.voided"), "event_type", id="unknown event_type"),
    pytest.param(posted(event_type=7), "event_type", id="numeric event_type"),
    # identifiers
    pytest.param(without("transaction_id"), "transaction_id", id="missing transaction_id"),
    pytest.param(posted(transaction_id=789012), "transaction_id", id="numeric transaction_id"),
    pytest.param(posted(transaction_id="   "), "transaction_id", id="blank transaction_id"),
    pytest.param(posted(transaction_id="txn 789"), "transaction_id", id="transaction_id with a space"),
    pytest.param(posted(transaction_id=LONG_ID), "transaction_id", id="over-long transaction_id"),
    pytest.param(without("customer_id"), "customer_id", id="missing customer_id"),
    pytest.param(posted(customer_id=True), "customer_id", id="boolean customer_id"),
    pytest.param(posted(customer_id=LONG_ID), "customer_id", id="over-long customer_id"),
    pytest.param(without("account_id"), "account_id", id="missing account_id"),
    pytest.param(posted(account_id={"id": "acc"}), "account_id", id="object account_id"),
    pytest.param(posted(account_id=LONG_ID), "account_id", id="over-long account_id"),
    # amount
    pytest.param(without("amount"), "amount", id="missing amount"),
    pytest.param(posted(amount=True), "amount", id="boolean amount"),
    pytest.param(posted(amount=[149]), "amount", id="array amount"),
    pytest.param(posted(amount="abc"), "amount", id="non-numeric amount"),
    pytest.param(posted(amount="NaN"), "amount", id="NaN amount"),
    pytest.param(posted(amount="Infinity"), "amount", id="Infinity amount"),
    pytest.param(posted(amount="-Infinity"), "amount", id="negative Infinity amount"),
    pytest.param(posted(amount=Decimal("NaN")), "amount", id="NaN Decimal amount"),
    pytest.param(posted(amount=0), "amount", id="zero amount"),
    pytest.param(posted(amount="-0"), "amount", id="negative zero amount"),
    pytest.param(posted(amount=Decimal("-149.99")), "amount", id="negative amount"),
    pytest.param(posted(amount="1000000.01"), "amount", id="amount over the limit"),
    pytest.param(posted(amount="1E+999999"), "amount", id="absurd amount"),
    pytest.param(posted(amount="149.999"), "amount", id="too many decimals"),
    pytest.param(posted(amount="0.001"), "amount", id="below the minor unit"),
    pytest.param(posted(amount="1E-999999"), "amount", id="vanishingly small amount"),
    pytest.param(posted(amount="100.5", currency="JPY"), "amount", id="decimals on a zero-decimal currency"),
    # currency
    pytest.param(without("currency"), "currency", id="missing currency"),
    pytest.param(posted(currency="XYZ"), "currency", id="unknown currency"),
    pytest.param(posted(currency="usd"), "currency", id="lowercase currency"),
    pytest.param(posted(currency="USDX"), "currency", id="four-letter currency"),
    pytest.param(posted(currency=840), "currency", id="numeric currency"),
    # merchant category code
    pytest.param(posted(merchant_category_code="0001"), "merchant_category_code", id="unknown MCC"),
    pytest.param(posted(merchant_category_code="58a2"), "merchant_category_code", id="MCC with a letter"),
    pytest.param(posted(merchant_category_code="581"), "merchant_category_code", id="three-digit MCC"),
    pytest.param(posted(merchant_category_code=True), "merchant_category_code", id="boolean MCC"),
    pytest.param(posted(merchant_category_code=-1), "merchant_category_code", id="negative MCC"),
    # timestamp
    pytest.param(without("timestamp"), "timestamp", id="missing timestamp"),
    pytest.param(posted(timestamp=1715783400), "timestamp", id="epoch timestamp"),
    pytest.param(posted(timestamp="yesterday"), "timestamp", id="not a date-time"),
    pytest.param(posted(timestamp="2024-05-15T14:30:00"), "timestamp", id="naive timestamp"),
    pytest.param(posted(timestamp="2024-05-15"), "timestamp", id="date without time or zone"),
    pytest.param(posted(timestamp="2024-05-17T09:00:01Z"), "timestamp", id="beyond the future skew"),
    pytest.param(posted(timestamp="2124-05-15T14:30:00Z"), "timestamp", id="far-future timestamp"),
    pytest.param(posted(timestamp="1999-12-31T23:59:59Z"), "timestamp", id="timestamp before 2000"),
    pytest.param(posted(timestamp="2000-01-01T00:30:00+01:00"), "timestamp", id="before 2000 in UTC"),
    # enums, dates, countries, free text
    pytest.param(posted(direction="sideways"), "direction", id="bad direction"),
    pytest.param(posted(direction="DEBIT"), "direction", id="uppercase direction"),
    pytest.param(posted(transaction_type="gift"), "transaction_type", id="bad transaction_type"),
    pytest.param(posted(channel="fax"), "channel", id="bad channel"),
    pytest.param(posted(channel=1), "channel", id="numeric channel"),
    pytest.param(posted(value_date="2024-13-01"), "value_date", id="impossible value_date"),
    pytest.param(posted(value_date="15/05/2024"), "value_date", id="non-ISO value_date"),
    pytest.param(posted(merchant_country="us"), "merchant_country", id="lowercase country"),
    pytest.param(posted(merchant_country="USA"), "merchant_country", id="alpha-3 country"),
    pytest.param(posted(merchant_country="U1"), "merchant_country", id="country with a digit"),
    pytest.param(posted(merchant_name="m" * 257), "merchant_name", id="over-long merchant_name"),
    pytest.param(posted(merchant_name=12), "merchant_name", id="numeric merchant_name"),
    pytest.param(posted(description="d" * 257), "description", id="over-long description"),
]

BAD_REVERSED: list[Any] = [
    pytest.param(refund(original_transaction_id=None), "original_transaction_id", id="missing original id"),
    pytest.param(
        refund(original_transaction_id=LONG_ID), "original_transaction_id", id="over-long original id"
    ),
    pytest.param(refund(reversal_kind="partial"), "reversal_kind", id="bad reversal_kind"),
    pytest.param(refund(amount="0"), "amount", id="zero reversal amount"),
    pytest.param(refund(amount=False), "amount", id="boolean reversal amount"),
    pytest.param(refund(currency="XYZ"), "currency", id="unknown reversal currency"),
    pytest.param(refund(timestamp="2024-05-15T18:00:00"), "timestamp", id="naive reversal timestamp"),
    pytest.param(refund(customer_id=""), "customer_id", id="empty reversal customer_id"),
]


@pytest.mark.parametrize(("payload", "field"), BAD_POSTED + BAD_REVERSED)
def test_bad_input_raises_invalid_event_naming_the_field(payload: Any, field: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        decode(payload)
    assert caught.value.field == field
    assert caught.value.detail


def test_a_timestamp_at_the_edge_of_the_future_skew_is_accepted() -> None:
    event = decode(posted(timestamp="2024-05-17T09:00:00Z"))
    assert event.booked_at == datetime(2024, 5, 17, 9, 0, tzinfo=UTC)


def test_the_earliest_accepted_timestamp_is_the_start_of_2000() -> None:
    event = decode(posted(timestamp="2000-01-01T00:00:00Z"))
    assert event.booked_at == datetime(2000, 1, 1, tzinfo=UTC)


def test_an_identifier_of_exactly_128_characters_is_accepted() -> None:
    assert decode(posted(transaction_id="t" * 128)).source.id == "t" * 128


def test_the_future_skew_follows_the_clock_it_is_given() -> None:
    payload = posted(timestamp="2024-05-20T00:00:00Z")
    with pytest.raises(InvalidEvent):
        decode(payload)
    later = CONNECTOR.decode(payload, limits=LIMITS, now=lambda: datetime(2024, 5, 19, 12, tzinfo=UTC))
    assert later.booked_at == datetime(2024, 5, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    "stamp",
    [
        pytest.param("9999-12-31T23:59:59-01:00", id="past year 9999 in UTC"),
        pytest.param("0001-01-01T00:00:00+01:00", id="before year 1 in UTC"),
    ],
)
def test_a_timestamp_whose_utc_conversion_leaves_the_calendar_is_refused_naming_timestamp(stamp: str) -> None:
    # Converting these to UTC overflows datetime; the connector must still answer with InvalidEvent so the
    # item is quarantined instead of failing the whole batch.
    with pytest.raises(InvalidEvent) as caught:
        decode(posted(timestamp=stamp))
    assert caught.value.field == "timestamp"


# --- amount strings: plain ASCII decimal text only ---------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("1_000", id="digit-group underscore"),
        pytest.param("+5", id="explicit plus sign"),
        pytest.param("\u0661\u0662\u0663", id="Arabic-Indic digits"),
        pytest.param("1e3", id="exponent"),
        pytest.param(" 12.50x", id="trailing garbage"),
    ],
)
def test_an_amount_string_that_is_not_plain_ascii_decimal_text_is_refused_naming_amount(raw: str) -> None:
    # Decimal() reads all but the last as numbers; an amount in a bank file must not be that lenient.
    with pytest.raises(InvalidEvent) as caught:
        decode(posted(amount=raw))
    assert caught.value.field == "amount"
    assert caught.value.detail


def test_a_plain_decimal_amount_string_is_accepted() -> None:
    assert decode(posted(amount="12.50")).money == Money(Decimal("12.50"), "USD")
