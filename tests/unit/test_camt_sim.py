"""The sandbox camt bank: its camt.053/054 v08 documents are schema-valid and decode back to its events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import Literal

import pytest
from lxml import etree

from pointflow.adapters.connectors.camt import CamtConnector
from pointflow.adapters.connectors.generic import GenericConnector
from pointflow.domain.events import (
    CanonicalEvent,
    Channel,
    Direction,
    SourceRef,
    TransactionPosted,
    TransactionReversed,
    TransactionType,
)
from pointflow.service_layer.ports import DecodeLimits
from pointflow.sim.bank import SimCustomer, generate
from pointflow.sim.platforms import SandboxPlatform
from pointflow.sim.platforms.camt import CamtPlatform
from tests.shared import COREBANKING

XSD = COREBANKING / "iso20022" / "xsd"
LIMITS = DecodeLimits(Decimal("1000000"), 24)
CAMT = CamtConnector()
Message = Literal["053", "054"]


def now() -> datetime:
    return datetime(2030, 1, 1, tzinfo=UTC)


@cache
def sandbox_events() -> tuple[CanonicalEvent, ...]:
    generic = GenericConnector()
    raw = generate(customers=6, months=2, start=date(2024, 1, 1), seed=5)
    return tuple(generic.decode(event, limits=LIMITS, now=now) for event in raw)


@cache
def schema(message: Message) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD / f"camt.{message}.001.08.xsd")))


def read_back(documents: Sequence[bytes]) -> dict[str, CanonicalEvent]:
    decoded: dict[str, CanonicalEvent] = {}
    for body in documents:
        for item in CAMT.split(body):
            assert CAMT.split(item.raw.encode()) == [item]
            event = CAMT.decode(item.payload, limits=LIMITS, now=now)
            decoded[event.source.id] = event
    return decoded


def test_the_platform_fits_the_sandbox_protocol() -> None:
    platform: SandboxPlatform = CamtPlatform()
    assert platform.name == "camt" == CAMT.name


def test_the_sandbox_produces_every_kind_of_event_the_round_trip_checks() -> None:
    events = sandbox_events()
    assert any(isinstance(e, TransactionReversed) for e in events)
    kinds = {e.transaction_type for e in events if isinstance(e, TransactionPosted)}
    assert {TransactionType.PURCHASE, TransactionType.SALARY_CREDIT, TransactionType.CASH_WITHDRAWAL} <= kinds


@pytest.mark.parametrize("message", ["053", "054"])
def test_every_document_is_valid_against_the_iso_schema(message: Message) -> None:
    documents = CamtPlatform(message=message).documents(sandbox_events())
    assert documents
    for body in documents:
        tree = etree.fromstring(body)
        assert schema(message).validate(tree), schema(message).error_log
        assert etree.QName(tree).namespace == f"urn:iso:std:iso:20022:tech:xsd:camt.{message}.001.08"


@pytest.mark.parametrize("message", ["053", "054"])
def test_the_documents_decode_back_to_the_same_transactions(message: Message) -> None:
    events = sandbox_events()
    decoded = read_back(CamtPlatform(message=message).documents(events))
    assert set(decoded) == {e.source.id for e in events}
    for event in events:
        back = decoded[event.source.id]
        assert type(back) is type(event)
        assert (back.money, back.customer_id, back.booked_at, back.value_date) == (
            event.money,
            event.customer_id,
            event.booked_at,
            event.value_date,
        )
        if isinstance(event, TransactionReversed):
            assert isinstance(back, TransactionReversed)
            assert back.original_source_id == event.original_source_id
        else:
            assert isinstance(back, TransactionPosted)
            assert_same_posting(event, back)


CAMT_CHANNELS = {Channel.CARD_PRESENT, Channel.CARD_NOT_PRESENT, Channel.ATM}


def assert_same_posting(event: TransactionPosted, back: TransactionPosted) -> None:
    fields = ("account_id", "direction", "merchant_name", "merchant_country", "mcc", "description")
    assert [getattr(back, f) for f in fields] == [getattr(event, f) for f in fields]
    if event.mcc:
        assert back.extra["mcc_source"] == "proprietary"
    # camt has no code for "between the customer's own accounts": those come back as transfers.
    expected = event.transaction_type
    if expected is TransactionType.OWN_ACCOUNT_TRANSFER:
        expected = TransactionType.TRANSFER
    assert back.transaction_type is expected
    if event.channel in CAMT_CHANNELS:
        assert back.channel is event.channel


def test_a_day_of_one_account_is_one_document() -> None:
    events = [e for e in sandbox_events() if isinstance(e, TransactionPosted)]
    documents = CamtPlatform().documents(events)
    days = {(e.account_id, e.money.currency, e.booked_at.date()) for e in events}
    assert len(documents) == len(days)


def test_a_reversal_whose_original_was_sent_earlier_goes_to_the_same_account() -> None:
    events = sandbox_events()
    reversal = next(e for e in events if isinstance(e, TransactionReversed))
    original = next(e for e in events if e.source.id == reversal.original_source_id)
    assert isinstance(original, TransactionPosted)
    platform = CamtPlatform()
    platform.documents([original])
    (body,) = platform.documents([reversal])
    (item,) = CAMT.split(body)
    assert item.payload.fields["Acct/Id/Othr/Id"] == original.account_id
    opposite = "CRDT" if original.direction is Direction.DEBIT else "DBIT"
    assert item.payload.fields["Ntry/CdtDbtInd"] == opposite


def test_a_reference_longer_than_camt_allows_is_refused_by_the_writer() -> None:
    event = next(e for e in sandbox_events() if isinstance(e, TransactionPosted))
    long = replace(event, source=SourceRef("camt", "r" * 36))
    with pytest.raises(ValueError, match="35"):
        CamtPlatform().documents([long])


class NoState:
    """A sandbox state that fails the test if the camt platform ever touches it."""

    currency = "USD"

    def customer(self, customer_id: str) -> SimCustomer | None:
        raise AssertionError("camt has no customer master")

    def balance(self, account_id: str) -> Decimal:
        raise AssertionError("camt has no balance API")

    def record_write_back(self, *, key: str, kind: str, customer_id: str, body: object) -> bool:
        raise AssertionError("camt has no write-back API")


@pytest.mark.parametrize("path", ["/customers/cust_000001", "/balances", "/write-back", "/"])
def test_camt_has_no_api_so_every_call_answers_404_as_a_problem(path: str) -> None:
    status, body = CamtPlatform().answer("GET", path, None, NoState())
    assert status == 404
    assert body["status"] == 404
    assert body["title"] == "Not Found"
    assert body["instance"] == path
