"""Mambu as a CoreApi: requests for the client and its deposit accounts, parsers that keep personal data in
`pii`, and write-backs that carry the WriteBack key as Mambu's Idempotency-Key."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from pointflow.adapters.connectors.mambu import MambuCoreApi
from pointflow.domain.core import AccountBalance, WriteBack, WriteBackKind
from pointflow.domain.errors import InvalidEvent
from pointflow.domain.money import Money

API = MambuCoreApi(pii_custom_fields={"_kyc.mothers_name"})


def client(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "encodedKey": "8a80866e7b",
        "id": "CL-1001",
        "state": "ACTIVE",
        "firstName": "Alex",
        "middleName": "Morgan",
        "lastName": "Taylor",
        "emailAddress": "alex@example.com",
        "mobilePhone": "+49 151 000000",
        "homePhone": "+49 30 000000",
        "gender": "FEMALE",
        "preferredLanguage": "GERMAN",
        "birthDate": "1988-12-09",
        "activationDate": "2019-03-01T10:00:00+01:00",
        "creationDate": "2019-02-27T10:00:00+01:00",
        "assignedBranchKey": "8a-branch",
        "loanCycle": 2,
        "addresses": [{"line1": "Hauptstr. 1", "city": "Berlin", "country": "DE", "indexInList": 0}],
        "idDocuments": [{"documentType": "Passport", "documentId": "C01X00T47"}],
        "_loyalty": {"priority_offer": "TRUE", "segment": "gold"},
        "_kyc": {"risk": "LOW", "mothers_name": "Smith"},
        "_household": [{"_index": "0", "members": "3"}, {"_index": "1", "members": "1"}],
    }
    return {**payload, **changes}


def test_the_customer_request_asks_for_the_full_client() -> None:
    call = API.customer_request("CL 1001/x")
    assert (call.method, call.path, call.params) == (
        "GET",
        "/api/clients/CL%201001%2Fx",
        {"detailsLevel": "FULL"},
    )
    assert call.headers == {"Accept": "application/vnd.mambu.v2+json"}


def test_a_client_becomes_a_customer_master_with_personal_data_only_in_pii() -> None:
    master = API.parse_customer(client())
    assert (master.customer_id, master.status, master.branch) == ("CL-1001", "ACTIVE", "8a-branch")
    assert (master.joined_on, master.birth_year) == (date(2019, 3, 1), 1988)
    assert master.attributes == {
        "gender": "FEMALE",
        "preferred_language": "GERMAN",
        "loan_cycle": "2",
        "_loyalty.priority_offer": "TRUE",
        "_loyalty.segment": "gold",
        "_kyc.risk": "LOW",
        "_household[0].members": "3",
        "_household[1].members": "1",
    }
    assert master.pii == {
        "first_name": "Alex",
        "middle_name": "Morgan",
        "last_name": "Taylor",
        "email": "alex@example.com",
        "mobile_phone": "+49 151 000000",
        "home_phone": "+49 30 000000",
        "address[0].line1": "Hauptstr. 1",
        "address[0].city": "Berlin",
        "address[0].country": "DE",
        "id_document[0].type": "Passport",
        "id_document[0].id": "C01X00T47",
        "_kyc.mothers_name": "Smith",
    }
    personal = {"Alex", "Taylor", "alex@example.com", "+49 151 000000", "Smith", "C01X00T47"}
    assert not personal & set(master.attributes.values())


def test_a_client_never_activated_joined_when_it_was_created() -> None:
    master = API.parse_customer(client(activationDate="", birthDate=None))
    assert (master.joined_on, master.birth_year) == (date(2019, 2, 27), None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ([client()], "<body>"),
        ({"firstName": "Alex"}, "id"),
        (client(id="CL 1"), "id"),
        (client(birthDate="09.12.1988"), "birthDate"),
        (client(state=["ACTIVE"]), "state"),
    ],
)
def test_a_bad_client_body_is_refused_naming_the_field(body: Any, field: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        API.parse_customer(body)
    assert caught.value.field == field


def account(**changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "encodedKey": "8a-acc-1",
        "id": "ABC123",
        "accountType": "CURRENT_ACCOUNT",
        "currencyCode": "EUR",
        "balances": {"totalBalance": Decimal("-12.30"), "availableBalance": Decimal("487.70")},
    }
    return {**payload, **changes}


def test_the_balances_request_lists_the_clients_deposit_accounts() -> None:
    call = API.balances_request("CL-1001")
    assert (call.method, call.path) == ("GET", "/api/deposits")
    assert call.params == {"accountHolderId": "CL-1001", "accountHolderType": "CLIENT", "limit": "1000"}
    assert API.account_request("8a-acc-1").path == "/api/deposits/8a-acc-1"


def test_deposit_accounts_become_balances_keyed_like_transactions_parent_account_key() -> None:
    expected = AccountBalance(
        account_id="8a-acc-1",
        balance=Money(Decimal("-12.30"), "EUR"),
        available=Money(Decimal("487.70"), "EUR"),
        product="CURRENT_ACCOUNT",
    )
    assert API.parse_balances([account()]) == [expected]
    assert API.parse_balances(account()) == [expected]
    assert API.parse_balances([]) == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("accounts", "<body>"),
        (["x"], "[0]"),
        ([account(currencyCode="XYZ")], "[0].currencyCode"),
        ([account(balances={})], "[0].balances"),
        ([account(balances={"totalBalance": True})], "[0].balances.totalBalance"),
        ([account(balances={"availableBalance": 1})], "[0].balances.totalBalance"),
        ([account(balances={"totalBalance": "1e3"})], "[0].balances.totalBalance"),
    ],
)
def test_a_bad_accounts_body_is_refused_naming_the_field(body: Any, field: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        API.parse_balances(body)
    assert caught.value.field == field


KEY = "3f2b8c1e-8d4a-4c2e-9b1a-0f6e5d4c3b2a"


def test_a_flag_patches_the_clients_loyalty_custom_fields_with_the_key_as_idempotency_key() -> None:
    message = WriteBack(WriteBackKind.FLAG, KEY, "CL-1001", values={"priority_offer": "TRUE", "old/flag": ""})
    call = API.write_back_request(message)
    assert (call.method, call.path) == ("PATCH", "/api/clients/CL-1001")
    assert call.json == [
        {"op": "REMOVE", "path": "/_loyalty/old~1flag"},
        {"op": "ADD", "path": "/_loyalty/priority_offer", "value": "TRUE"},
    ]
    assert call.headers is not None
    assert call.headers["Idempotency-Key"] == KEY
    assert call.headers["Content-Type"] == "application/json"


def test_a_key_that_is_not_a_uuid_becomes_the_same_uuid_every_time() -> None:
    first = API.write_back_request(
        WriteBack(WriteBackKind.OFFER, "offer:42:CL-1", "CL-1", values={"offer": "x"})
    )
    again = API.write_back_request(
        WriteBack(WriteBackKind.OFFER, "offer:42:CL-1", "CL-1", values={"offer": "y"})
    )
    other = API.write_back_request(
        WriteBack(WriteBackKind.OFFER, "offer:43:CL-1", "CL-1", values={"offer": "x"})
    )
    assert first.headers is not None
    assert again.headers is not None
    assert other.headers is not None
    assert uuid.UUID(first.headers["Idempotency-Key"])
    assert first.headers["Idempotency-Key"] == again.headers["Idempotency-Key"]
    assert first.headers["Idempotency-Key"] != other.headers["Idempotency-Key"]


def test_points_credited_are_written_to_the_client_record() -> None:
    message = WriteBack(WriteBackKind.POINTS_CREDITED, KEY, "CL-1", "8a-acc-1", {"points_balance": "1250"})
    call = API.write_back_request(message)
    assert (call.method, call.json) == (
        "PATCH",
        [{"op": "ADD", "path": "/_loyalty/points_balance", "value": "1250"}],
    )


def test_cashback_is_a_deposit_transaction_named_by_the_key() -> None:
    message = WriteBack(WriteBackKind.POINTS_CREDITED, KEY, "CL-1", "8a-acc-1", {"amount": "5.00"})
    call = API.write_back_request(message)
    assert (call.method, call.path) == ("POST", "/api/deposits/8a-acc-1/deposit-transactions")
    assert call.json == {
        "amount": Decimal("5.00"),
        "externalId": KEY,
        "notes": "Loyalty reward",
        "transactionDetails": {"transactionChannelId": "LOYALTY_REWARD"},
    }
    assert call.headers is not None
    assert call.headers["Idempotency-Key"] == KEY


@pytest.mark.parametrize(
    ("account_id", "amount"), [(None, "5.00"), ("8a-acc-1", "-5"), ("8a-acc-1", "five"), ("8a-acc-1", "NaN")]
)
def test_a_cashback_that_cannot_be_posted_is_refused(account_id: str | None, amount: str) -> None:
    with pytest.raises(ValueError, match="cashback"):
        API.write_back_request(
            WriteBack(WriteBackKind.POINTS_CREDITED, KEY, "CL-1", account_id, {"amount": amount})
        )
