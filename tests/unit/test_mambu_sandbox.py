"""The sandbox bank as a Mambu tenant: its documents decode back to the bank's events (less what Mambu has no
field for), and its API answers reads and write-backs as Mambu does, applying each Idempotency-Key once."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest

from pointflow.adapters.connectors.generic import GenericConnector
from pointflow.adapters.connectors.mambu import MambuConnector, MambuCoreApi
from pointflow.domain.core import WriteBack, WriteBackKind
from pointflow.domain.events import (
    CanonicalEvent,
    Channel,
    SourceRef,
    TransactionPosted,
    TransactionReversed,
    TransactionType,
)
from pointflow.service_layer.ports import DecodeLimits, HttpCall
from pointflow.sim.bank import SimCustomer, customers, generate
from pointflow.sim.platforms import SandboxPlatform
from pointflow.sim.platforms.mambu import MambuSandbox

LIMITS = DecodeLimits(Decimal("1000000"), 24)
CONNECTOR = MambuConnector()
API = MambuCoreApi()
CARD = frozenset({Channel.CARD_PRESENT, Channel.CARD_NOT_PRESENT, Channel.ATM})
TYPED_BY_CHANNEL = frozenset(
    {
        TransactionType.SALARY_CREDIT,
        TransactionType.INTERNATIONAL_PAYMENT,
        TransactionType.OWN_ACCOUNT_TRANSFER,
    }
)


def now() -> datetime:
    return datetime(2030, 1, 1, tzinfo=UTC)


def bank_events(customers: int = 12, months: int = 2) -> list[CanonicalEvent]:
    """The sandbox bank's events as if Mambu had posted them (the source system is the connector's name)."""
    generic = GenericConnector()
    raw = generate(
        customers=customers, months=months, start=date(2024, 1, 1), seed=18
    )  # a seed with chargebacks
    events = (generic.decode(e, limits=LIMITS, now=now) for e in raw)
    return [replace(e, source=SourceRef("mambu", e.source.id)) for e in events]


@pytest.fixture(scope="module")
def events() -> list[CanonicalEvent]:
    return bank_events()


def decoded(documents: list[bytes]) -> list[CanonicalEvent]:
    items = [item for document in documents for item in CONNECTOR.split(document)]
    assert all(item.parse_error is None for item in items)
    assert all(CONNECTOR.split(item.raw.encode()) == [item] for item in items)
    return [CONNECTOR.decode(item.payload, limits=LIMITS, now=now) for item in items]


def as_mambu_carries(event: CanonicalEvent) -> CanonicalEvent:
    """Mambu has merchant data only on card transactions, and one transaction channel for type or channel."""
    if isinstance(event, TransactionReversed):
        return event
    changes: dict[str, Any] = {}
    if event.channel not in CARD:
        changes.update(mcc=None, merchant_name=None, merchant_country=None)
    if event.transaction_type in TYPED_BY_CHANNEL:
        changes["channel"] = Channel.OTHER
    return replace(event, **changes)


def as_the_template_carries(event: CanonicalEvent) -> CanonicalEvent:
    """The recommended template has no transfer details, so a loan repayment reads as a transfer."""
    event = as_mambu_carries(event)
    if isinstance(event, TransactionPosted) and event.transaction_type is TransactionType.LOAN_REPAYMENT:
        return replace(event, transaction_type=TransactionType.TRANSFER)
    return event


def test_the_sandbox_is_a_sandbox_platform_for_the_mambu_connector() -> None:
    platform: SandboxPlatform = MambuSandbox()
    assert platform.name == CONNECTOR.name


def test_the_bank_has_every_kind_of_event_the_round_trip_should_cover(events: list[CanonicalEvent]) -> None:
    posted = [e for e in events if isinstance(e, TransactionPosted)]
    assert {e.transaction_type for e in posted} >= set(TransactionType) - {
        TransactionType.TRANSFER,
        TransactionType.OTHER,
    }
    assert {e.kind for e in events if isinstance(e, TransactionReversed)} == {
        "reversal",
        "refund",
        "chargeback",
    }


def test_api_pages_decode_back_to_the_banks_events(events: list[CanonicalEvent]) -> None:
    documents = MambuSandbox(page_size=40).documents(events)
    assert len(documents) > 1
    assert decoded(documents) == [as_mambu_carries(e) for e in events]


def test_card_events_and_reversals_come_back_unchanged(events: list[CanonicalEvent]) -> None:
    kept = [e for e in events if isinstance(e, TransactionReversed) or e.channel in CARD]
    assert len(kept) > 100
    assert decoded(MambuSandbox().documents(kept)) == kept


def test_webhook_bodies_decode_back_to_the_banks_events(events: list[CanonicalEvent]) -> None:
    assert decoded(MambuSandbox().webhook_bodies(events[:300])) == [
        as_the_template_carries(e) for e in events[:300]
    ]


def test_streaming_batches_decode_back_to_the_banks_events_with_their_stream_ids(
    events: list[CanonicalEvent],
) -> None:
    back = decoded([MambuSandbox().stream_batches(events[:300], batch_size=7)])
    posted = [e for e in back if isinstance(e, TransactionPosted)]
    assert all(
        e.extra["delivery.stream_event_type"].startswith("mrn.event.sandbox.streamingapi.") for e in posted
    )
    assert len({e.extra["delivery.stream_event_id"] for e in posted}) == len(posted)
    stripped = [replace(e, extra={}) if isinstance(e, TransactionPosted) else e for e in back]
    assert stripped == [as_the_template_carries(e) for e in events[:300]]


# --- the API ------------------------------------------------------------------------------------------


@dataclass
class State:
    people: dict[str, SimCustomer]
    currency: str = "USD"
    applied: dict[str, tuple[str, str, Any]] = field(default_factory=dict)

    def customer(self, customer_id: str) -> SimCustomer | None:
        return self.people.get(customer_id)

    def balance(self, account_id: str) -> Decimal:
        return Decimal("1234.56") if account_id == "acc_000001" else Decimal("0.00")

    def record_write_back(self, *, key: str, kind: str, customer_id: str, body: Any) -> bool:
        if key in self.applied:
            return False
        self.applied[key] = (kind, customer_id, body)
        return True


@pytest.fixture
def state() -> State:
    return State({c.customer_id: c for c in customers(3, seed=5)})


def send(sandbox: MambuSandbox, call: HttpCall, state: State) -> tuple[int, Any]:
    path = f"{call.path}?{urlencode(call.params)}" if call.params else call.path
    return sandbox.answer(call.method, path, call.json, state, headers=call.headers)


def test_the_client_answers_with_its_names_and_its_loyalty_fields(state: State) -> None:
    sandbox = MambuSandbox()
    status, body = send(sandbox, API.customer_request("cust_000001"), state)
    master = API.parse_customer(body)
    person = state.people["cust_000001"]
    assert status == 200
    assert master.customer_id == "cust_000001"
    assert master.pii["email"] == person.email
    assert f"{master.pii['first_name']} {master.pii['last_name']}" == person.full_name
    assert person.email not in master.attributes.values()


def test_balances_answer_the_clients_current_account(state: State) -> None:
    status, body = send(MambuSandbox(), API.balances_request("cust_000001"), state)
    [balance] = API.parse_balances(body)
    assert status == 200
    assert (balance.account_id, balance.balance.amount, balance.balance.currency) == (
        "acc_000001",
        Decimal("1234.56"),
        "USD",
    )
    assert send(MambuSandbox(), API.balances_request("cust_999999"), state) == (200, [])
    assert send(MambuSandbox(), API.account_request("acc_000001"), state)[0] == 200


def test_a_flag_is_applied_once_per_idempotency_key_and_shows_on_the_client(state: State) -> None:
    sandbox = MambuSandbox()
    flag = WriteBack(WriteBackKind.FLAG, "flag-1", "cust_000002", values={"priority_offer": "TRUE"})
    assert send(sandbox, API.write_back_request(flag), state) == (204, None)
    assert send(sandbox, API.write_back_request(flag), state) == (204, None)
    assert len(state.applied) == 1
    _, body = send(sandbox, API.customer_request("cust_000002"), state)
    assert body["_loyalty"] == {"priority_offer": "TRUE"}
    cleared = WriteBack(WriteBackKind.FLAG, "flag-2", "cust_000002", values={"priority_offer": ""})
    send(sandbox, API.write_back_request(cleared), state)
    assert "_loyalty" not in send(sandbox, API.customer_request("cust_000002"), state)[1]


def test_a_repeated_key_changes_nothing_even_if_the_body_differs(state: State) -> None:
    sandbox = MambuSandbox()
    first = WriteBack(WriteBackKind.OFFER, "offer-1", "cust_000001", values={"offer": "A"})
    send(sandbox, API.write_back_request(first), state)
    send(sandbox, API.write_back_request(replace(first, values={"offer": "B"})), state)
    assert send(sandbox, API.customer_request("cust_000001"), state)[1]["_loyalty"] == {"offer": "A"}


def test_a_cashback_deposit_replayed_answers_the_same_transaction(state: State) -> None:
    sandbox = MambuSandbox()
    message = WriteBack(
        WriteBackKind.POINTS_CREDITED, "cb-1", "cust_000001", "acc_000001", {"amount": "5.00"}
    )
    first = send(sandbox, API.write_back_request(message), state)
    assert first[0] == 201
    assert first[1]["amount"] == Decimal("5.00")
    assert send(sandbox, API.write_back_request(message), state) == first
    assert list(state.applied.values()) == [
        ("deposit_transaction", "cust_000001", API.write_back_request(message).json)
    ]


def test_without_headers_the_request_itself_is_the_key(state: State) -> None:
    sandbox = MambuSandbox()
    body = [{"op": "ADD", "path": "/_loyalty/tier", "value": "gold"}]
    for _ in range(2):
        assert sandbox.answer("PATCH", "/api/clients/cust_000003", body, state) == (204, None)
    assert len(state.applied) == 1


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "reason"),
    [
        ("GET", "/api/clients/cust_999999", None, 404, "INVALID_CLIENT_ID"),
        ("GET", "/api/deposits/acc_999999", None, 404, "INVALID_DEPOSIT_ACCOUNT_ID"),
        ("GET", "/api/loans/1", None, 404, "INVALID_API_OPERATION"),
        ("DELETE", "/api/clients/cust_000001", None, 404, "INVALID_API_OPERATION"),
        ("PATCH", "/api/clients/cust_999999", [], 404, "INVALID_CLIENT_ID"),
        ("PATCH", "/api/clients/cust_000001", {"op": "ADD"}, 400, "INVALID_PARAMETERS"),
        (
            "PATCH",
            "/api/clients/cust_000001",
            [{"op": "MOVE", "path": "/_l/a", "from": "/_l/b"}],
            400,
            "INVALID_PARAMETERS",
        ),
        (
            "PATCH",
            "/api/clients/cust_000001",
            [{"op": "ADD", "path": "/firstName", "value": "X"}],
            400,
            "INVALID_PARAMETERS",
        ),
        (
            "PATCH",
            "/api/clients/cust_000001",
            [{"op": "ADD", "path": "/_l/a", "value": ""}],
            400,
            "INVALID_PARAMETERS",
        ),
        ("POST", "/api/deposits/acc_000001/deposit-transactions", {"amount": -5}, 400, "INVALID_AMOUNT"),
        ("POST", "/api/deposits/acc_000001/deposit-transactions", {"amount": "5"}, 400, "INVALID_AMOUNT"),
        (
            "POST",
            "/api/deposits/acc_999999/deposit-transactions",
            {"amount": 5},
            404,
            "INVALID_DEPOSIT_ACCOUNT_ID",
        ),
    ],
)
def test_bad_calls_answer_mambu_errors_and_change_nothing(
    state: State, method: str, path: str, body: Any, status: int, reason: str
) -> None:
    answer = MambuSandbox().answer(method, path, body, state)
    assert answer[0] == status
    assert answer[1]["errors"][0]["errorReason"] == reason
    assert state.applied == {}


def test_documents_are_json_that_mambus_own_parser_would_read(events: list[CanonicalEvent]) -> None:
    [page] = MambuSandbox(page_size=1000).documents(events[:5])
    assert [t["encodedKey"] for t in json.loads(page)] == [e.source.id for e in events[:5]]
