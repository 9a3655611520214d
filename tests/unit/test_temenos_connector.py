"""The temenos connector: journal-entry CloudEvents (bare or in Event Store records) decode per STMT entry."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from pointflow.adapters.connectors import CONNECTORS
from pointflow.adapters.connectors.temenos import CodeMeaning, TemenosConfig, TemenosConnector
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

LIMITS = DecodeLimits(Decimal("1000000"), 24)
NOW = datetime(2021, 3, 17, 9, 0, tzinfo=UTC)
CONNECTOR = TemenosConnector()

# The documented journal-entry event (FORMATS.md §3b): its type, its field list and its example values.
_FORMATS = (COREBANKING / "FORMATS.md").read_text(encoding="utf-8")
_EVENT_LINE = next(line for line in _FORMATS.splitlines() if "data.journalEntries[]" in line)
DOCUMENTED_TYPE = re.findall(r'type:"([^"]+)"', _FORMATS)[0]
DOCUMENTED_VALUES = dict(re.findall(r'`(\w+):"([^"]*)"`', _EVENT_LINE))
DOCUMENTED_FIELDS = [name.split(":")[0].rstrip("[]") for name in re.findall(r"`([^`]+)`", _EVENT_LINE)][1:]


def now() -> datetime:
    return NOW


def entry(**changes: Any) -> dict[str, Any]:
    """One STMT entry with every documented field, the documented example values where there are some."""
    base: dict[str, Any] = {
        "arrangementId": "AA21075G5KLM",
        "journalEntryType": "STMT",
        "transactionAmount": "-1000.00",
        "customerId": "100100",
        "currency": "USD",
        "bookingDate": "20210316",
        "processingDate": "20210316",
        "transactionCode": "400",
        "creditDebitIndicator": "D",
        "narratives": ["FRESHMART SEATTLE WA", "5411", "FreshMart"],
        "categoryId": "1001",
        "companyId": "US0010001",
        "contractId": "FT21075X2Q9B",
        "systemId": "FT",
        "transactionReference": "FT21075X2Q9B",
        "entryReference": "159870392510020.000001",
        "accountOfficer": "1",
        "narrativeNames": ["NARRATIVE", "MCC", "MERCHANT.NAME"],
    }
    return {key: value for key, value in {**base, **changes}.items() if value is not None}


def event(*entries: dict[str, Any], **attributes: Any) -> dict[str, Any]:
    envelope: dict[str, Any] = {
        "specversion": "1.0",
        "id": "7d6c8b1e-5a0b-4a4e-9a52-1f3e2c9d0a11",
        "source": "/transact/US0010001",
        "type": DOCUMENTED_TYPE,
        "time": "2021-03-16T14:30:00Z",
        "datacontenttype": "application/json",
        "data": {"journalEntries": list(entries) or [entry()]},
    }
    return {key: value for key, value in {**envelope, **attributes}.items() if value is not None}


def decode(payload: Any, connector: TemenosConnector = CONNECTOR) -> Any:
    return connector.decode(payload, limits=LIMITS, now=now)


def split(document: Any) -> list[Any]:
    return CONNECTOR.split(json.dumps(document).encode())


def assert_replays(items: list[Any]) -> None:
    for item in items:
        assert CONNECTOR.split(item.raw.encode()) == [item]


# --- the documented event ----------------------------------------------------------------------------


def test_the_documented_values_were_read_from_formats_md() -> None:
    assert DOCUMENTED_TYPE.endswith("accountingJournalEntriesUpdated")
    assert DOCUMENTED_VALUES["transactionAmount"] == "-1000.00"
    assert "entryReference" in DOCUMENTED_FIELDS
    assert "narrativeNames" in DOCUMENTED_FIELDS


def test_an_entry_with_exactly_the_documented_fields_and_values_decodes() -> None:
    documented = {name: entry()[name] for name in DOCUMENTED_FIELDS}
    documented |= DOCUMENTED_VALUES  # journalEntryType STMT, the signed amount, the date, the code
    result = decode(event(documented, time=None))
    assert result.money == Money(Decimal(DOCUMENTED_VALUES["transactionAmount"].lstrip("-")), "USD")
    assert result.direction is Direction.DEBIT
    assert result.booked_at == datetime(2021, 3, 16, tzinfo=UTC)  # no `time`: the booking day, UTC
    assert result.value_date == date(2021, 3, 16)
    # 891 is not in the default table: the type is unknown and the bank's code is kept for the rules.
    assert result.transaction_type is TransactionType.OTHER
    assert result.extra == {"bank_transaction_code": DOCUMENTED_VALUES["transactionCode"]}


def test_a_card_purchase_decodes_to_a_posted_transaction() -> None:
    assert decode(event()) == TransactionPosted(
        source=SourceRef("temenos", "159870392510020.000001"),
        customer_id="100100",
        account_id="AA21075G5KLM",
        money=Money(Decimal("1000.00"), "USD"),
        direction=Direction.DEBIT,
        transaction_type=TransactionType.PURCHASE,
        booked_at=datetime(2021, 3, 16, 14, 30, tzinfo=UTC),
        value_date=date(2021, 3, 16),
        mcc="5411",
        merchant_name="FreshMart",
        merchant_country=None,
        channel=Channel.CARD_PRESENT,
        description="FRESHMART SEATTLE WA",
    )


def test_the_connector_is_registered_under_its_name() -> None:
    assert isinstance(CONNECTORS["temenos"], TemenosConnector)


# --- split -------------------------------------------------------------------------------------------


def test_split_gives_one_self_contained_item_per_journal_entry() -> None:
    entries = [entry(entryReference=f"1598703925.00000{n}") for n in range(3)]
    items = split(event(*entries))
    assert [CONNECTOR.source_id(item.payload) for item in items] == [e["entryReference"] for e in entries]
    for item, expected in zip(items, entries, strict=True):
        assert item.payload["data"]["journalEntries"] == [expected]
        assert item.payload["id"] == event()["id"]
    assert_replays(items)


def test_a_single_entry_event_keeps_its_own_text() -> None:
    text = json.dumps(event(), indent=2)
    [item] = CONNECTOR.split(text.encode())
    assert item.raw == text
    assert_replays([item])


def test_a_batch_of_cloud_events_splits_into_every_entry() -> None:
    second = event(entry(entryReference="2.1"), entry(entryReference="2.2"), id="second")
    items = split([event(), second])
    assert [CONNECTOR.source_id(item.payload) for item in items] == ["159870392510020.000001", "2.1", "2.2"]
    assert_replays(items)


def test_amounts_keep_their_exact_digits_through_the_rewrap() -> None:
    text = json.dumps(event(entry(entryReference="a", extraAmount=0.1), entry(entryReference="b")))
    text = text.replace('"extraAmount": 0.1', '"extraAmount": 0.10000000000000000001')
    items = CONNECTOR.split(text.encode())
    assert items[0].payload["data"]["journalEntries"][0]["extraAmount"] == Decimal("0.10000000000000000001")
    assert_replays(items)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"specversion": "1.0",', id="truncated"),
        pytest.param(b"\xff\xfe not json", id="not UTF-8"),
        pytest.param(b'{"amount": NaN}', id="NaN"),
        pytest.param(b"[" * 100_000, id="absurdly nested"),
    ],
)
def test_an_unreadable_document_is_one_item_with_a_parse_error(body: bytes) -> None:
    [item] = CONNECTOR.split(body)
    assert item.parse_error
    assert item.payload is None
    assert CONNECTOR.split(item.raw.encode()) == [item]


# --- not transactions --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["CATEG", "SPEC"])
def test_the_banks_own_ledger_entries_are_not_transactions(kind: str) -> None:
    with pytest.raises(NotATransaction):
        decode(event(entry(journalEntryType=kind, customerId=None)))


def test_an_internal_account_entry_without_a_customer_is_not_a_transaction() -> None:
    with pytest.raises(NotATransaction):
        decode(event(entry(customerId=None)))


@pytest.mark.parametrize(
    "event_type",
    [
        "financialAccounting.UpdateContractBalances.ContractBalancesUpdated",
        "PaymentOrder.CreateNewPaymentOrder",
    ],
)
def test_other_business_events_are_not_transactions(event_type: str) -> None:
    with pytest.raises(NotATransaction) as caught:
        decode(event(type=event_type))
    assert caught.value.field == "type"


def test_the_event_type_is_matched_whatever_its_capitalisation() -> None:
    capitalised = "financialAccounting.UpdateAccountingJournalEntries.AccountingJournalEntriesUpdated"
    assert decode(event(type=capitalised)).source.id == "159870392510020.000001"


def test_an_event_without_entries_is_not_a_transaction() -> None:
    with pytest.raises(NotATransaction):
        decode(event(data={"journalEntries": []}))


# --- direction, codes, narratives ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "indicator", "direction"),
    [
        ("-25.00", "D", Direction.DEBIT),
        ("25.00", "C", Direction.CREDIT),
        ("25.00", "Credit", Direction.CREDIT),
        ("-25.00", None, Direction.DEBIT),
        (Decimal("-25.00"), "DEBIT", Direction.DEBIT),
        (25, None, Direction.CREDIT),
    ],
)
def test_the_sign_says_the_direction_and_the_indicator_must_agree(
    amount: Any, indicator: str | None, direction: Direction
) -> None:
    result = decode(event(entry(transactionAmount=amount, creditDebitIndicator=indicator)))
    assert result.direction is direction
    assert result.money.amount == Decimal("25.00")


@pytest.mark.parametrize(
    ("code", "transaction_type", "channel"),
    [
        ("401", TransactionType.PURCHASE, Channel.CARD_NOT_PRESENT),
        ("405", TransactionType.CASH_WITHDRAWAL, Channel.ATM),
        ("310", TransactionType.FEE, Channel.OTHER),
        ("201", TransactionType.SALARY_CREDIT, Channel.OTHER),
        ("230", TransactionType.TRANSFER, Channel.OTHER),
        ("240", TransactionType.BILL_PAYMENT, Channel.DIRECT_DEBIT),
    ],
)
def test_the_default_code_table_types_common_postings(
    code: str, transaction_type: TransactionType, channel: Channel
) -> None:
    result = decode(event(entry(transactionCode=code)))
    assert (result.transaction_type, result.channel, result.extra) == (transaction_type, channel, {})


def test_a_bank_replaces_the_code_table() -> None:
    own = TemenosConnector(TemenosConfig(transaction_codes={"891": CodeMeaning(TransactionType.PURCHASE)}))
    assert decode(event(entry(transactionCode="891")), own).transaction_type is TransactionType.PURCHASE
    assert decode(event(entry(transactionCode="400")), own).extra == {"bank_transaction_code": "400"}


@pytest.mark.parametrize(
    ("narratives", "names", "mcc"),
    [
        pytest.param(["POS FRESHMART MCC:5411"], None, "5411", id="inline MCC"),
        pytest.param(["POS FRESHMART", "5812"], ["NARRATIVE", "MCC"], "5812", id="named MCC"),
        pytest.param(["Salary March"], None, None, id="no MCC"),
        pytest.param(None, None, None, id="no narratives"),
    ],
)
def test_the_mcc_comes_from_a_narrative_when_there_is_one(
    narratives: list[str] | None, names: list[str] | None, mcc: str | None
) -> None:
    result = decode(event(entry(narratives=narratives, narrativeNames=names)))
    assert result.mcc == mcc


def test_a_configured_local_reference_field_gives_the_mcc_first() -> None:
    own = TemenosConnector(TemenosConfig(mcc_field="lMcc"))
    assert decode(event(entry(lMcc="5812")), own).mcc == "5812"
    assert decode(event(entry(lMcc=None)), own).mcc == "5411"  # none on the entry: the narrative's
    with pytest.raises(InvalidEvent) as caught:
        decode(event(entry(lMcc="58")), own)
    assert caught.value.field == "lMcc"


def test_tagged_narratives_fill_the_merchant_and_the_rest_is_the_description() -> None:
    narratives = ["Card 4421", "Coffee Roasters", "GB", "at the station"]
    names = ["NARRATIVE", "MERCHANT.NAME", "MERCHANT.COUNTRY", ""]
    result = decode(event(entry(narratives=narratives, narrativeNames=names)))
    assert (result.merchant_name, result.merchant_country) == ("Coffee Roasters", "GB")
    assert result.description == "Card 4421 at the station"


def test_a_long_narrative_is_cut_to_256_characters() -> None:
    result = decode(event(entry(narratives=["x" * 300], narrativeNames=None)))
    assert result.description == "x" * 256


def test_an_account_id_when_present_wins_over_the_arrangement() -> None:
    assert decode(event(entry(accountId="10001234"))).account_id == "10001234"


def test_value_date_is_read_when_the_entry_carries_one() -> None:
    assert decode(event(entry(valueDate="20210318"))).value_date == date(2021, 3, 18)
    assert decode(event(entry(valueDate="2021-03-19"))).value_date == date(2021, 3, 19)


# --- reversals ---------------------------------------------------------------------------------------


def reversal(**changes: Any) -> dict[str, Any]:
    marked = {
        "entryReference": "159870392510020.000002",
        "transactionAmount": "1000.00",
        "creditDebitIndicator": "C",
        "reversalMarker": "R",
        "originalEntryReference": "159870392510020.000001",
    }
    return entry(**{**marked, **changes})


def test_a_marked_reversal_names_the_entry_it_reverses() -> None:
    assert decode(event(reversal())) == TransactionReversed(
        source=SourceRef("temenos", "159870392510020.000002"),
        original_source_id="159870392510020.000001",
        customer_id="100100",
        money=Money(Decimal("1000.00"), "USD"),
        kind=ReversalKind.REVERSAL,
        booked_at=datetime(2021, 3, 16, 14, 30, tzinfo=UTC),
        value_date=date(2021, 3, 16),
    )


@pytest.mark.parametrize(("code", "kind"), [("406", ReversalKind.REFUND), ("407", ReversalKind.CHARGEBACK)])
def test_refund_and_chargeback_codes_book_reversals_of_their_kind(code: str, kind: ReversalKind) -> None:
    assert decode(event(reversal(reversalMarker=None, transactionCode=code))).kind is kind


def test_a_reversal_without_the_original_reference_is_refused_naming_it() -> None:
    with pytest.raises(InvalidEvent) as caught:
        decode(event(reversal(originalEntryReference=None)))
    assert caught.value.field == "originalEntryReference"
    assert CONNECTOR.native_field("original_source_id") == "originalEntryReference"


def test_the_original_reference_field_is_configurable() -> None:
    own = TemenosConnector(TemenosConfig(original_reference_field="reversedStmtEntryId"))
    result = decode(event(reversal(originalEntryReference=None, reversedStmtEntryId="9.1")), own)
    assert result.original_source_id == "9.1"
    assert own.native_field("original_source_id") == "reversedStmtEntryId"


# --- the Event Store record --------------------------------------------------------------------------


def record(payload: Any, **changes: Any) -> dict[str, Any]:
    base = {
        "eventId": "4316e8-3ca-9-b-8727",
        "eventType": DOCUMENTED_TYPE,
        "eventDetails": "Accounting entries raised",
        "eventSourceId": "Transact",
        "userId": "INPUTTER",
        "tenantId": "4316e8-3ca-9-b-8727",
        "organizationId": "ABC INC",
        "priority": 1,
        "payload": payload if isinstance(payload, str) else json.dumps(payload),
        "status": "NEW",
        "creationTime": "2021-03-16T14:30:05",
    }
    return {**base, **changes}


def test_an_event_store_record_wrapping_the_cloud_event_decodes_the_same() -> None:
    assert decode(record(event())) == decode(event())


def test_an_event_store_record_wrapping_bare_data_takes_its_type_from_the_record() -> None:
    result = decode(record({"journalEntries": [entry()]}))
    assert result.booked_at == datetime(2021, 3, 16, tzinfo=UTC)
    with pytest.raises(NotATransaction):
        decode(record({"journalEntries": [entry()]}, eventType="PaymentOrder.CreateNewPaymentOrder"))


def test_an_event_store_record_splits_into_one_record_per_entry() -> None:
    items = split([record(event(entry(entryReference="1.1"), entry(entryReference="1.2")))])
    assert [CONNECTOR.source_id(item.payload) for item in items] == ["1.1", "1.2"]
    assert all(item.payload["eventId"] == "4316e8-3ca-9-b-8727" for item in items)
    assert_replays(items)


@pytest.mark.parametrize("payload", ["{not json", "[]", '{"eventId": "x", "eventType": "y"}', 42])
def test_an_unreadable_event_store_payload_is_refused_naming_payload(payload: Any) -> None:
    bad = record(None) | {"payload": payload}
    with pytest.raises(InvalidEvent) as caught:
        decode(bad)
    assert caught.value.field == "payload"


# --- bad input names its field -------------------------------------------------------------------------


BAD: list[Any] = [
    pytest.param([event()], "<body>", id="array payload"),
    pytest.param(event(specversion="0.3"), "specversion", id="old CloudEvents version"),
    pytest.param(event(specversion=None), "specversion", id="no specversion"),
    pytest.param(event(type=None), "type", id="no type"),
    pytest.param(event(data="journalEntries"), "data", id="string data"),
    pytest.param(event(data={"journalEntries": {}}), "journalEntries", id="entries not an array"),
    pytest.param(event(entry(), entry()), "journalEntries", id="two entries in one item"),
    pytest.param(event("STMT"), "journalEntries", id="entry not an object"),
    pytest.param(event(entry(journalEntryType="STMTX")), "journalEntryType", id="unknown entry type"),
    pytest.param(event(entry(journalEntryType=None)), "journalEntryType", id="no entry type"),
    pytest.param(event(entry(customerId="")), "customerId", id="blank customer"),
    pytest.param(event(entry(customerId=100100)), "customerId", id="numeric customer"),
    pytest.param(event(entry(entryReference=None)), "entryReference", id="no entry reference"),
    pytest.param(event(entry(entryReference="a b")), "entryReference", id="entry reference with a space"),
    pytest.param(event(entry(arrangementId=None)), "arrangementId", id="no account"),
    pytest.param(event(entry(currency="usd")), "currency", id="lowercase currency"),
    pytest.param(event(entry(transactionAmount=None)), "transactionAmount", id="no amount"),
    pytest.param(event(entry(transactionAmount="0.00")), "transactionAmount", id="zero amount"),
    pytest.param(event(entry(transactionAmount="-0")), "transactionAmount", id="negative zero"),
    pytest.param(event(entry(transactionAmount="--5")), "transactionAmount", id="double sign"),
    pytest.param(event(entry(transactionAmount="1,000.00")), "transactionAmount", id="grouped digits"),
    pytest.param(event(entry(transactionAmount="-10.001")), "transactionAmount", id="three decimals in USD"),
    pytest.param(event(entry(transactionAmount="-2000000")), "transactionAmount", id="over the limit"),
    pytest.param(event(entry(transactionAmount=True)), "transactionAmount", id="boolean amount"),
    pytest.param(event(entry(transactionAmount=float("nan"))), "transactionAmount", id="NaN amount"),
    pytest.param(event(entry(creditDebitIndicator="C")), "creditDebitIndicator", id="indicator contradicts"),
    pytest.param(event(entry(creditDebitIndicator="X")), "creditDebitIndicator", id="unknown indicator"),
    pytest.param(event(entry(transactionCode=None)), "transactionCode", id="no transaction code"),
    pytest.param(event(entry(transactionCode=400)), "transactionCode", id="numeric transaction code"),
    pytest.param(event(entry(reversalMarker="Y")), "reversalMarker", id="unknown reversal marker"),
    pytest.param(event(time="2021-03-16T14:30:00"), "time", id="time without a zone"),
    pytest.param(event(time="2021-03-18T14:30:00Z"), "time", id="time in the future"),
    pytest.param(event(time=5), "time", id="numeric time"),
    pytest.param(event(entry(bookingDate="20210399"), time=None), "bookingDate", id="impossible date"),
    pytest.param(event(entry(bookingDate="20210320"), time=None), "bookingDate", id="booking in the future"),
    pytest.param(event(entry(bookingDate="19991231"), time=None), "bookingDate", id="booking before 2000"),
    pytest.param(event(entry(valueDate="16/03/2021")), "valueDate", id="non-T24 value date"),
    pytest.param(event(entry(narratives="FRESHMART")), "narratives", id="narratives not an array"),
    pytest.param(event(entry(narratives=["MCC:0001"], narrativeNames=None)), "narratives", id="unknown MCC"),
    pytest.param(event(entry(narratives=["x"] * 51)), "narratives", id="too many narratives"),
    pytest.param(event(entry(narrativeNames=[1, 2, 3])), "narrativeNames", id="numeric narrative names"),
    pytest.param(
        event(entry(narratives=["USA"], narrativeNames=["MERCHANT.COUNTRY"])), "narratives", id="alpha-3"
    ),
]


@pytest.mark.parametrize(("payload", "field"), BAD)
def test_bad_input_raises_invalid_event_naming_the_field(payload: Any, field: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        decode(payload)
    assert caught.value.field == field
    assert caught.value.detail


def test_source_id_reads_the_entry_reference_when_it_can() -> None:
    assert CONNECTOR.source_id(event()) == "159870392510020.000001"
    assert CONNECTOR.source_id(record(event())) == "159870392510020.000001"
    assert CONNECTOR.source_id(event(entry(), entry())) is None
    assert CONNECTOR.source_id(event(entry(entryReference=7))) is None
    assert CONNECTOR.source_id("159870392510020.000001") is None


def test_native_field_speaks_the_senders_names() -> None:
    assert CONNECTOR.native_field("source_id") == "entryReference"
    assert CONNECTOR.native_field("money") == "transactionAmount"
    assert CONNECTOR.native_field("unmapped") == "unmapped"
