"""camt merchant data: bank transaction codes → type and channel, proprietary MCCs, names → inferred MCCs."""

from __future__ import annotations

import pytest

from pointflow.adapters.connectors.camt import merchant
from pointflow.adapters.connectors.camt.codes import BankCode, channel, transaction_type
from pointflow.adapters.mcc import is_known
from pointflow.domain.events import Channel, Direction, TransactionPosted, TransactionType
from tests.unit.test_camt_support import decode_one, document, entry, party

T, C = TransactionType, Channel
DEBIT, CREDIT = Direction.DEBIT, Direction.CREDIT


@pytest.mark.parametrize(
    ("code", "direction", "kind", "way"),
    [
        (("PMNT", "CCRD", "POSD"), DEBIT, T.PURCHASE, C.CARD_PRESENT),
        (("PMNT", "CCRD", "POSC"), DEBIT, T.PURCHASE, C.CARD_PRESENT),
        (("PMNT", "CCRD", "CWDL"), DEBIT, T.CASH_WITHDRAWAL, C.ATM),
        (("PMNT", "CCRD", "XBCW"), DEBIT, T.CASH_WITHDRAWAL, C.ATM),
        (("PMNT", "CCRD", "CHRG"), DEBIT, T.FEE, C.OTHER),
        (("PMNT", "CNTR", "CWDL"), DEBIT, T.CASH_WITHDRAWAL, C.BRANCH),
        (("PMNT", "CNTR", "CDPT"), CREDIT, T.DEPOSIT, C.BRANCH),
        (("PMNT", "RCDT", "SALA"), CREDIT, T.SALARY_CREDIT, C.OTHER),
        (("PMNT", "RCDT", "DMCT"), CREDIT, T.TRANSFER, C.OTHER),
        (("PMNT", "ICDT", "ESCT"), DEBIT, T.TRANSFER, C.OTHER),
        (("PMNT", "ICDT", "XBCT"), DEBIT, T.INTERNATIONAL_PAYMENT, C.OTHER),
        (("PMNT", "RDDT", "ESDD"), DEBIT, T.BILL_PAYMENT, C.DIRECT_DEBIT),
        (("PMNT", "IDDT", "OTHR"), DEBIT, T.BILL_PAYMENT, C.DIRECT_DEBIT),
        (("ACMT", "MDOP", "CHRG"), DEBIT, T.FEE, C.OTHER),
        (("ACMT", "MDOP", "COMM"), DEBIT, T.FEE, C.OTHER),
        (("ACMT", "MCOP", "INTR"), CREDIT, T.INTEREST, C.OTHER),
        (("LDAS", "CSLN", "PPAY"), DEBIT, T.LOAN_REPAYMENT, C.OTHER),
        (("LDAS", "CSLN", "DDWN"), CREDIT, T.OTHER, C.OTHER),
        (("PMNT", "MCRD", "POSP"), CREDIT, T.OTHER, C.OTHER),
        ((None, None, None), DEBIT, T.OTHER, C.OTHER),
    ],
)
def test_bank_transaction_codes_map_to_a_type_and_a_channel(
    code: tuple[str | None, str | None, str | None], direction: Direction, kind: TransactionType, way: Channel
) -> None:
    bank = BankCode(*code)
    assert transaction_type(bank, direction, None) is kind
    assert channel(bank) is way


def test_a_card_purchase_at_a_quasi_cash_merchant_is_quasi_cash() -> None:
    card = BankCode("PMNT", "CCRD", "POSD")
    assert transaction_type(card, DEBIT, "6051") is T.QUASI_CASH
    assert transaction_type(card, DEBIT, "5812") is T.PURCHASE


def test_the_card_context_says_whether_the_card_was_there() -> None:
    assert channel(BankCode("PMNT", "CCRD", "POSD", card=True, card_channel="ECOM")) is C.CARD_NOT_PRESENT
    assert channel(BankCode(card=True, card_present="true")) is C.CARD_PRESENT
    assert channel(BankCode(card=True)) is C.CARD_PRESENT


def test_every_mcc_of_the_keyword_table_is_assigned() -> None:
    assert all(is_known(mcc) for mcc, _ in merchant.KEYWORDS)


def decoded(ntry: str) -> TransactionPosted:
    event = decode_one(document(ntry))
    assert isinstance(event, TransactionPosted)
    return event


PROPRIETARY_CODE = "<BkTxCd><Prtry><Cd>{}</Cd><Issr>BANK</Issr></Prtry></BkTxCd>"


@pytest.mark.parametrize("code", ["MCC5812", "MCC 5812", "mcc:5812", "MCC-5812"])
def test_an_mcc_in_the_proprietary_bank_code_is_the_banks_own(code: str) -> None:
    event = decoded(entry(code=PROPRIETARY_CODE.format(code)))
    assert (event.mcc, event.extra["mcc_source"]) == ("5812", "proprietary")
    assert event.extra["proprietary_code"] == code


@pytest.mark.parametrize(
    "text_at",
    [
        pytest.param(
            {"tail": "<AddtlNtryInf>POS 15.05 FRESH FOODS MCC 5411 ZURICH</AddtlNtryInf>"}, id="AddtlNtryInf"
        ),
        pytest.param({"details": "<AddtlTxInf>Merchant category MCC=5411</AddtlTxInf>"}, id="AddtlTxInf"),
    ],
)
def test_an_mcc_in_the_banks_free_text_is_proprietary(text_at: dict[str, str]) -> None:
    event = decoded(entry(**text_at))
    assert (event.mcc, event.extra["mcc_source"]) == ("5411", "proprietary")


def test_an_unassigned_proprietary_mcc_is_ignored_and_the_name_decides() -> None:
    details = f"<RltdPties>{party('Cdtr', 'Hotel Adler')}</RltdPties>"
    event = decoded(entry(code=PROPRIETARY_CODE.format("MCC0001"), details=details))
    assert (event.mcc, event.extra["mcc_source"]) == ("7011", "inferred")


def test_an_mcc_in_the_payers_remittance_text_is_not_trusted() -> None:
    event = decoded(entry(code="<BkTxCd/>", details="<RmtInf><Ustrd>MCC 5812 please</Ustrd></RmtInf>"))
    assert event.mcc is None
    assert "mcc_source" not in event.extra


@pytest.mark.parametrize(
    ("name", "mcc"),
    [
        ("Café de Flore", "5812"),
        ("SUSHI BAR YOKO", "5812"),
        ("Snack Bar am Bahnhof", "5814"),
        ("The Crown Pub", "5813"),
        ("MIGROS SUPERMARKT", "5411"),
        ("Shell Tankstelle Nord", "5541"),
        ("Scandinavian Airlines", "4511"),
        ("Hôtel du Lac", "7011"),
        ("Apotheke am Markt", "5912"),
        ("City Cabs", "4121"),
        ("Kino Capitol", "7832"),
    ],
)
def test_a_merchant_category_is_inferred_from_the_payees_name(name: str, mcc: str) -> None:
    event = decoded(entry(details=f"<RltdPties>{party('Cdtr', name)}</RltdPties>"))
    assert (event.mcc, event.extra["mcc_source"]) == (mcc, "inferred")


@pytest.mark.parametrize("name", ["Barclays Bank", "ACME Holdings", "Cabinet Dupont", "Pubs R Us Ltd"])
def test_names_without_a_keyword_word_get_no_mcc(name: str) -> None:
    event = decoded(entry(details=f"<RltdPties>{party('Cdtr', name)}</RltdPties>"))
    assert event.mcc is None
    assert "mcc_source" not in event.extra


def test_the_banks_entry_text_is_searched_when_there_is_no_payee_name() -> None:
    event = decoded(entry(tail="<AddtlNtryInf>Kartenzahlung ARAL Tankstelle 4711</AddtlNtryInf>"))
    assert (event.mcc, event.extra["mcc_source"]) == ("5541", "inferred")


def test_no_category_is_inferred_for_a_credit() -> None:
    details = f"<RltdPties>{party('Dbtr', 'Restaurant Zur Post')}</RltdPties>"
    event = decoded(entry(direction="CRDT", details=details))
    assert event.merchant_name == "Restaurant Zur Post"
    assert event.mcc is None
