"""The shipped Finacle starter mapping decodes hand-written FIXML responses shaped after FORMATS.md §5."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from pointflow.adapters.connectors import CONNECTORS
from pointflow.adapters.connectors.mapping import shipped_mappings_dir
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
CONNECTOR = CONNECTORS["finacle"]

FIXML = """<?xml version="1.0" encoding="UTF-8"?>
<FIXML xmlns="http://www.finacle.com/fixml" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Header>
    <ResponseHeader>
      <RequestMessageKey>
        <RequestUUID>Req_1715783400123</RequestUUID>
        <ServiceRequestId>AcctTrnInq</ServiceRequestId>
        <ServiceRequestVersion>10.2</ServiceRequestVersion>
        <ChannelId>COR</ChannelId>
      </RequestMessageKey>
      <ResponseMessageInfo>
        <BankId>01</BankId>
        <TimeZone>GMT+05:30</TimeZone>
        <MessageDateTime>2024-05-15T20:05:11.000</MessageDateTime>
      </ResponseMessageInfo>
      <HostTransaction><Id/><Status>{status}</Status></HostTransaction>
    </ResponseHeader>
  </Header>
  <Body>
    <AcctTrnInqResponse>
      <AcctTrnInqRs>
        <AcctId><AcctId>0123456789012</AcctId><AcctCurr>INR</AcctCurr></AcctId>
        <CustId>C00012345</CustId>
        {details}
      </AcctTrnInqRs>
    </AcctTrnInqResponse>
  </Body>
</FIXML>
"""
PURCHASE = """<TrnDtls>
          <TranId>S1234567</TranId>
          <PartTranSrlNum>1</PartTranSrlNum>
          <TranDate>2024-05-15T00:00:00.000</TranDate>
          <ValueDate>2024-05-15T00:00:00.000</ValueDate>
          <PstdDate>2024-05-15T20:00:00.000</PstdDate>
          <TranAmt><amountValue>1250.00</amountValue><currencyCode>INR</currencyCode></TranAmt>
          <PartTranType>D</PartTranType>
          <TranType>T</TranType>
          <TranSubType>CI</TranSubType>
          <TranParticulars>POS PREMIUM COFFEE ROASTERS</TranParticulars>
          <RvslFlg>N</RvslFlg>
        </TrnDtls>"""
REVERSAL = """<TrnDtls>
          <TranId>S1299999</TranId>
          <PartTranSrlNum>1</PartTranSrlNum>
          <TranDate>2024-05-16T00:00:00.000</TranDate>
          <PstdDate>2024-05-16T10:15:00</PstdDate>
          <TranAmt><amountValue>250.00</amountValue><currencyCode>INR</currencyCode></TranAmt>
          <PartTranType>C</PartTranType>
          <RvslFlg>Y</RvslFlg>
          <OrgTranId>S1234567</OrgTranId>
          <OrgPartTranSrlNum>1</OrgPartTranSrlNum>
          <OrgTranDate>2024-05-15T00:00:00.000</OrgTranDate>
        </TrnDtls>"""


def response(*details: str, status: str = "SUCCESS") -> bytes:
    return FIXML.format(status=status, details="\n        ".join(details)).encode()


def decode_all(body: bytes) -> list[Any]:
    items = CONNECTOR.split(body)
    assert all(i.parse_error is None for i in items), items
    later = datetime(2024, 5, 17, tzinfo=UTC)
    return [CONNECTOR.decode(i.payload, limits=LIMITS, now=lambda: later) for i in items]


def test_the_starter_mapping_says_at_the_top_that_it_needs_the_banks_schema() -> None:
    head = (shipped_mappings_dir() / "finacle.yaml").read_text(encoding="utf-8")[:1500]
    assert "STARTER MAPPING" in head
    assert "DOCUMENTED STRUCTURE ONLY" in head
    assert "ASSUMPTION" in head


def test_a_transaction_detail_decodes_to_a_posted_transaction_in_the_banks_time_zone() -> None:
    [event] = decode_all(response(PURCHASE))
    assert event == TransactionPosted(
        source=SourceRef("finacle", "S1234567-1-2024-05-15"),
        customer_id="C00012345",
        account_id="0123456789012",
        money=Money(Decimal("1250.00"), "INR"),
        direction=Direction.DEBIT,
        transaction_type=TransactionType.PURCHASE,
        booked_at=datetime(2024, 5, 15, 14, 30, tzinfo=UTC),  # 20:00 at +05:30
        value_date=date(2024, 5, 15),
        mcc=None,
        merchant_name="POS PREMIUM COFFEE ROASTERS",
        merchant_country=None,
        channel=Channel.OTHER,
        description="POS PREMIUM COFFEE ROASTERS",
        extra={"tran_type": "T", "tran_sub_type": "CI", "account_currency": "INR"},
    )


def test_every_trndtls_is_an_item_whose_raw_keeps_the_account_beside_it() -> None:
    body = response(PURCHASE, REVERSAL)
    items = CONNECTOR.split(body)
    assert len(items) == 2
    for item in items:
        assert item.raw.count("<TrnDtls>") == 1
        assert "<CustId>C00012345</CustId>" in item.raw
        assert CONNECTOR.split(item.raw.encode()) == [item]
    purchase, reversal = decode_all(body)
    assert isinstance(purchase, TransactionPosted)
    assert reversal == TransactionReversed(
        source=SourceRef("finacle", "S1299999-1-2024-05-16"),
        original_source_id="S1234567-1-2024-05-15",
        customer_id="C00012345",
        money=Money(Decimal("250.00"), "INR"),
        kind=ReversalKind.REVERSAL,
        booked_at=datetime(2024, 5, 16, 4, 45, tzinfo=UTC),
        value_date=date(2024, 5, 16),
    )


def test_a_failed_host_transaction_is_not_a_transaction() -> None:
    [item] = CONNECTOR.split(response(PURCHASE, status="FAILURE"))
    with pytest.raises(NotATransaction):
        CONNECTOR.decode(item.payload, limits=LIMITS, now=lambda: NOW)


def test_a_response_without_transaction_details_is_quarantined_not_lost() -> None:
    [item] = CONNECTOR.split(response())
    assert item.payload is None
    assert item.parse_error is not None
    assert "//f:TrnDtls" in item.parse_error


def test_xml_without_the_fixml_namespace_finds_no_items() -> None:
    body = response(PURCHASE).replace(b' xmlns="http://www.finacle.com/fixml"', b"")
    [item] = CONNECTOR.split(body)
    assert item.parse_error is not None


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        pytest.param("<PartTranType>D<", "<PartTranType>B<", "f:PartTranType", id="unknown part type"),
        pytest.param("<RvslFlg>N<", "<RvslFlg>maybe<", "f:RvslFlg", id="unknown reversal flag"),
        pytest.param("1250.00<", "1,250.00<", "f:TranAmt/f:amountValue", id="grouped amount"),
        pytest.param(
            ">INR</currencyCode", ">RUPEES</currencyCode", "f:TranAmt/f:currencyCode", id="currency"
        ),
        pytest.param(
            "<TranId>S1234567</TranId>",
            "",
            "f:TranId + f:PartTranSrlNum + substring(f:TranDate, 1, 10)",
            id="no transaction id",
        ),
        pytest.param("2024-05-15T20:00:00.000", "15/05/2024", "f:PstdDate", id="posting date format"),
    ],
)
def test_bad_details_are_refused_naming_the_native_path(old: str, new: str, field: str) -> None:
    body = response(PURCHASE).decode().replace(old, new).encode()
    [item] = CONNECTOR.split(body)
    with pytest.raises(InvalidEvent) as caught:
        CONNECTOR.decode(item.payload, limits=LIMITS, now=lambda: NOW)
    assert caught.value.field == field


def test_a_customer_missing_beside_the_details_is_named_by_its_context_path() -> None:
    body = response(PURCHASE).replace(b"<CustId>C00012345</CustId>", b"")
    [item] = CONNECTOR.split(body)
    with pytest.raises(InvalidEvent) as caught:
        CONNECTOR.decode(item.payload, limits=LIMITS, now=lambda: NOW)
    assert caught.value.field == "../f:CustId"
