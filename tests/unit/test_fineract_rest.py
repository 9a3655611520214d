"""Fineract's REST API: the documented responses parse into CustomerMaster, AccountBalance and canonical
events; enrichment and write-back requests are built without I/O."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from pointflow.adapters.connectors.fineract import FineractApi, FineractConnector
from pointflow.adapters.connectors.fineract.rest import NOTE_MARK
from pointflow.domain.core import WriteBack, WriteBackKind
from pointflow.domain.errors import InvalidEvent
from pointflow.domain.events import ReversalKind, TransactionReversed
from pointflow.domain.money import Money
from pointflow.service_layer.ports import CoreApi, DecodeLimits, HttpCall
from tests.shared import COREBANKING

REST = COREBANKING / "fineract" / "rest"
API = FineractApi()
LIMITS = DecodeLimits(Decimal("1000000"), 24)
NOW = datetime(2024, 5, 16, 9, 0, tzinfo=UTC)


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((REST / name).read_text(encoding="utf-8"), parse_float=Decimal)
    return loaded


def as_date(parts: list[int]) -> date:
    return date(parts[0], parts[1], parts[2])


def test_the_api_satisfies_the_core_api_port() -> None:
    api: CoreApi = API
    assert api.name == "fineract"


def test_get_client_parses_into_a_customer_master_with_names_only_in_pii() -> None:
    body = fixture("GET_clients_id.response.json")
    master = API.parse_customer(body)
    assert master.customer_id == f"client:{body['id']}"
    assert master.status == body["status"]["code"].rsplit(".", 1)[-1]
    assert master.branch == body["officeName"]
    assert master.joined_on == as_date(body["activationDate"])
    assert master.attributes["office_id"] == str(body["officeId"])
    assert master.attributes["savings_product"] == body["savingsProductName"]
    assert master.pii["first_name"] == body["firstname"]
    assert master.pii["last_name"] == body["lastname"]
    assert master.pii["display_name"] == body["displayName"]
    assert master.pii["account_no"] == body["accountNo"]
    visible = {master.status, master.segment, master.branch, *master.attributes.values()}
    for secret in (body["firstname"], body["lastname"], body["displayName"], body["accountNo"]):
        assert secret not in visible


def test_get_savings_account_parses_the_summary_balances() -> None:
    body = fixture("GET_savingsaccounts_id.response.json")
    (balance,) = API.parse_balances(body)
    code = body["summary"]["currency"]["code"]
    assert balance.account_id == f"savingsaccount:{body['id']}"
    assert balance.balance == Money(Decimal(body["summary"]["accountBalance"]), code)
    assert balance.available == Money(Decimal(body["summary"]["availableBalance"]), code)
    assert balance.product == body["savingsProductName"]


def test_a_savings_account_answers_for_the_customer_it_stands_in_for() -> None:
    body = fixture("GET_savingsaccounts_id.response.json")
    master = API.parse_customer(body)
    assert master.customer_id == f"savingsaccount:{body['id']}"
    assert master.pii["client_id"] == f"client:{body['clientId']}"
    assert master.pii["client_name"] == body["clientName"]
    assert master.status == body["status"]["code"].rsplit(".", 1)[-1]
    assert master.joined_on == as_date(body["timeline"]["submittedOnDate"])
    assert body["clientName"] not in master.attributes.values()


def test_a_client_accounts_answer_lists_each_savings_balance() -> None:
    account = fixture("GET_savingsaccounts_id.response.json")
    body = {
        "savingsAccounts": [
            {"id": 1, "productName": "Passbook", "currency": account["currency"], "accountBalance": 12.5},
            {"id": 2, "productName": "Goal", "currency": account["currency"]},
        ]
    }
    first, second = API.parse_balances(body)
    assert first.balance == Money(Decimal("12.5"), "USD")
    assert second.balance == Money(Decimal(0), "USD")
    assert second.account_id == "savingsaccount:2"


def test_the_rest_savings_transaction_with_array_dates_decodes() -> None:
    body = fixture("GET_savingsaccounts_id_transactions_id.response.json")
    connector = FineractConnector()
    (item,) = connector.split(json.dumps(body, default=str).encode())
    event = connector.decode(item.payload, limits=LIMITS, now=lambda: NOW)
    assert body["reversed"] is True
    assert isinstance(event, TransactionReversed)
    assert event.original_source_id == f"savings:{body['id']}"
    assert event.source.id == f"savings:{body['id']}:reversal"
    assert event.customer_id == f"savingsaccount:{body['accountId']}"
    assert event.money == Money(Decimal(body["amount"]), body["currency"]["code"])
    assert event.value_date == as_date(body["date"])
    assert event.booked_at == datetime.combine(as_date(body["date"]), datetime.min.time(), tzinfo=UTC)
    assert event.kind is ReversalKind.REVERSAL


@pytest.mark.parametrize(
    ("customer", "path"),
    [
        ("client:27", "/clients/27"),
        ("savingsaccount:1", "/savingsaccounts/1"),
        ("loanaccount:9", "/loans/9"),
    ],
)
def test_customer_requests_read_the_record_behind_the_id(customer: str, path: str) -> None:
    assert API.customer_request(customer) == HttpCall("GET", path)


def test_balances_are_read_per_account_or_for_all_of_a_clients_accounts() -> None:
    assert API.balances_request("savingsaccount:1") == HttpCall("GET", "/savingsaccounts/1")
    assert API.balances_request("client:27") == HttpCall("GET", "/clients/27/accounts")


def test_an_id_that_is_not_fineracts_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="not a Fineract customer id"):
        API.customer_request("cust_000001")


def test_a_loan_balance_is_what_the_client_owes() -> None:
    body = {"id": 9, "loanProductId": 2, "loanProductName": "BNPL", "summary": {"currency": {"code": "USD"}}}
    body["summary"]["totalOutstanding"] = Decimal("80.00")
    (balance,) = API.parse_balances(body)
    assert balance == balance.__class__("loanaccount:9", Money(Decimal("-80.00"), "USD"), None, "BNPL")


def test_credited_points_are_written_back_as_a_client_note_carrying_the_key() -> None:
    message = WriteBack(WriteBackKind.POINTS_CREDITED, "wb-1f2e", "client:27", values={"points": "300"})
    call = API.write_back_request(message)
    assert (call.method, call.path) == ("POST", "/clients/27/notes")
    assert call.headers == {"Idempotency-Key": "wb-1f2e"}
    match = NOTE_MARK.match(call.json["note"])
    assert match is not None
    assert match.groups() == ("points_credited", "wb-1f2e")
    assert "points=300" in call.json["note"]


def test_an_offer_for_an_account_customer_is_noted_on_the_savings_account() -> None:
    message = WriteBack(WriteBackKind.OFFER, "offer:7", "savingsaccount:1", account_id="savingsaccount:1")
    call = API.write_back_request(message)
    assert call.path == "/savings/1/notes"
    assert call.json["note"].startswith("[pointflow:offer:offer:7] account=savingsaccount:1")


def test_a_note_never_exceeds_fineracts_column() -> None:
    message = WriteBack(WriteBackKind.OFFER, "k", "client:1", values={"text": "x" * 5000})
    assert len(API.write_back_request(message).json["note"]) == 1000


def test_a_key_that_cannot_be_recognised_in_a_note_is_refused() -> None:
    with pytest.raises(ValueError, match="write-back key"):
        API.write_back_request(WriteBack(WriteBackKind.FLAG, "two words", "client:1"))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param([], "<body>", id="not an object"),
        pytest.param({"id": "x"}, "id", id="bad client id"),
        pytest.param({"id": 1, "activationDate": [2013, 13, 1]}, "activationDate", id="bad date"),
        pytest.param({"id": 1, "status": "active"}, "status", id="status not an object"),
    ],
)
def test_a_bad_client_answer_names_the_field(body: Any, field: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        API.parse_customer(body)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"id": 1}, "summary", id="no summary"),
        pytest.param(
            {"id": 1, "summary": {"currency": {"code": "XYZ"}}}, "summary.currency.code", id="currency"
        ),
        pytest.param(
            {"id": 1, "summary": {"currency": {"code": "USD"}, "accountBalance": "lots"}},
            "summary.accountBalance",
            id="balance not a number",
        ),
    ],
)
def test_a_bad_balance_answer_names_the_field(body: Any, field: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        API.parse_balances(body)
    assert caught.value.field == field
