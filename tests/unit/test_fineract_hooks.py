"""Fineract hook bodies (built by SynchronousCommandProcessingService.publishHookEvent): a savings deposit or
withdrawal is a posting, other commands are not transactions, an exception body is invalid."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from pointflow.adapters.connectors.fineract import FineractConnector
from pointflow.adapters.connectors.fineract.localized import request_amount, request_date
from pointflow.domain.errors import InvalidEvent, NotATransaction
from pointflow.domain.events import Direction, TransactionType
from pointflow.domain.money import Money
from pointflow.service_layer.ports import DecodeLimits
from tests.shared import COREBANKING

REST = COREBANKING / "fineract" / "rest"
CONNECTOR = FineractConnector(currency="USD")
LIMITS = DecodeLimits(Decimal("1000000"), 24)
NOW = datetime(2024, 5, 16, 9, 0, tzinfo=UTC)


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((REST / name).read_text(encoding="utf-8"), parse_float=Decimal)
    return loaded


DEPOSIT = fixture("POST_savingsaccounts_id_transactions_deposit.example.json")


def hook(entity: str = "SAVINGSACCOUNT", action: str = "DEPOSIT", **changes: Any) -> dict[str, Any]:
    """The body publishHookEvent builds around the documented deposit request and its result."""
    response = {k: v for k, v in DEPOSIT["response"].items() if k != "officeId"}  # moved to the top level
    body: dict[str, Any] = {
        "entityName": entity,
        "actionName": action,
        "createdBy": 1,
        "createdByName": "mifos",
        "createdByFullName": "App Administrator",
        "request": DEPOSIT["request"],
        "officeId": DEPOSIT["response"]["officeId"],
        "clientId": DEPOSIT["response"]["clientId"],
        "response": response,
        "timestamp": "2013-05-27T11:02:03.123Z",
    }
    return {**body, **changes}


def decode(payload: Any, connector: FineractConnector = CONNECTOR) -> Any:
    return connector.decode(payload, limits=LIMITS, now=lambda: NOW)


def test_a_savings_deposit_hook_is_a_posting_with_the_ids_of_the_response() -> None:
    request, response = DEPOSIT["request"], DEPOSIT["response"]
    (item,) = CONNECTOR.split(json.dumps(hook()).encode())
    assert CONNECTOR.split(item.raw.encode()) == [item]
    event = decode(item.payload)
    assert event.source.id == f"savings:{response['resourceId']}"
    assert event.account_id == f"savingsaccount:{response['savingsId']}"
    assert event.customer_id == f"client:{response['clientId']}"
    assert event.money == Money(Decimal(request["transactionAmount"]), "USD")
    assert event.value_date == datetime.strptime(request["transactionDate"], "%d %B %Y").date()
    assert (event.direction, event.transaction_type) == (Direction.CREDIT, TransactionType.DEPOSIT)
    assert event.booked_at == datetime(2013, 5, 27, 11, 2, 3, 123000, tzinfo=UTC)
    assert event.extra == {"payment_type_id": request["paymentTypeId"]}
    assert CONNECTOR.source_id(item.payload) == event.source.id


def test_a_withdrawal_hook_is_a_debit() -> None:
    event = decode(hook(action="WITHDRAWAL"))
    assert event.direction is Direction.DEBIT


def test_the_hooks_a_bank_registers_for_loans_are_not_transactions() -> None:
    registration = fixture("POST_hooks.request.json")
    for wanted in registration["events"]:
        with pytest.raises(NotATransaction):
            decode(hook(entity=wanted["entityName"], action=wanted["actionName"]))


def test_an_exception_hook_is_invalid_with_fineracts_message() -> None:
    failure = {"developerMessage": "Insufficient funds", "errorCode": 4001, "statusCode": 403}
    with pytest.raises(InvalidEvent) as caught:
        decode(hook(action="WITHDRAWAL", status="Exception", response=failure))
    assert caught.value.field == "status"
    assert "Insufficient funds" in caught.value.detail
    assert "403" in caught.value.detail


def test_a_hook_needs_the_tenant_currency_to_be_configured() -> None:
    with pytest.raises(InvalidEvent) as caught:
        decode(hook(), FineractConnector())
    assert caught.value.field == "currency"


def request(**changes: Any) -> dict[str, Any]:
    return hook(request={**DEPOSIT["request"], **changes})


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param(
            {"dateFormat": "yyyy-MM-dd", "transactionDate": "2013-05-27"}, date(2013, 5, 27), id="iso"
        ),
        pytest.param(
            {"dateFormat": "dd/MM/yyyy", "transactionDate": "03/02/2024"}, date(2024, 2, 3), id="numeric"
        ),
        pytest.param({"dateFormat": "d MMM yy", "transactionDate": "3 Feb 24"}, date(2024, 2, 3), id="short"),
        pytest.param(
            {"dateFormat": "dd MMMM yyyy", "transactionDate": "03 february 2024"}, date(2024, 2, 3), id="case"
        ),
        pytest.param(
            {"dateFormat": "yyyy'年'MM'月'dd", "transactionDate": "2024年02月03"},
            date(2024, 2, 3),
            id="quoted",
        ),
        pytest.param(
            {"dateFormat": None, "transactionDate": "2024-02-03"}, date(2024, 2, 3), id="no format: iso"
        ),
    ],
)
def test_the_transaction_date_is_read_with_the_requests_date_format(
    changes: dict[str, Any], expected: date
) -> None:
    assert decode(request(**changes)).value_date == expected


@pytest.mark.parametrize(
    ("amount", "locale", "expected"),
    [
        pytest.param("1,234.50", "en", Decimal("1234.50"), id="en grouping"),
        pytest.param("1.234,50", "de", Decimal("1234.50"), id="de decimal comma"),
        pytest.param("1 234,50", "fr_FR", Decimal("1234.50"), id="fr space grouping"),
        pytest.param(Decimal("500.0"), "en", Decimal("500.00"), id="a number through Gson"),
    ],
)
def test_the_amount_is_read_in_the_requests_locale(amount: Any, locale: str, expected: Decimal) -> None:
    assert decode(request(transactionAmount=amount, locale=locale)).money.amount == expected


BAD: list[Any] = [
    pytest.param(request(transactionAmount="abc"), "request.transactionAmount", id="amount not a number"),
    pytest.param(request(transactionAmount="0"), "request.transactionAmount", id="zero amount"),
    pytest.param(request(transactionAmount=None), "request.transactionAmount", id="no amount"),
    pytest.param(
        request(transactionDate="27 Mai 2013", locale="de"), "request.transactionDate", id="german month"
    ),
    pytest.param(
        request(transactionDate="2013-05-27"), "request.transactionDate", id="does not match format"
    ),
    pytest.param(
        request(transactionDate="31 February 2013"), "request.transactionDate", id="impossible date"
    ),
    pytest.param(request(transactionDate=None), "request.transactionDate", id="no date"),
    pytest.param(
        request(dateFormat="EEE dd MMMM yyyy"), "request.dateFormat", id="unsupported pattern letter"
    ),
    pytest.param(request(dateFormat="dd MMMM"), "request.dateFormat", id="pattern without a year"),
    pytest.param(hook(response={"savingsId": 1}), "response.resourceId", id="no transaction id"),
    pytest.param(hook(response={"resourceId": 47}), "response.savingsId", id="no account id"),
    pytest.param(
        hook(clientId=None, response={"resourceId": 47, "savingsId": 1}), "response.clientId", id="no client"
    ),
    pytest.param(hook(request=None), "request", id="no request"),
    pytest.param(hook(timestamp="2013-05-27T11:02:03"), "timestamp", id="timestamp without zone"),
    pytest.param(hook(entityName=None), "entityName", id="no entity"),
]


@pytest.mark.parametrize(("payload", "field"), BAD)
def test_bad_hooks_are_refused_naming_the_field(payload: Any, field: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        decode(payload)
    assert caught.value.field == field


def test_a_client_id_that_gson_wrote_as_a_whole_float_is_read() -> None:
    assert decode(hook(clientId=Decimal("2.0"))).customer_id == "client:2"


def test_request_amount_leaves_plain_text_alone() -> None:
    assert request_amount("500", None) == "500"


def test_request_date_names_the_field_it_was_given() -> None:
    with pytest.raises(InvalidEvent) as caught:
        request_date("x", "dd MM yyyy", "en", "submittedOnDate")
    assert caught.value.field == "submittedOnDate"
