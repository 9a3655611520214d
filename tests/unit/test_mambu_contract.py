"""Contract: what the Mambu sandbox answers and what pointflow sends validate against Mambu's own Swagger 2.0
definitions (the fixtures), with objects closed to fields the vendor does not define."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from jsonschema import Draft4Validator

from pointflow.adapters.connectors.generic import GenericConnector
from pointflow.adapters.connectors.mambu import MambuConnector, MambuCoreApi
from pointflow.domain.core import WriteBack, WriteBackKind
from pointflow.domain.events import CanonicalEvent, SourceRef
from pointflow.service_layer.ports import DecodeLimits
from pointflow.sim.bank import customers, generate
from pointflow.sim.platforms.mambu import MambuSandbox
from pointflow.sim.platforms.mambu.records import account_record, client_record
from tests.shared import COREBANKING
from tests.unit import swagger

MAMBU = COREBANKING / "mambu"
TRANSACTIONS = MAMBU / "mambu_api_v2_deposit_transactions.swagger.json"
CLIENTS = MAMBU / "mambu_api_v2_clients.swagger.json"
ACCOUNTS = MAMBU / "mambu_api_v2_deposit_accounts.swagger.json"
LIMITS = DecodeLimits(Decimal("1000000"), 24)


def now() -> datetime:
    return datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def events() -> list[CanonicalEvent]:
    generic = GenericConnector()
    raw = generate(customers=12, months=2, start=date(2024, 1, 1), seed=18)  # every type and reversal kind
    decoded = (generic.decode(e, limits=LIMITS, now=now) for e in raw)
    return [replace(e, source=SourceRef("mambu", e.source.id)) for e in decoded]


class State:
    currency = "EUR"

    def __init__(self) -> None:
        self.people = {c.customer_id: c for c in customers(2, seed=21)}

    def customer(self, customer_id: str) -> Any:
        return self.people.get(customer_id)

    def balance(self, account_id: str) -> Decimal:
        return Decimal("-15.20")

    def record_write_back(self, *, key: str, kind: str, customer_id: str, body: Any) -> bool:
        return True


def one_of_each_shape(transactions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One transaction per type, channel and set of parts: validating a thousand alike adds nothing."""
    shapes: dict[tuple[Any, ...], dict[str, Any]] = {}
    for transaction in transactions:
        channel = transaction.get("transactionDetails", {}).get("transactionChannelId")
        shape = (
            transaction["type"],
            channel,
            *sorted(transaction),
            *sorted(transaction.get("cardTransaction", {})),
        )
        shapes.setdefault(shape, transaction)
    return list(shapes.values())


def assert_valid(validator: Draft4Validator, instance: Any) -> None:
    assert swagger.errors(validator, instance) == []


def test_the_validator_sees_what_the_vendor_forbids() -> None:
    # Without this, a validator that accepts everything would pass every contract test below.
    transaction = swagger.validator(TRANSACTIONS, "DepositTransaction", closed=True)
    assert swagger.errors(transaction, {"type": "DEPOSIT", "amount": 5}) == []
    assert swagger.errors(transaction, {"type": "PURCHASE"})
    assert swagger.errors(transaction, {"amount": "5.00"})
    assert swagger.errors(transaction, {"bookingDate": "2016-09-06T13:37:50"})
    assert swagger.errors(transaction, {"cardTransaction": {"amount": 1, "advice": False}})
    assert swagger.errors(
        transaction,
        {
            "cardTransaction": {
                "externalReferenceId": "x",
                "amount": 1,
                "advice": False,
                "cardAcceptor": {"mcc": "5812"},
            }
        },
    )
    assert swagger.errors(transaction, {"transactionId": "x"})
    assert swagger.errors(swagger.validator(CLIENTS, "Client"), {"firstName": "A"})


def test_sandbox_deposit_transactions_are_mambu_deposit_transactions(events: list[CanonicalEvent]) -> None:
    # accountHolderId: the one field pointflow's feed adds to a Mambu transaction (docs/connectors/mambu.md).
    validator = swagger.validator(TRANSACTIONS, "DepositTransaction", closed=True, extra={"accountHolderId"})
    transactions = one_of_each_shape(MambuSandbox().transactions(events))
    assert {t["type"] for t in transactions} >= {
        "DEPOSIT",
        "WITHDRAWAL",
        "TRANSFER",
        "FEE_APPLIED",
        "INTEREST_APPLIED",
        "WITHDRAWAL_ADJUSTMENT",
        "CARD_TRANSACTION_REVERSAL",
    }
    for transaction in transactions:
        assert_valid(validator, transaction)


def test_decoding_what_validates_gives_the_events_back(events: list[CanonicalEvent]) -> None:
    connector = MambuConnector()
    sandbox = MambuSandbox()
    card_events = [e for e in events if getattr(e, "mcc", None) and e.channel.value.startswith("card")]
    for event, transaction in zip(card_events, sandbox.transactions(card_events), strict=True):
        assert connector.decode(transaction, limits=LIMITS, now=now) == event


def test_sandbox_clients_are_mambu_clients_with_custom_field_sets() -> None:
    state = State()
    sandbox = MambuSandbox()
    api = MambuCoreApi()
    flag = api.write_back_request(
        WriteBack(WriteBackKind.FLAG, "k", "cust_000001", values={"priority_offer": "TRUE"})
    )
    sandbox.answer(flag.method, flag.path, flag.json, state, headers=flag.headers)
    status, body = sandbox.answer("GET", "/api/clients/cust_000001?detailsLevel=FULL", None, state)
    assert status == 200
    assert body["_loyalty"] == {"priority_offer": "TRUE"}
    assert_valid(swagger.validator(CLIENTS, "Client", closed=True, custom_fields=True), body)
    assert_valid(
        swagger.validator(CLIENTS, "Client", closed=True), client_record(state.people["cust_000002"], {})
    )


def test_sandbox_accounts_are_mambu_deposit_accounts() -> None:
    state = State()
    person = state.people["cust_000001"]
    assert_valid(swagger.validator(ACCOUNTS, "DepositAccount", closed=True), account_record(person, state))
    status, body = MambuSandbox().answer("GET", "/api/deposits?accountHolderId=cust_000001", None, state)
    assert status == 200
    assert_valid(swagger.response_validator(ACCOUNTS, "/deposits", "get"), body)


def test_sandbox_errors_are_mambu_error_responses() -> None:
    status, body = MambuSandbox().answer("GET", "/api/clients/nobody", None, State())
    assert status == 404
    assert_valid(swagger.validator(CLIENTS, "ErrorResponse", closed=True), body)


def test_flag_and_offer_write_backs_are_mambu_patch_operations() -> None:
    # The generated swagger types PatchOperation.value as "object", yet Mambu's custom field values are
    # strings ("TRUE"/"FALSE" for a checkbox, per the vendor's custom field docs); the value is left open.
    value_any = swagger.load(CLIENTS)["definitions"]["PatchOperation"]
    relaxed = {
        **value_any,
        "properties": {**value_any["properties"], "value": {}},
        "additionalProperties": False,
    }
    validator = swagger.validator(CLIENTS, "PatchOperationsList", overrides={"PatchOperation": relaxed})
    api = MambuCoreApi()
    for kind in (WriteBackKind.FLAG, WriteBackKind.OFFER, WriteBackKind.POINTS_CREDITED):
        call = api.write_back_request(WriteBack(kind, "k", "CL-1", values={"a": "TRUE", "b": ""}))
        assert_valid(validator, call.json)
    assert swagger.errors(validator, [{"op": "PUT", "path": "/_l/a"}])


def test_a_cashback_write_back_is_a_mambu_deposit_input_and_is_answered_with_a_deposit_transaction() -> None:
    api = MambuCoreApi()
    call = api.write_back_request(
        WriteBack(WriteBackKind.POINTS_CREDITED, "k", "cust_000001", "acc_000001", {"amount": "5.00"})
    )
    assert_valid(swagger.validator(TRANSACTIONS, "DepositTransactionInput", closed=True), call.json)
    status, body = MambuSandbox().answer(call.method, call.path, call.json, State(), headers=call.headers)
    assert status == 201
    assert_valid(swagger.validator(TRANSACTIONS, "DepositTransaction", closed=True), body)
