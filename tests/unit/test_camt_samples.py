"""Contract: every ISO 20022 camt sample decodes to what its own expected parse (genkgo/camt) says."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from pointflow.adapters.connectors.camt import CamtConnector
from pointflow.adapters.connectors.camt.payload import CamtEntry
from pointflow.domain.events import Direction, TransactionPosted
from pointflow.domain.money import CURRENCY_MINOR_UNITS
from pointflow.service_layer.ports import DecodeLimits, RawEvent
from tests.shared import COREBANKING

SAMPLES = COREBANKING / "iso20022" / "samples"
XML_SAMPLES = sorted(SAMPLES.glob("*.xml"))
LIMITS = DecodeLimits(Decimal("1000000000"), 24)
CONNECTOR = CamtConnector()
Expected = dict[str, Any]


def now() -> datetime:
    return datetime(2025, 1, 1, tzinfo=UTC)


def expected_of(sample: Path) -> list[Expected]:
    parsed: dict[str, Any] = json.loads(
        sample.with_suffix(".expected-parse.json").read_text(), parse_float=Decimal
    )
    return list(parsed["getEntries"])


def items_by_position(sample: Path) -> dict[tuple[str, int], RawEvent]:
    """Items keyed by (record id, index of the entry in its record), the way the expected parse names them."""
    found: dict[tuple[str, int], RawEvent] = {}
    seen: dict[str, int] = defaultdict(int)
    for item in CONNECTOR.split(sample.read_bytes()):
        assert isinstance(item.payload, CamtEntry)
        record = item.payload.fields["Id"]
        found[(record, seen[record])] = item
        seen[record] += 1
    return found


def cases() -> list[Any]:
    return [
        pytest.param(sample, entry, id=f"{sample.stem}#{entry['getIndex']}")
        for sample in XML_SAMPLES
        for entry in expected_of(sample)
    ]


def decoded(sample: Path, entry: Expected) -> Any:
    item = items_by_position(sample)[(entry["getRecord"]["getId"], entry["getIndex"])]
    return CONNECTOR.decode(item.payload, limits=LIMITS, now=now)


def details_of(entry: Expected) -> list[Expected]:
    """The transaction details; the serializer writes the first once and marks its repeat as recursive."""
    first = entry.get("getTransactionDetail")
    rest = [d for d in entry.get("getTransactionDetails") or [] if isinstance(d, dict)]
    return ([first] if first else []) + rest


def moment(stamp: Expected | None) -> datetime | None:
    return datetime.fromisoformat(stamp["0"]).astimezone(UTC) if stamp else None


def test_the_samples_are_there() -> None:
    assert len(XML_SAMPLES) >= 10
    assert all(sample.with_suffix(".expected-parse.json").exists() for sample in XML_SAMPLES)


@pytest.mark.parametrize("sample", XML_SAMPLES, ids=lambda s: s.stem)
def test_every_entry_of_every_sample_decodes_and_replays_to_the_same_item(sample: Path) -> None:
    items = CONNECTOR.split(sample.read_bytes())
    assert items
    assert len(items) >= len(expected_of(sample))
    for item in items:
        assert item.parse_error is None
        assert CONNECTOR.split(item.raw.encode()) == [item]
        assert CONNECTOR.decode(item.payload, limits=LIMITS, now=now).source.system == "camt"


@pytest.mark.parametrize(("sample", "entry"), cases())
def test_amount_currency_and_direction_match_the_expected_parse(sample: Path, entry: Expected) -> None:
    event = decoded(sample, entry)
    currency = entry["getAmount"]["getCurrency"]["getCode"]
    signed = Decimal(entry["getAmount"]["getAmount"]).scaleb(-CURRENCY_MINOR_UNITS[currency])
    assert event.money.currency == currency
    assert event.money.amount == abs(signed)
    assert event.direction is (Direction.DEBIT if signed < 0 else Direction.CREDIT)
    assert event.direction.name[:1] == entry["getCreditDebitIndicator"][:1]  # DBIT → DEBIT, CRDT → CREDIT


@pytest.mark.parametrize(("sample", "entry"), cases())
def test_booking_and_value_dates_match_the_expected_parse(sample: Path, entry: Expected) -> None:
    event = decoded(sample, entry)
    booked = moment(entry["getBookingDate"])
    # Without a booking date the connector falls back to the record's creation time (documented).
    assert event.booked_at == (booked or moment(entry["getRecord"]["getCreatedOn"]))
    value = moment(entry["getValueDate"])
    assert event.value_date == (value.date() if value else event.booked_at.date())
    assert event.booked_at.tzinfo is UTC


@pytest.mark.parametrize(("sample", "entry"), cases())
def test_account_and_source_id_come_from_the_statement_and_the_entry_references(
    sample: Path, entry: Expected
) -> None:
    event = decoded(sample, entry)
    account = entry["getRecord"]["getAccount"]["getIdentification"]
    assert event.account_id == account
    assert event.customer_id == account  # no sample names the owner's id: the account stands in
    servicer, reference = entry["getAccountServicerReference"], entry["getReference"]
    if servicer:
        assert event.source.id == servicer
        assert event.extra["account_servicer_reference"] == servicer
    elif reference:
        assert event.source.id == f"{account}:{reference}"
    else:
        assert event.source.id.startswith("camt-")


@pytest.mark.parametrize(("sample", "entry"), cases())
def test_transaction_references_match_the_first_transaction_details(sample: Path, entry: Expected) -> None:
    event = decoded(sample, entry)
    details = details_of(entry)
    refs = (details[0].get("getReference") or {}) if details else {}
    expected = {
        "end_to_end_id": refs.get("getEndToEndId"),
        "uetr": refs.get("getUuidEndToEndReference"),
        "instruction_id": refs.get("getInstructionId"),
        "transaction_id": refs.get("getTransactionId"),
        "mandate_id": refs.get("getMandateId"),
        "payment_information_id": refs.get("getPaymentInformationId") or entry["getBatchPaymentId"],
    }
    for name, value in expected.items():
        assert event.extra.get(name) == value, name
    if len(details) > 1:
        assert event.extra["transaction_details"] == str(len(details))


@pytest.mark.parametrize(("sample", "entry"), cases())
def test_bank_transaction_codes_match_the_expected_parse(sample: Path, entry: Expected) -> None:
    event = decoded(sample, entry)
    code = entry["getBankTransactionCode"] or {}
    domain, proprietary = code.get("getDomain"), code.get("getProprietary")
    if domain:
        family = domain["getFamily"]
        text = f"{domain['getCode']}/{family['getCode']}/{family['getSubFamilyCode']}"
        assert event.extra["bank_transaction_code"] == text
    else:
        assert "bank_transaction_code" not in event.extra
    assert event.extra.get("proprietary_code") == (proprietary["getCode"] if proprietary else None)


def counterparty(entry: Expected, direction: Direction) -> Expected | None:
    """The first transaction's payee for a debit, payer for a credit, as the expected parse lists them."""
    wanted = "Creditor" if direction is Direction.DEBIT else "Debtor"
    for details in details_of(entry)[:1]:
        for party in details.get("getRelatedParties") or []:
            if party["getRelatedPartyType"]["__CLASS__"].endswith(f"\\{wanted}"):
                return dict(party)
    return None


@pytest.mark.parametrize(("sample", "entry"), cases())
def test_the_counterparty_name_and_account_match_the_expected_parse(sample: Path, entry: Expected) -> None:
    event = decoded(sample, entry)
    assert isinstance(event, TransactionPosted)
    party = counterparty(entry, event.direction)
    name = party["getRelatedPartyType"]["getName"] if party else None
    account = (party.get("getAccount") or {}).get("getIdentification") if party else None
    assert event.merchant_name == name
    assert event.extra.get("counterparty_account") == account


@pytest.mark.parametrize(("sample", "entry"), cases())
def test_no_sample_carries_an_mcc_and_none_is_made_up(sample: Path, entry: Expected) -> None:
    event = decoded(sample, entry)
    assert event.mcc is None
    assert "mcc_source" not in event.extra
    assert entry["getReversalIndicator"] is False
    assert isinstance(event, TransactionPosted)


PAIRS = [
    pytest.param("genkgo_camt053.v2.minimal.xml", "genkgo_camt053.v8.xml", "Debtor", id="053 v02→v08 payer"),
    pytest.param("genkgo_camt054.v2.xml", "genkgo_camt054.v8.xml", "Debtor", id="054 v02→v08 payer"),
    pytest.param("genkgo_camt054.v4.xml", "genkgo_camt054.v8.xml", "Creditor", id="054 v04→v08 payee"),
]


@pytest.mark.parametrize(("old", "new", "role"), PAIRS)
def test_party_names_read_the_same_before_and_after_v08_moved_them_under_pty(
    old: str, new: str, role: str
) -> None:
    # v02 and v04 write RltdPties/Cdtr/Nm; v08 writes RltdPties/Cdtr/Pty/Nm. Both must give the name the
    # expected parse gives, and it becomes the merchant name when the party is the counterparty.
    tag = "Cdtr" if role == "Creditor" else "Dbtr"
    base = f"Ntry/NtryDtls/TxDtls/RltdPties/{tag}"
    for name, path in ((old, f"{base}/Nm"), (new, f"{base}/Pty/Nm")):
        sample = SAMPLES / name
        entry = expected_of(sample)[0]
        fields = items_by_position(sample)[(entry["getRecord"]["getId"], 0)].payload.fields
        party = next(
            p["getRelatedPartyType"]["getName"]
            for p in details_of(entry)[0]["getRelatedParties"]
            if p["getRelatedPartyType"]["__CLASS__"].endswith(f"\\{role}")
        )
        assert fields[path] == party
        if name == old:
            assert f"{base}/Pty/Nm" not in fields
        event = decoded(sample, entry)
        if (role == "Creditor") == (event.direction is Direction.DEBIT):
            assert event.merchant_name == party


def test_value_dates_are_dates_not_moments() -> None:
    sample = SAMPLES / "genkgo_camt053.v8.xml"
    event = decoded(sample, expected_of(sample)[0])
    assert type(event.value_date) is date
