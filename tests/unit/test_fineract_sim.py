"""The sandbox bank as Fineract: its MessageV1 documents decode back to the events, and its API answers like
the documented REST responses and applies each write-back once."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from pointflow.adapters.connectors.fineract import FineractApi, FineractConnector, load_schemas
from pointflow.adapters.connectors.generic import GenericConnector
from pointflow.domain.core import WriteBack, WriteBackKind
from pointflow.domain.events import (
    CanonicalEvent,
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
from pointflow.sim.bank import SimCustomer, customers, generate
from pointflow.sim.platforms import SandboxPlatform
from pointflow.sim.platforms.fineract import FineractSandbox
from tests.shared import COREBANKING

AVRO = COREBANKING / "fineract" / "avro"
REST = COREBANKING / "fineract" / "rest"
CONNECTOR = FineractConnector(load_schemas(AVRO))
API = FineractApi()
LIMITS = DecodeLimits(Decimal("1000000"), 24)
NOW = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass
class State:
    """A hand-written SandboxState: sandbox customers, balances, and the write-backs applied."""

    people: list[SimCustomer]
    currency: str = "USD"
    applied: dict[str, Any] = field(default_factory=dict)

    def customer(self, customer_id: str) -> SimCustomer | None:
        return next((c for c in self.people if c.customer_id == customer_id), None)

    def balance(self, account_id: str) -> Decimal:
        return Decimal("1234.56")

    def record_write_back(self, *, key: str, kind: str, customer_id: str, body: Any) -> bool:
        if key in self.applied:
            return False
        self.applied[key] = (kind, customer_id, body)
        return True


@pytest.fixture
def sandbox() -> FineractSandbox:
    return FineractSandbox(AVRO)


@pytest.fixture
def state() -> State:
    return State(customers(3, seed=5))


def read_back(documents: list[bytes]) -> list[CanonicalEvent]:
    events = []
    for document in documents:
        (item,) = CONNECTOR.split(document)
        assert CONNECTOR.split(item.raw.encode()) == [item]
        events.append(CONNECTOR.decode(item.payload, limits=LIMITS, now=lambda: NOW))
    return events


def sim_events(count: int) -> list[CanonicalEvent]:
    generic = GenericConnector()
    raw = list(generate(customers=3, months=2, start=date(2024, 1, 1), seed=5))[:count]
    return [generic.decode(e, limits=LIMITS, now=lambda: NOW) for e in raw]


def test_the_sandbox_is_a_sandbox_platform(sandbox: FineractSandbox) -> None:
    platform: SandboxPlatform = sandbox
    assert platform.name == CONNECTOR.name


def test_events_in_fineracts_vocabulary_come_back_unchanged(sandbox: FineractSandbox) -> None:
    booked = datetime(2024, 3, 1, 12, 30, 15, 250000, tzinfo=UTC)
    events: list[CanonicalEvent] = [
        TransactionPosted(
            source=SourceRef("fineract", "savings:5"),
            customer_id="savingsaccount:2",
            account_id="savingsaccount:2",
            money=Money(Decimal("42.10"), "USD"),
            direction=Direction.DEBIT,
            transaction_type=TransactionType.PURCHASE,
            booked_at=booked,
            value_date=date(2024, 3, 1),
            description="Burger Barn",
            extra={"idempotency_key": "k-5", "payment_type": "purchase"},
        ),
        TransactionReversed(
            source=SourceRef("fineract", "savings:6"),
            original_source_id="savings:5",
            customer_id="savingsaccount:2",
            money=Money(Decimal("42.10"), "USD"),
            kind=ReversalKind.REVERSAL,
            booked_at=booked,
            value_date=date(2024, 3, 2),
        ),
    ]
    assert read_back(sandbox.documents(events)) == events


def test_sandbox_bank_events_come_back_as_their_native_view(sandbox: FineractSandbox) -> None:
    events = sim_events(60)
    back = read_back(sandbox.documents(events))
    assert back == [sandbox.native_view(e) for e in events]
    for original, seen in zip(events, back, strict=True):
        assert seen.money == original.money
        assert seen.booked_at == original.booked_at
        assert seen.value_date == original.value_date
        if isinstance(original, TransactionPosted):
            assert isinstance(seen, TransactionPosted)
            assert (seen.direction, seen.transaction_type) == (original.direction, original.transaction_type)
            assert (seen.mcc, seen.channel) == (None, Channel.OTHER)


def test_a_sandbox_reversal_points_at_its_original(sandbox: FineractSandbox) -> None:
    original = sim_events(1)[0]
    assert isinstance(original, TransactionPosted)
    refund = TransactionReversed(
        source=SourceRef("generic", "rev_000000099"),
        original_source_id=original.source.id,
        customer_id=original.customer_id,
        money=Money(Decimal("1.00"), "USD"),
        kind=ReversalKind.REFUND,
        booked_at=original.booked_at,
        value_date=original.value_date,
    )
    posted, reversed_ = read_back(sandbox.documents([original, refund]))
    assert isinstance(reversed_, TransactionReversed)
    assert reversed_.original_source_id == posted.source.id
    assert reversed_.customer_id == posted.customer_id


def top_level_keys(name: str) -> set[str]:
    return set(json.loads((REST / name).read_text(encoding="utf-8")))


def test_get_client_answers_like_the_documented_response(sandbox: FineractSandbox, state: State) -> None:
    person = state.people[1]
    call = API.customer_request("client:2")
    status, body = sandbox.answer(call.method, call.path, None, state)
    assert status == 200
    assert top_level_keys("GET_clients_id.response.json") <= set(body)
    master = API.parse_customer(body)
    assert master.pii["display_name"] == person.full_name
    assert master.pii["email"] == person.email


def test_get_savings_account_answers_with_the_balance(sandbox: FineractSandbox, state: State) -> None:
    call = API.balances_request("savingsaccount:1")
    status, body = sandbox.answer(call.method, call.path, None, state)
    assert status == 200
    assert top_level_keys("GET_savingsaccounts_id.response.json") <= set(body)
    (balance,) = API.parse_balances(body)
    assert balance.balance == Money(state.balance(state.people[0].account_id), "USD")
    assert API.parse_customer(body).pii["client_name"] == state.people[0].full_name


def test_an_unknown_client_or_path_answers_404_in_fineracts_error_shape(
    sandbox: FineractSandbox, state: State
) -> None:
    for path in ("/clients/99", "/savingsaccounts/99", "/loans/1"):
        status, body = sandbox.answer("GET", path, None, state)
        assert status == 404
        assert body["httpStatusCode"] == "404"
        assert body["errors"][0]["userMessageGlobalisationCode"]


def test_a_note_write_back_is_applied_once(sandbox: FineractSandbox, state: State) -> None:
    message = WriteBack(WriteBackKind.POINTS_CREDITED, "wb-77", "client:3", values={"points": "120"})
    call = API.write_back_request(message)
    first = sandbox.answer(call.method, call.path, call.json, state)
    second = sandbox.answer(call.method, call.path, call.json, state)
    assert first[0] == 200
    assert second == first
    assert list(state.applied) == ["wb-77"]
    assert state.applied["wb-77"][:2] == ("points_credited", state.people[2].customer_id)


def test_a_note_on_a_savings_account_reaches_its_customer(sandbox: FineractSandbox, state: State) -> None:
    call = API.write_back_request(WriteBack(WriteBackKind.OFFER, "offer-1", "savingsaccount:1"))
    assert sandbox.answer(call.method, call.path, call.json, state)[0] == 200
    assert state.applied["offer-1"][1] == state.people[0].customer_id


@pytest.mark.parametrize("body", [None, {}, {"note": "   "}, {"note": 7}, {"note": "x" * 1001}])
def test_a_bad_note_answers_400_and_changes_nothing(
    sandbox: FineractSandbox, state: State, body: Any
) -> None:
    status, answer = sandbox.answer("POST", "/clients/1/notes", body, state)
    assert status == 400
    assert answer["errors"][0]["parameterName"] == "note"
    assert state.applied == {}
