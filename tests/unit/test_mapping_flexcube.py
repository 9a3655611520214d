"""The FLEXCUBE starter mapping decodes hand-written FCUBS notifications shaped after FORMATS.md §4."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from pointflow.adapters.connectors import CONNECTORS
from pointflow.adapters.connectors.mapping import MappingConnector, shipped_mappings_dir
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

LIMITS = DecodeLimits(Decimal("1000000"), 24)
NOW = datetime(2024, 5, 16, 9, 0, tzinfo=UTC)
HEADER = """<FCUBS_NOTIF_HEADER>
    <SOURCE>FCUBS</SOURCE>
    <MSGID>MSG20240515000123</MSGID>
    <NOTIF_REF_NO>NTF0000004711</NOTIF_REF_NO>
    <BRANCH>001</BRANCH>
    <NOTIF_CODE>{code}</NOTIF_CODE>
    <DESTINATION>POINTFLOW</DESTINATION>
  </FCUBS_NOTIF_HEADER>
  <FCUBS_NOTIF_IDENTIFIER><TRN_REF_NO>001POS2413600012</TRN_REF_NO></FCUBS_NOTIF_IDENTIFIER>"""
ENTRY = """<AC-ENTRY>
      <TRN_REF_NO>{ref}</TRN_REF_NO>
      <EVENT>{event}</EVENT>
      <AC_BRANCH>001</AC_BRANCH>
      <AC_NO>0011234567001</AC_NO>
      <AC_CCY>GBP</AC_CCY>
      <DRCR_IND>{drcr}</DRCR_IND>
      <TRN_CODE>{trn_code}</TRN_CODE>
      <LCY_AMOUNT>{amount}</LCY_AMOUNT>
      <TRN_DT>2024-05-15</TRN_DT>
      <VALUE_DT>2024-05-16</VALUE_DT>
      <CHECKER_DT_STAMP>2024-05-15 14:30:00</CHECKER_DT_STAMP>
      <RELATED_CUSTOMER>000123456</RELATED_CUSTOMER>
      <ADDL_TEXT>Premium Coffee Roasters</ADDL_TEXT>
      <MCC>5812</MCC>
    </AC-ENTRY>"""


def entry(**changes: str) -> str:
    values = {"ref": "001POS2413600012", "event": "INIT", "drcr": "D", "trn_code": "POS", "amount": "42.50"}
    return ENTRY.format(**{**values, **changes})


def notification(*entries: str, code: str = "ACC_ENTRY") -> bytes:
    body = "".join(entries)
    text = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<FCUBS_NOTIFICATION>\n  {HEADER.format(code=code)}\n'
        f"  <FCUBS_BODY>\n    {body}\n  </FCUBS_BODY>\n</FCUBS_NOTIFICATION>\n"
    )
    return text.encode()


CONNECTOR = CONNECTORS["flexcube"]


def decode_all(body: bytes) -> list[Any]:
    items = CONNECTOR.split(body)
    assert all(i.parse_error is None for i in items), items
    return [CONNECTOR.decode(i.payload, limits=LIMITS, now=lambda: NOW) for i in items]


def test_the_starter_mapping_says_at_the_top_that_it_needs_the_banks_schema() -> None:
    head = (shipped_mappings_dir() / "flexcube.yaml").read_text(encoding="utf-8")[:1500]
    assert "STARTER MAPPING" in head
    assert "DOCUMENTED STRUCTURE ONLY" in head
    assert "ASSUMPTION" in head


def test_an_account_entry_notification_decodes_to_a_posted_transaction() -> None:
    [event] = decode_all(notification(entry()))
    assert isinstance(CONNECTOR, MappingConnector)
    assert event == TransactionPosted(
        source=SourceRef("flexcube", "001POS2413600012-INIT"),
        customer_id="000123456",
        account_id="0011234567001",
        money=Money(Decimal("42.50"), "GBP"),
        direction=Direction.DEBIT,
        transaction_type=TransactionType.PURCHASE,
        booked_at=datetime(2024, 5, 15, 14, 30, tzinfo=UTC),
        value_date=date(2024, 5, 16),
        mcc="5812",
        merchant_name="Premium Coffee Roasters",
        merchant_country=None,
        channel=Channel.OTHER,
        description="Premium Coffee Roasters",
        extra={"branch": "001", "delivery.notification_ref": "NTF0000004711", "transaction_code": "POS"},
    )


def test_a_credit_entry_with_an_unlisted_transaction_code_is_a_credit_of_type_other() -> None:
    [event] = decode_all(notification(entry(drcr="C", trn_code="XYZ")))
    assert event.direction is Direction.CREDIT
    assert event.transaction_type is TransactionType.OTHER


def test_a_revr_event_is_a_reversal_of_the_initiation_of_the_same_contract() -> None:
    [event] = decode_all(notification(entry(event="REVR", amount="12.00")))
    assert event == TransactionReversed(
        source=SourceRef("flexcube", "001POS2413600012-REVR"),
        original_source_id="001POS2413600012-INIT",
        customer_id="000123456",
        money=Money(Decimal("12.00"), "GBP"),
        kind=ReversalKind.REVERSAL,
        booked_at=datetime(2024, 5, 15, 14, 30, tzinfo=UTC),
        value_date=date(2024, 5, 16),
    )


def test_a_notification_of_another_kind_is_not_a_transaction() -> None:
    body = notification("<Customer-Full><CUSTNO>000123456</CUSTNO></Customer-Full>", code="ST_CUST_NEW")
    [item] = CONNECTOR.split(body)
    with pytest.raises(NotATransaction) as caught:
        CONNECTOR.decode(item.payload, limits=LIMITS, now=lambda: NOW)
    assert caught.value.field == "/FCUBS_NOTIFICATION/FCUBS_NOTIF_HEADER/NOTIF_CODE"


def test_a_body_with_two_entries_is_cut_into_two_self_contained_documents() -> None:
    body = notification(entry(ref="001POS2413600012"), entry(ref="001POS2413600013", amount="7.25"))
    items = CONNECTOR.split(body)
    assert [CONNECTOR.source_id(i.payload) for i in items] == [
        "001POS2413600012-INIT",
        "001POS2413600013-INIT",
    ]
    for item in items:
        assert "<NOTIF_CODE>ACC_ENTRY</NOTIF_CODE>" in item.raw  # the header travels with each entry
        assert item.raw.count("<AC-ENTRY>") == 1
        assert CONNECTOR.split(item.raw.encode()) == [item]
    assert [e.money.amount for e in decode_all(body)] == [Decimal("42.50"), Decimal("7.25")]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"amount": "-42.50"}, "LCY_AMOUNT", id="negative amount"),
        pytest.param({"amount": "42,50"}, "LCY_AMOUNT", id="decimal comma"),
        pytest.param({"drcr": "X"}, "DRCR_IND", id="unknown debit-credit indicator"),
        pytest.param({"ref": ""}, "TRN_REF_NO + EVENT", id="missing contract reference"),
    ],
)
def test_bad_entries_are_refused_naming_the_native_element(changes: dict[str, str], field: str) -> None:
    [item] = CONNECTOR.split(notification(entry(**changes)))
    with pytest.raises(InvalidEvent) as caught:
        CONNECTOR.decode(item.payload, limits=LIMITS, now=lambda: NOW)
    assert caught.value.field == field


def test_a_time_stamp_in_an_unexpected_format_is_refused_naming_its_element_and_the_format() -> None:
    body = notification(entry()).replace(b"2024-05-15 14:30:00", b"15-MAY-2024 14:30")
    [item] = CONNECTOR.split(body)
    with pytest.raises(InvalidEvent) as caught:
        CONNECTOR.decode(item.payload, limits=LIMITS, now=lambda: NOW)
    assert caught.value.field == "CHECKER_DT_STAMP"
    assert "%Y-%m-%d %H:%M:%S" in caught.value.detail


def test_native_field_answers_with_the_mappings_paths() -> None:
    assert CONNECTOR.native_field("money") == "LCY_AMOUNT"
    assert CONNECTOR.native_field("account_id") == "AC_NO"
    assert CONNECTOR.native_field("source_id") == "TRN_REF_NO + EVENT"
    assert CONNECTOR.native_field("event_type") == "/FCUBS_NOTIFICATION/FCUBS_NOTIF_HEADER/NOTIF_CODE"
    assert CONNECTOR.native_field("extra.branch") == "/FCUBS_NOTIFICATION/FCUBS_NOTIF_HEADER/BRANCH"
