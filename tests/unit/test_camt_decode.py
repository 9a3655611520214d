"""camt decode(): one booked entry → one canonical transaction; bad input names its camt path."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from pointflow.adapters.connectors.camt import CamtConnector
from pointflow.domain.errors import InvalidEvent, NotATransaction
from pointflow.domain.events import (
    Channel,
    Direction,
    ReversalKind,
    TransactionPosted,
    TransactionReversed,
    TransactionType,
    event_record,
)
from pointflow.domain.money import Money
from tests.unit.test_camt_support import (
    ACCOUNT,
    CONNECTOR,
    IBAN,
    decode_one,
    document,
    entry,
    party,
    payload_of,
)


def posted(body: bytes, connector: CamtConnector = CONNECTOR) -> TransactionPosted:
    event = decode_one(body, connector)
    assert isinstance(event, TransactionPosted)
    return event


def test_a_card_purchase_decodes_to_a_posted_transaction() -> None:
    details = (
        party("Cdtr", "Café Central", country="AT")
        + "<CdtrAcct><Id><IBAN>AT611904300234573201</IBAN></Id></CdtrAcct>"
    )
    body = document(
        entry(
            details=f"<Refs><EndToEndId>E2E-1</EndToEndId><UETR>8a562c67-ca16-48ba-b074-65581be6f011"
            f"</UETR></Refs><RltdPties>{details}</RltdPties>"
        )
    )
    event = posted(body)
    assert event.source.system == "camt"
    assert event.source.id == "REF-0001"
    assert event.account_id == IBAN
    assert event.customer_id == IBAN
    assert event.money == Money(Decimal("42.50"), "EUR")
    assert event.direction is Direction.DEBIT
    assert event.transaction_type is TransactionType.PURCHASE
    assert event.channel is Channel.CARD_PRESENT
    assert event.booked_at == datetime(2024, 5, 15, 12, 30, tzinfo=UTC)
    assert event.value_date == date(2024, 5, 16)
    assert event.merchant_name == "Café Central"
    assert event.merchant_country == "AT"
    assert event.mcc == "5812"
    assert event.extra == {
        "account_servicer_reference": "REF-0001",
        "end_to_end_id": "E2E-1",
        "uetr": "8a562c67-ca16-48ba-b074-65581be6f011",
        "bank_transaction_code": "PMNT/CCRD/POSD",
        "counterparty_account": "AT611904300234573201",
        "mcc_source": "inferred",
    }


@pytest.mark.parametrize("version", ["02", "04", "08"])
def test_the_payee_of_a_debit_and_the_payer_of_a_credit_are_read_in_every_version(version: str) -> None:
    parties = party("Dbtr", "Payer AG", version) + party("Cdtr", "Payee GmbH", version)
    details = f"<RltdPties>{parties}</RltdPties>"
    debit = posted(document(entry(version=version, details=details), version=version))
    credit = posted(document(entry(version=version, direction="CRDT", details=details), version=version))
    assert (debit.merchant_name, credit.merchant_name) == ("Payee GmbH", "Payer AG")


def test_the_ultimate_creditor_is_the_merchant_behind_a_payment_service() -> None:
    parties = party("Cdtr", "PAYMENT SERVICE LTD") + party("UltmtCdtr", "Corner Bookshop")
    event = posted(document(entry(details=f"<RltdPties>{parties}</RltdPties>")))
    assert event.merchant_name == "Corner Bookshop"


def test_the_owner_id_is_the_customer_and_the_account_stands_in_without_one() -> None:
    owner = (
        "<Ownr><Nm>Jane</Nm><Id><PrvtId><Othr><Id>CUST-7</Id><SchmeNm><Cd>CUST</Cd></SchmeNm></Othr>"
        "</PrvtId></Id></Ownr>"
    )
    assert posted(document(entry(), owner=owner)).customer_id == "CUST-7"
    organisation = "<Ownr><Id><OrgId><Othr><Id>ORG-9</Id></Othr></OrgId></Id></Ownr>"
    assert posted(document(entry(), owner=organisation)).customer_id == "ORG-9"
    other = posted(document(entry(), account="<Id><Othr><Id>0012-345</Id></Othr></Id>"))
    assert (other.account_id, other.customer_id) == ("0012-345", "0012-345")


def test_an_iban_written_in_groups_is_read_without_its_spaces() -> None:
    event = posted(document(entry(), account="<Id><IBAN>CH93 0076 2011 6238 5295 7</IBAN></Id>"))
    assert event.account_id == IBAN


def test_the_source_id_prefers_acctsvcrref_then_ntryref_within_the_account_then_a_content_hash() -> None:
    assert posted(document(entry(before="<NtryRef>N-1</NtryRef>"))).source.id == "REF-0001"
    assert posted(document(entry(before="<NtryRef>N-1</NtryRef>", reference=""))).source.id == f"{IBAN}:N-1"
    spaced = entry(reference="<AcctSvcrRef>REF 0001</AcctSvcrRef>")  # not usable as an id
    hashed = posted(document(spaced)).source.id
    assert hashed.startswith("camt-")
    assert len(hashed) == 37
    assert posted(document(spaced)).source.id == hashed
    assert (
        posted(document(entry(reference="<AcctSvcrRef>REF 0001</AcctSvcrRef>", amount="42.51"))).source.id
        != hashed
    )


def test_an_entry_without_references_keeps_its_id_from_report_to_statement() -> None:
    # A camt.052 intraday report may show the entry as pending; the camt.053 statement shows it booked.
    pending = payload_of(document(entry(reference="", status="PDNG"), kind="052"))
    booked = posted(document(entry(reference=""), kind="053"))
    assert CONNECTOR.source_id(pending) == booked.source.id
    other_account = posted(document(entry(reference=""), account="<Id><Othr><Id>ACC-2</Id></Othr></Id>"))
    assert other_account.source.id != booked.source.id


def test_the_same_entry_in_a_notification_and_a_statement_gives_the_same_canonical_record() -> None:
    one = decode_one(document(entry(), kind="054", created="2024-05-15T14:31:00Z"))
    other = decode_one(document(entry(), kind="053", created="2024-05-16T06:00:00Z"))
    assert event_record(one) == event_record(other)


@pytest.mark.parametrize(
    ("booking", "booked", "value"),
    [
        ("<BookgDt><Dt>2024-05-15</Dt></BookgDt>", datetime(2024, 5, 15, tzinfo=UTC), date(2024, 5, 15)),
        (
            "<BookgDt><DtTm>2024-05-15T23:30:00-02:00</DtTm></BookgDt>",
            datetime(2024, 5, 16, 1, 30, tzinfo=UTC),
            date(2024, 5, 16),
        ),
        (
            "<BookgDt><DtTm>2024-05-15T10:00:00</DtTm></BookgDt>",
            datetime(2024, 5, 15, 10, tzinfo=UTC),
            date(2024, 5, 15),
        ),
        (
            "<BookgDt><DtTm>2024-05-15T10:00:00.250Z</DtTm></BookgDt><ValDt><DtTm>2024-05-17T01:00:00+03:00</DtTm>"
            "</ValDt>",
            datetime(2024, 5, 15, 10, 0, 0, 250000, tzinfo=UTC),
            date(2024, 5, 17),
        ),
        (
            "<BookgDt><Dt>2024-05-15+02:00</Dt></BookgDt>",
            datetime(2024, 5, 15, tzinfo=UTC),
            date(2024, 5, 15),
        ),
    ],
)
def test_booking_dates_and_moments_are_read_in_utc(booking: str, booked: datetime, value: date) -> None:
    event = posted(document(entry(booking=booking)))
    assert event.booked_at == booked
    assert event.booked_at.tzinfo is UTC
    assert event.value_date == value
    assert "booked_from" not in event.extra


def test_without_a_booking_date_the_value_date_then_the_record_creation_is_used_and_said() -> None:
    from_value = posted(document(entry(booking="<ValDt><Dt>2024-05-14</Dt></ValDt>")))
    assert from_value.booked_at == datetime(2024, 5, 14, tzinfo=UTC)
    assert from_value.extra["booked_from"] == "Ntry/ValDt/Dt"
    from_record = posted(document(entry(booking=""), created="2024-05-15T18:00:00+01:00"))
    assert from_record.booked_at == datetime(2024, 5, 15, 17, tzinfo=UTC)
    assert from_record.extra["booked_from"] == "CreDtTm"


@pytest.mark.parametrize("status", ["PDNG", "INFO", "FUTR"])
def test_entries_that_are_not_booked_are_not_transactions(status: str) -> None:
    with pytest.raises(NotATransaction) as caught:
        decode_one(document(entry(status=status)))
    assert caught.value.field == "Ntry/Sts/Cd"


def test_a_zero_amount_entry_is_not_a_transaction() -> None:
    with pytest.raises(NotATransaction):
        decode_one(document(entry(amount="0.00")))


BAD = [
    pytest.param(entry(amount="abc"), "Ntry/Amt", id="non-numeric amount"),
    pytest.param(entry(amount="-5.00"), "Ntry/Amt", id="negative amount"),
    pytest.param(entry(amount="1.234"), "Ntry/Amt", id="too many decimals"),
    pytest.param(entry(amount="1E3"), "Ntry/Amt", id="exponent"),
    pytest.param(entry(amount="1000000.01"), "Ntry/Amt", id="over the limit"),
    pytest.param(entry(amount="5", currency="XYZ"), "Ntry/Amt/@Ccy", id="unknown currency"),
    pytest.param(entry().replace(' Ccy="EUR"', ""), "Ntry/Amt/@Ccy", id="no currency"),
    pytest.param(entry(direction="BOTH"), "Ntry/CdtDbtInd", id="bad direction"),
    pytest.param(entry(direction=""), "Ntry/CdtDbtInd", id="no direction"),
    pytest.param(entry(extra="<RvslInd>maybe</RvslInd>"), "Ntry/RvslInd", id="bad reversal flag"),
    pytest.param(entry(status="").replace("<Sts><Cd></Cd></Sts>", ""), "Ntry/Sts", id="no status"),
    pytest.param(entry(booking="<BookgDt><Dt>2024-13-01</Dt></BookgDt>"), "Ntry/BookgDt/Dt", id="bad date"),
    pytest.param(entry(booking="<BookgDt><DtTm>noon</DtTm></BookgDt>"), "Ntry/BookgDt/DtTm", id="bad time"),
    pytest.param(entry(booking="<BookgDt><Dt>2024-06-03</Dt></BookgDt>"), "Ntry/BookgDt/Dt", id="future"),
    pytest.param(
        entry(booking="<BookgDt><Dt>1999-12-31</Dt></BookgDt>"), "Ntry/BookgDt/Dt", id="before 2000"
    ),
    pytest.param(
        entry(booking="<BookgDt><DtTm>0001-01-01T00:00:00+01:00</DtTm></BookgDt>"),
        "Ntry/BookgDt/DtTm",
        id="outside the calendar",
    ),
    pytest.param(
        entry(booking="<BookgDt><Dt>2024-05-15</Dt></BookgDt><ValDt><Dt>15.05.2024</Dt></ValDt>"),
        "Ntry/ValDt/Dt",
        id="bad value date",
    ),
    pytest.param(
        entry(details=f"<RltdPties>{party('Cdtr', 'X', country='Schweiz')}</RltdPties>"),
        "Ntry/NtryDtls/TxDtls/RltdPties/Cdtr/Pty/PstlAdr/Ctry",
        id="bad country",
    ),
    pytest.param(
        entry(details=f"<RltdPties>{party('Cdtr', 'n' * 257)}</RltdPties>"),
        "Ntry/NtryDtls/TxDtls/RltdPties/Cdtr/Pty/Nm",
        id="over-long name",
    ),
    pytest.param(
        entry(
            extra="<RvslInd>true</RvslInd>",
            details="<Refs><Prtry><Tp>OrgnlAcctSvcrRef</Tp><Ref>has space</Ref></Prtry></Refs>",
        ),
        "Ntry/NtryDtls/TxDtls/Refs/Prtry/Ref",
        id="bad original reference",
    ),
]


@pytest.mark.parametrize(("ntry", "field"), BAD)
def test_bad_entries_raise_invalid_event_naming_the_camt_path(ntry: str, field: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        decode_one(document(ntry))
    assert caught.value.field == field
    assert caught.value.detail


@pytest.mark.parametrize(
    ("account", "owner", "field"),
    [
        ("", "", "Acct/Id"),
        ("<Id><Othr><Id>has space</Id></Othr></Id>", "", "Acct/Id/Othr/Id"),
        (
            ACCOUNT,
            "<Ownr><Id><PrvtId><Othr><Id>c u s t</Id></Othr></PrvtId></Id></Ownr>",
            "Acct/Ownr/Id/PrvtId/Othr/Id",
        ),
    ],
)
def test_bad_accounts_and_owners_raise_invalid_event_naming_the_path(
    account: str, owner: str, field: str
) -> None:
    with pytest.raises(InvalidEvent) as caught:
        decode_one(document(entry(), account=account, owner=owner))
    assert caught.value.field == field


REVERSAL = entry(
    direction="CRDT",
    extra="<RvslInd>true</RvslInd>",
    reference="<AcctSvcrRef>REV-9</AcctSvcrRef>",
    details="<Refs><EndToEndId>E2E-1</EndToEndId><Prtry><Tp>LegalSequenceNumber</Tp><Ref>100</Ref></Prtry>"
    "<Prtry><Tp>OrgnlAcctSvcrRef</Tp><Ref>REF-0001</Ref></Prtry></Refs>",
)


def test_a_reversal_that_names_its_original_reverses_it() -> None:
    event = decode_one(document(REVERSAL))
    assert event == TransactionReversed(
        source=event.source,
        original_source_id="REF-0001",
        customer_id=IBAN,
        money=Money(Decimal("42.50"), "EUR"),
        kind=ReversalKind.REVERSAL,
        booked_at=datetime(2024, 5, 15, 12, 30, tzinfo=UTC),
        value_date=date(2024, 5, 16),
    )
    assert event.source.id == "REV-9"


def test_a_bank_may_name_its_own_original_reference_type() -> None:
    connector = CamtConnector(original_reference_types=["LegalSequenceNumber"])
    event = decode_one(document(REVERSAL), connector)
    assert isinstance(event, TransactionReversed)
    assert event.original_source_id == "100"


def test_a_reversal_that_cannot_name_its_original_is_posted_as_other_so_that_it_earns_nothing() -> None:
    event = posted(document(entry(direction="CRDT", extra="<RvslInd>true</RvslInd>")))
    assert event.direction is Direction.CREDIT
    assert event.transaction_type is TransactionType.OTHER
    assert event.extra["reversal"] == "true"
    assert event.extra["bank_transaction_code"] == "PMNT/CCRD/POSD"


def test_an_entry_with_several_transaction_details_is_one_transaction_of_the_entry_amount() -> None:
    details = "</TxDtls><TxDtls>".join(
        f'<Refs><EndToEndId>E-{n}</EndToEndId></Refs><Amt Ccy="EUR">{n}.00</Amt>' for n in (10, 20, 12)
    )
    event = posted(document(entry(amount="42.00", details=details)))
    assert event.money == Money(Decimal("42.00"), "EUR")
    assert event.extra["transaction_details"] == "3"
    assert event.extra["end_to_end_id"] == "E-10"


CARD = (
    "<CardTx><Card><PlainCardData><PAN>5555444433331111</PAN><XpryDt>2027-01</XpryDt></PlainCardData>"
    "<CardBrnd><Id>MASTERCARD</Id></CardBrnd></Card><POI><Id><Id>TERM-77</Id></Id></POI>"
    "<Tx><Indv><PmtCntxt><CardPres>{present}</CardPres><CardDataNtryMd>CICC</CardDataNtryMd></PmtCntxt>"
    "<SaleRefNb>S-1</SaleRefNb><TxId><TxDtTm>2024-05-15T14:29:00+02:00</TxDtTm><TxRef>T-1</TxRef></TxId>"
    "</Indv></Tx></CardTx>"
)


@pytest.mark.parametrize(
    ("present", "channel"), [("true", Channel.CARD_PRESENT), ("false", Channel.CARD_NOT_PRESENT)]
)
def test_card_data_gives_the_channel_and_only_the_last_four_digits_of_the_card(
    present: str, channel: Channel
) -> None:
    body = document(entry(code="<BkTxCd/>", details=CARD.format(present=present)))
    event = posted(body)
    assert event.transaction_type is TransactionType.PURCHASE  # card data on a debit with no code
    assert event.channel is channel
    assert event.extra["card_last4"] == "1111"
    assert event.extra["card_brand"] == "MASTERCARD"
    assert event.extra["card_terminal_id"] == "TERM-77"
    assert event.extra["card_sale_reference"] == "S-1"
    assert event.extra["card_transaction_reference"] == "T-1"
    assert "5555444433331111" not in str(event_record(event))


def test_entry_level_card_data_is_read_too() -> None:
    card = (
        "<CardTx><Card><PlainCardData><PAN>4111111111111111</PAN><XpryDt>2027-01</XpryDt></PlainCardData>"
        "</Card></CardTx>"
    )
    event = posted(document(entry(code=f"<BkTxCd/>{card}")))
    assert event.extra["card_last4"] == "1111"
    assert event.channel is Channel.CARD_PRESENT


def test_the_description_is_the_remittance_text_else_the_banks_text() -> None:
    remittance = posted(
        document(
            entry(
                details="<RmtInf><Ustrd>Invoice 12</Ustrd><Ustrd>and 13</Ustrd></RmtInf>",
                tail="<AddtlNtryInf>Card payment</AddtlNtryInf>",
            )
        )
    )
    assert remittance.description == "Invoice 12 and 13"
    bank = posted(document(entry(tail="<AddtlNtryInf>  Card   payment </AddtlNtryInf>")))
    assert bank.description == "Card payment"
