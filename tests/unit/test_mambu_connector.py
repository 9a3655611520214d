"""The mambu connector: API v2 DepositTransactions and the recommended webhook template decode to canonical
events; every type of the vendor's enum has a decided meaning; bad input names its field."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from pointflow.adapters.connectors import CONNECTORS
from pointflow.adapters.connectors.mambu import (
    RECOMMENDED_WEBHOOK_TEMPLATE,
    ChannelRule,
    MambuConnector,
    kinds,
)
from pointflow.domain.errors import InvalidEvent, NotATransaction
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
from tests.shared import COREBANKING
from tests.unit import swagger

TRANSACTIONS = COREBANKING / "mambu" / "mambu_api_v2_deposit_transactions.swagger.json"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "connectors" / "mambu.md"
LIMITS = DecodeLimits(Decimal("1000000"), 24)
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
CONNECTOR = MambuConnector()


def now() -> datetime:
    return NOW


def decode(payload: Any, connector: MambuConnector = CONNECTOR) -> Any:
    return connector.decode(payload, limits=LIMITS, now=now)


def swagger_example_date() -> str:
    """The vendor's own example of an organisation-time date-time: 2016-09-06T13:37:50+03:00."""
    return str(
        swagger.load(TRANSACTIONS)["definitions"]["DepositTransaction"]["properties"]["bookingDate"][
            "example"
        ]
    )


def card_purchase(**changes: Any) -> dict[str, Any]:
    """An API v2 DepositTransaction for a card purchase, plus the accountHolderId a feed adds."""
    payload: dict[str, Any] = {
        "encodedKey": "8a5c1e2f7b3d4a6c9e0f1a2b3c4d5e6f",
        "id": "4711",
        "type": "WITHDRAWAL",
        "amount": Decimal("-42.50"),
        "currencyCode": "EUR",
        "bookingDate": swagger_example_date(),
        "valueDate": swagger_example_date(),
        "creationDate": swagger_example_date(),
        "parentAccountKey": "8a9f0e1d2c3b4a5968778695a4b3c2d1",
        "accountHolderId": "CL-1001",
        "notes": "Lunch",
        "cardTransaction": {
            "externalReferenceId": "ext-1",
            "amount": Decimal("42.50"),
            "advice": False,
            "currencyCode": "EUR",
            "cardAcceptor": {"name": "Café Mitte", "country": "DE", "city": "Berlin", "mcc": 5812},
        },
    }
    return {**payload, **changes}


def adjustment(kind: str = "WITHDRAWAL_ADJUSTMENT", **changes: Any) -> dict[str, Any]:
    payload = card_purchase(
        encodedKey="8a00000000000000000000000000adj1",
        type=kind,
        amount=Decimal("42.50"),
        originalTransactionKey="8a5c1e2f7b3d4a6c9e0f1a2b3c4d5e6f",
    )
    payload.pop("cardTransaction")
    return {**payload, **changes}


def test_a_card_purchase_decodes_to_a_posted_purchase_at_the_merchant() -> None:
    # 13:37:50 at +03:00 is 10:37:50 UTC; the value date is the day the organisation wrote.
    assert decode(card_purchase()) == TransactionPosted(
        source=SourceRef("mambu", "8a5c1e2f7b3d4a6c9e0f1a2b3c4d5e6f"),
        customer_id="CL-1001",
        account_id="8a9f0e1d2c3b4a5968778695a4b3c2d1",
        money=Money(Decimal("42.50"), "EUR"),
        direction=Direction.DEBIT,
        transaction_type=TransactionType.PURCHASE,
        booked_at=datetime(2016, 9, 6, 10, 37, 50, tzinfo=UTC),
        value_date=date(2016, 9, 6),
        mcc="5812",
        merchant_name="Café Mitte",
        merchant_country="DE",
        channel=Channel.CARD_PRESENT,
        description="Lunch",
    )


def test_the_registry_holds_the_mambu_connector() -> None:
    assert isinstance(CONNECTORS["mambu"], MambuConnector)


def test_every_type_in_the_vendor_enum_has_exactly_one_decided_meaning() -> None:
    schema = swagger.load(TRANSACTIONS)["definitions"]["DepositTransaction"]["properties"]["type"]
    tables = [set(kinds.POSTED), set(kinds.REVERSED), set(kinds.NO_POSTING)]
    assert set().union(*tables) == set(schema["enum"])
    assert sum(len(t) for t in tables) == len(schema["enum"])
    assert set(kinds.TRIGGERS.values()) <= set(schema["enum"])


POSTED_TYPES = [
    ("DEPOSIT", Decimal("10.00"), Direction.CREDIT, TransactionType.DEPOSIT),
    ("WITHDRAWAL", Decimal("-10.00"), Direction.DEBIT, TransactionType.TRANSFER),
    ("TRANSFER", Decimal("-10.00"), Direction.DEBIT, TransactionType.TRANSFER),
    ("TRANSFER", Decimal("10.00"), Direction.CREDIT, TransactionType.TRANSFER),
    ("FEE_APPLIED", Decimal("-10.00"), Direction.DEBIT, TransactionType.FEE),
    ("INTEREST_APPLIED", Decimal("10.00"), Direction.CREDIT, TransactionType.INTEREST),
    ("WITHHOLDING_TAX", Decimal("-10.00"), Direction.DEBIT, TransactionType.OTHER),
    ("LOAN_FUNDED", Decimal("-10.00"), Direction.DEBIT, TransactionType.OTHER),
    ("LOAN_REPAID", Decimal("10.00"), Direction.CREDIT, TransactionType.OTHER),
    ("LOAN_FRACTION_BOUGHT", Decimal("-10.00"), Direction.DEBIT, TransactionType.OTHER),
    ("LOAN_FRACTION_SOLD", Decimal("10.00"), Direction.CREDIT, TransactionType.OTHER),
]


@pytest.mark.parametrize(("kind", "amount", "direction", "transaction_type"), POSTED_TYPES)
def test_each_posting_type_has_its_direction_and_transaction_type(
    kind: str, amount: Decimal, direction: Direction, transaction_type: TransactionType
) -> None:
    payload = card_purchase(type=kind, amount=amount)
    del payload["cardTransaction"]
    event = decode(payload)
    assert (event.direction, event.transaction_type, event.channel) == (
        direction,
        transaction_type,
        Channel.OTHER,
    )
    assert event.money == Money(Decimal("10.00"), "EUR")


@pytest.mark.parametrize("kind", sorted(kinds.REVERSED))
def test_each_adjustment_type_reverses_the_transaction_it_names(kind: str) -> None:
    expected = ReversalKind.REFUND if kind == "CARD_TRANSACTION_REVERSAL" else ReversalKind.REVERSAL
    assert decode(adjustment(kind)) == TransactionReversed(
        source=SourceRef("mambu", "8a00000000000000000000000000adj1"),
        original_source_id="8a5c1e2f7b3d4a6c9e0f1a2b3c4d5e6f",
        customer_id="CL-1001",
        money=Money(Decimal("42.50"), "EUR"),
        kind=expected,
        booked_at=datetime(2016, 9, 6, 10, 37, 50, tzinfo=UTC),
        value_date=date(2016, 9, 6),
    )


@pytest.mark.parametrize("kind", sorted(kinds.NO_POSTING))
def test_types_that_move_no_customer_money_are_not_transactions(kind: str) -> None:
    with pytest.raises(NotATransaction):
        decode(card_purchase(type=kind))


def test_a_card_reversal_through_the_chargeback_channel_is_a_chargeback() -> None:
    payload = adjustment(
        "CARD_TRANSACTION_REVERSAL", transactionDetails={"transactionChannelId": "chargeback"}
    )
    assert decode(payload).kind is ReversalKind.CHARGEBACK


def test_an_adjustment_without_its_original_is_refused_naming_original_transaction_key() -> None:
    payload = adjustment()
    del payload["originalTransactionKey"]
    with pytest.raises(InvalidEvent) as caught:
        decode(payload)
    assert caught.value.field == "originalTransactionKey"


def test_an_adjusted_transaction_read_later_keeps_the_key_of_its_adjustment() -> None:
    event = decode(card_purchase(adjustmentTransactionKey="8a00000000000000000000000000adj1"))
    assert event.extra == {"adjusted_by": "8a00000000000000000000000000adj1"}


@pytest.mark.parametrize(
    ("mcc", "channel_id", "transaction_type", "channel"),
    [
        (6011, None, TransactionType.CASH_WITHDRAWAL, Channel.ATM),
        (6051, None, TransactionType.QUASI_CASH, Channel.CARD_PRESENT),
        (5411, "CARD_NOT_PRESENT", TransactionType.PURCHASE, Channel.CARD_NOT_PRESENT),
        (5411, "atm", TransactionType.CASH_WITHDRAWAL, Channel.ATM),
        (5411, "INTERNATIONAL_PAYMENT", TransactionType.INTERNATIONAL_PAYMENT, Channel.CARD_PRESENT),
    ],
)
def test_card_transactions_take_their_kind_from_the_mcc_and_their_channel(
    mcc: int, channel_id: str | None, transaction_type: TransactionType, channel: Channel
) -> None:
    payload = card_purchase()
    payload["cardTransaction"]["cardAcceptor"]["mcc"] = mcc
    if channel_id:
        payload["transactionDetails"] = {"transactionChannelId": channel_id}
    event = decode(payload)
    assert (event.transaction_type, event.channel) == (transaction_type, channel)


@pytest.mark.parametrize(
    ("kind", "amount", "details", "transaction_type", "channel"),
    [
        (
            "WITHDRAWAL",
            "-5",
            {"transactionChannelId": "DIRECT_DEBIT"},
            TransactionType.BILL_PAYMENT,
            Channel.DIRECT_DEBIT,
        ),
        ("WITHDRAWAL", "-5", {"transactionChannelId": "BRANCH"}, TransactionType.TRANSFER, Channel.BRANCH),
        (
            "DEPOSIT",
            "5",
            {"transactionChannelId": "SALARY_CREDIT"},
            TransactionType.SALARY_CREDIT,
            Channel.OTHER,
        ),
        ("DEPOSIT", "5", {"transactionChannelId": "Mobile"}, TransactionType.DEPOSIT, Channel.MOBILE),
    ],
)
def test_non_card_transactions_take_meaning_from_the_transaction_channel(
    kind: str, amount: str, details: dict[str, str], transaction_type: TransactionType, channel: Channel
) -> None:
    payload = card_purchase(type=kind, amount=amount, transactionDetails=details)
    del payload["cardTransaction"]
    event = decode(payload)
    assert (event.transaction_type, event.channel, event.mcc, event.merchant_name) == (
        transaction_type,
        channel,
        None,
        None,
    )


def test_a_transfer_out_to_a_loan_is_a_loan_repayment() -> None:
    payload = card_purchase(type="TRANSFER", transferDetails={"linkedLoanTransactionKey": "8a01"})
    del payload["cardTransaction"]
    assert decode(payload).transaction_type is TransactionType.LOAN_REPAYMENT


def test_the_bank_maps_its_own_channels_and_unmapped_ones_are_kept_in_extra() -> None:
    payload = card_purchase(
        type="DEPOSIT", amount="1800", transactionDetails={"transactionChannelId": "SEPA_PAYROLL"}
    )
    del payload["cardTransaction"]
    assert decode(payload).extra == {"transaction_channel": "SEPA_PAYROLL"}
    configured = MambuConnector(
        channels={
            "sepa_payroll": ChannelRule(
                channel=Channel.ONLINE_BANKING, transaction_type=TransactionType.SALARY_CREDIT
            )
        }
    )
    event = decode(payload, configured)
    assert (event.transaction_type, event.channel, event.extra) == (
        TransactionType.SALARY_CREDIT,
        Channel.ONLINE_BANKING,
        {},
    )


def test_an_acceptor_country_that_is_not_alpha_2_is_kept_in_extra_not_refused() -> None:
    payload = card_purchase()
    payload["cardTransaction"]["cardAcceptor"]["country"] = "DEU"
    event = decode(payload)
    assert (event.merchant_country, event.extra) == (None, {"card_acceptor_country": "DEU"})


def test_a_local_booking_time_needs_the_organisation_time_zone() -> None:
    payload = card_purchase(bookingDate="2024-05-15T16:30:00", valueDate="2024-05-15")
    with pytest.raises(InvalidEvent) as caught:
        decode(payload)
    assert caught.value.field == "bookingDate"
    event = decode(payload, MambuConnector(organisation_tz=ZoneInfo("Europe/Berlin")))
    assert event.booked_at == datetime(2024, 5, 15, 14, 30, tzinfo=UTC)
    assert event.value_date == date(2024, 5, 15)


def test_the_value_date_is_the_organisation_day_even_when_utc_is_on_the_day_before() -> None:
    event = decode(
        card_purchase(bookingDate="2024-05-15T00:30:00+02:00", valueDate="2024-05-15T00:00:00+02:00")
    )
    assert event.booked_at == datetime(2024, 5, 14, 22, 30, tzinfo=UTC)
    assert event.value_date == date(2024, 5, 15)


def test_a_direct_deposit_transaction_without_an_account_holder_says_what_to_add() -> None:
    payload = card_purchase()
    del payload["accountHolderId"]
    with pytest.raises(InvalidEvent) as caught:
        decode(payload)
    assert caught.value.field == "accountHolderId"
    assert "{CLIENT_ID}" in caught.value.detail


def test_long_notes_are_cut_to_the_description_length() -> None:
    assert decode(card_purchase(notes="n" * 1000)).description == "n" * 256


# --- the recommended webhook template -----------------------------------------------------------------


def rendered(**values: str) -> str:
    """The template as Mambu renders it: each placeholder replaced by its value, or by "" when it has none."""
    text = RECOMMENDED_WEBHOOK_TEMPLATE
    if "event" in values:
        text = text.replace('"event": "SAVINGS_DEPOSIT"', f'"event": "{values.pop("event")}"')
    for name in re.findall(r"\{([A-Z_]+)\}", text):
        text = text.replace("{" + name + "}", values.get(name, ""))
    return text


CARD_VALUES = {
    "event": "SAVINGS_WITHDRAWAL",
    "TRANSACTION_KEY": "8a5c1e2f",
    "TRANSACTION_ID": "4711",
    "CLIENT_ID": "CL-1001",
    "ACCOUNT_KEY": "8a9f0e1d",
    "TRANSACTION_AMOUNT": "-42.50",
    "ACCOUNT_CURRENCY": "EUR",
    "TRANSACTION_BOOKING_DATE": "2016-09-06T13:37:50+03:00",
    "TRANSACTION_VALUE_DATE": "2016-09-06T13:37:50+03:00",
    "CARD_TRANSACTION_REFERENCE": "ext-1",
    "CARD_ACCEPTOR_NAME": "Cafe Mitte",
    "CARD_ACCEPTOR_COUNTRY": "DE",
    "CARD_ACCEPTOR_MCC": "5812",
}


def template_item(**values: str) -> Any:
    [item] = CONNECTOR.split(rendered(**values).encode())
    assert item.parse_error is None
    return item.payload


def test_the_rendered_template_decodes_like_the_api_transaction() -> None:
    event = decode(template_item(**CARD_VALUES))
    assert (event.source.id, event.customer_id, event.account_id) == ("8a5c1e2f", "CL-1001", "8a9f0e1d")
    assert (event.money, event.direction, event.transaction_type) == (
        Money(Decimal("42.50"), "EUR"),
        Direction.DEBIT,
        TransactionType.PURCHASE,
    )
    assert (event.mcc, event.merchant_name, event.channel) == ("5812", "Cafe Mitte", Channel.CARD_PRESENT)
    assert event.booked_at == datetime(2016, 9, 6, 10, 37, 50, tzinfo=UTC)


def test_empty_card_placeholders_make_a_plain_transaction() -> None:
    values = {k: v for k, v in CARD_VALUES.items() if not k.startswith("CARD_")}
    event = decode(template_item(**{**values, "event": "SAVINGS_DEPOSIT", "TRANSACTION_AMOUNT": "42.50"}))
    assert (event.direction, event.transaction_type, event.channel, event.mcc) == (
        Direction.CREDIT,
        TransactionType.DEPOSIT,
        Channel.OTHER,
        None,
    )


@pytest.mark.parametrize(
    ("placeholder", "field"),
    [
        ("TRANSACTION_KEY", "encodedKey"),
        ("CLIENT_ID", "accountHolderId"),
        ("ACCOUNT_KEY", "parentAccountKey"),
        ("TRANSACTION_AMOUNT", "amount"),
        ("ACCOUNT_CURRENCY", "currencyCode"),
        ("TRANSACTION_BOOKING_DATE", "bookingDate"),
    ],
)
def test_a_required_placeholder_that_rendered_empty_is_refused_naming_its_field(
    placeholder: str, field: str
) -> None:
    with pytest.raises(InvalidEvent) as caught:
        decode(template_item(**{**CARD_VALUES, placeholder: ""}))
    assert caught.value.field == field
    assert "empty" in caught.value.detail


def test_a_reversal_trigger_needs_the_original_transaction_key() -> None:
    values = {**CARD_VALUES, "event": "SAVINGS_WITHDRAWAL_REVERSAL", "TRANSACTION_AMOUNT": "42.50"}
    with pytest.raises(InvalidEvent) as caught:
        decode(template_item(**values))
    assert caught.value.field == "originalTransactionKey"
    event = decode(template_item(**values, ORIGINAL_TRANSACTION_KEY="8a000001"))
    assert (event.original_source_id, event.kind) == ("8a000001", ReversalKind.REVERSAL)


@pytest.mark.parametrize(
    "trigger", ["CLIENT_CREATED", "SAVINGS_APPROVAL", "CARDS_AUTHORISATION_HOLD_CREATED", "LOAN_REPAYMENT"]
)
def test_triggers_about_other_things_are_not_transactions(trigger: str) -> None:
    with pytest.raises(NotATransaction):
        decode(template_item(**{**CARD_VALUES, "event": trigger}))


def test_an_unknown_trigger_is_refused_naming_event() -> None:
    with pytest.raises(InvalidEvent) as caught:
        decode(template_item(**{**CARD_VALUES, "event": "SAVINGS_DEPOSTI"}))
    assert caught.value.field == "event"


def test_the_docs_ship_the_template_the_code_reads() -> None:
    blocks = re.findall(r"```json\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert RECOMMENDED_WEBHOOK_TEMPLATE in blocks


# --- bad input ----------------------------------------------------------------------------------------


def card(**acceptor: Any) -> dict[str, Any]:
    payload = card_purchase()
    payload["cardTransaction"]["cardAcceptor"].update(acceptor)
    return payload


def without(name: str) -> dict[str, Any]:
    payload = card_purchase()
    del payload[name]
    return payload


BAD: list[Any] = [
    pytest.param(["not", "an", "object"], "<body>", id="array"),
    pytest.param(None, "<body>", id="null"),
    pytest.param(without("type"), "type", id="no type and no event"),
    pytest.param(card_purchase(type="DEPOSIT_CORRECTION"), "type", id="unknown type"),
    pytest.param(card_purchase(type="deposit"), "type", id="lower-case type"),
    pytest.param(card_purchase(type=3), "type", id="numeric type"),
    pytest.param(without("encodedKey"), "encodedKey", id="no encodedKey"),
    pytest.param(card_purchase(encodedKey="8a 5c"), "encodedKey", id="encodedKey with a space"),
    pytest.param(card_purchase(accountHolderId=1001), "accountHolderId", id="numeric holder"),
    pytest.param(without("parentAccountKey"), "parentAccountKey", id="no account"),
    pytest.param(without("amount"), "amount", id="no amount"),
    pytest.param(card_purchase(amount=True), "amount", id="boolean amount"),
    pytest.param(card_purchase(amount="1e3"), "amount", id="exponent amount string"),
    pytest.param(card_purchase(amount=Decimal("NaN")), "amount", id="NaN amount"),
    pytest.param(card_purchase(amount=0), "amount", id="zero amount"),
    pytest.param(card_purchase(amount=Decimal("-42.505")), "amount", id="too many decimals"),
    pytest.param(card_purchase(amount=Decimal("1000000.01")), "amount", id="over the limit"),
    pytest.param(without("currencyCode"), "currencyCode", id="no currency"),
    pytest.param(card_purchase(currencyCode="eur"), "currencyCode", id="lower-case currency"),
    pytest.param(without("bookingDate"), "bookingDate", id="no booking date"),
    pytest.param(card_purchase(bookingDate="06-09-2016"), "bookingDate", id="not ISO"),
    pytest.param(card_purchase(bookingDate="2024-06-03T12:00:00Z"), "bookingDate", id="in the future"),
    pytest.param(card_purchase(bookingDate="1999-12-31T23:00:00Z"), "bookingDate", id="before 2000"),
    pytest.param(card_purchase(valueDate="2016-13-01"), "valueDate", id="impossible value date"),
    pytest.param(card_purchase(notes=7), "notes", id="numeric notes"),
    pytest.param(
        card_purchase(cardTransaction="yes"), "cardTransaction", id="card transaction not an object"
    ),
    pytest.param(card(mcc=1), "cardTransaction.cardAcceptor.mcc", id="unassigned MCC"),
    pytest.param(card(mcc="58a2"), "cardTransaction.cardAcceptor.mcc", id="MCC with a letter"),
    pytest.param(card(mcc=Decimal("5812.5")), "cardTransaction.cardAcceptor.mcc", id="fractional MCC"),
    pytest.param(card(name=["Cafe"]), "cardTransaction.cardAcceptor.name", id="acceptor name not text"),
    pytest.param(card(name="n" * 257), "cardTransaction.cardAcceptor.name", id="over-long acceptor name"),
    pytest.param(
        card_purchase(transactionDetails={"transactionChannelId": 5}),
        "transactionDetails.transactionChannelId",
        id="numeric channel id",
    ),
]


@pytest.mark.parametrize(("payload", "field"), BAD)
def test_bad_input_raises_invalid_event_naming_the_field(payload: Any, field: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        decode(payload)
    assert caught.value.field == field
    assert caught.value.detail


def test_deeply_nested_values_do_not_exhaust_recursion() -> None:
    nested: Any = {"name": "Cafe"}
    for _ in range(5000):
        nested = {"cardAcceptor": nested}
    event = decode(card_purchase(cardTransaction=nested))
    assert (event.channel, event.merchant_name) == (Channel.CARD_PRESENT, None)


def test_native_field_names_are_the_ones_mambu_uses() -> None:
    assert CONNECTOR.native_field("mcc") == "cardTransaction.cardAcceptor.mcc"
    assert CONNECTOR.native_field("original_source_id") == "originalTransactionKey"
    assert CONNECTOR.native_field("customer_id") == "accountHolderId"


def test_source_id_reads_the_encoded_key_when_it_can() -> None:
    assert CONNECTOR.source_id(card_purchase()) == "8a5c1e2f7b3d4a6c9e0f1a2b3c4d5e6f"
    assert CONNECTOR.source_id({"encodedKey": 7}) is None
    assert CONNECTOR.source_id("8a5c") is None
