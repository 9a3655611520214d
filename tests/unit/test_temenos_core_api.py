"""The Temenos CoreApi: requests follow the vendor's definitions, and the vendor's own bodies parse."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from pointflow.adapters.connectors.temenos import TemenosConfig, TemenosCoreApi
from pointflow.domain.core import WriteBack, WriteBackKind
from pointflow.domain.errors import InvalidEvent
from pointflow.domain.money import Money
from tests.shared import COREBANKING
from tests.unit.swagger_schema import errors, load, request_pointer, validator

TEMENOS = COREBANKING / "temenos"
PARTY = load(TEMENOS / "transact_202102_party-customerServices-v4.0.0.swagger.json")
HOLDINGS = load(TEMENOS / "transact_202102_holdings-accounts-service-v4.1.0.swagger.json")
CAMPAIGNS = load(TEMENOS / "infinity_R20.04_CampaignDesignerAPIs.swagger.json")
API = TemenosCoreApi()
OFFER = WriteBack(
    WriteBackKind.OFFER,
    key="offer:tok_91f2:2024-05:double-dining",
    customer_id="100100",
    values={"description": "Double points on dining this month", "expires_on": "2024-05-31"},
)


def parse_json(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


# --- the customer --------------------------------------------------------------------------------------


def vendor_customer_example() -> dict[str, Any]:
    """The CustomerResponse example Temenos ships in its own definition, read as a client would."""
    example: dict[str, Any] = parse_json(json.dumps(PARTY["definitions"]["CustomerResponse"]["example"]))
    return example


def test_the_customer_request_is_the_party_api_get() -> None:
    call = API.customer_request("100100")
    assert (call.method, call.path) == ("GET", "/api/v4.0.0/party/customers/100100")
    assert "/party/customers/{customerId}" in PARTY["paths"]
    assert PARTY["basePath"].rstrip("/") + "/party/customers/100100" == call.path


def test_a_customer_id_is_escaped_into_the_path() -> None:
    assert API.customer_request("GB/1 2").path == "/api/v4.0.0/party/customers/GB%2F1%202"


def test_the_vendors_customer_example_parses_field_by_field() -> None:
    example = vendor_customer_example()
    body = example["body"]
    master = API.parse_customer(example)
    assert master.customer_id == example["header"]["id"]
    assert master.status == str(body["customerStatus"])
    assert master.segment == str(body["target"])
    assert master.branch == body["customerCompany"]
    assert master.joined_on == date.fromisoformat(body["contactDate"])
    assert master.birth_year == date.fromisoformat(body["dateOfBirth"]).year
    assert master.attributes["sector"] == str(body["sectorId"])
    assert master.attributes["nationality"] == body["nationalityId"]
    assert master.attributes["residence"] == body["residenceId"]
    assert master.attributes["account_officer"] == str(body["accountOfficerId"])
    assert master.attributes["kyc_complete"] == "true"
    device = body["communicationDevices"][0]
    assert master.pii["email"] == device["email"]
    assert master.pii["phone"] == device["phoneNumber"]
    assert master.pii["given_name"] == body["givenName"]
    assert master.pii["display_name"] == body["displayNames"][0]["displayName"]
    assert master.pii["mnemonic"] == body["customerMnemonic"]


def test_names_contacts_and_protected_characteristics_stay_out_of_the_attributes() -> None:
    example = vendor_customer_example()
    master = API.parse_customer(example)
    personal = {"Harry Crisp", "harrycrisp@gmail.com", "206 553-6944", "CRISP", "MALE", "1971-02-22"}
    visible = {master.status, master.segment, master.branch, *master.attributes.values()}
    assert personal.isdisjoint(visible)
    assert {"gender", "date_of_birth", "email", "phone", "sms"} <= master.pii.keys()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param([], "<body>", id="array"),
        pytest.param({"header": {"id": "1"}, "body": []}, "body", id="body not an object"),
        pytest.param({"header": {}, "body": {}}, "id", id="no customer id"),
        pytest.param(
            {"header": {"id": "1"}, "body": {"dateOfBirth": "22/02/1971"}}, "dateOfBirth", id="date"
        ),
        pytest.param({"header": {"id": "1"}, "body": {"customerStatus": [4]}}, "customerStatus", id="status"),
        pytest.param({"header": {"id": "1"}, "body": {"displayNames": "H"}}, "displayNames", id="names"),
        pytest.param(
            {"header": {"status": "failed"}, "error": {"errorDetails": [{"message": "No record"}]}},
            "error",
            id="error envelope",
        ),
    ],
)
def test_a_bad_customer_body_is_refused_naming_the_field(body: Any, field: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        API.parse_customer(body)
    assert caught.value.field == field


# --- balances --------------------------------------------------------------------------------------


def balances_body(*rows: dict[str, Any]) -> dict[str, Any]:
    header = {
        "audit": {"T24_time": 95},
        "status": "success",
        "page_size": 99,
        "page_start": 1,
        "total_size": 2,
    }
    return {"header": header, "body": list(rows)}


CURRENT = {
    "accountId": "105929",
    "accountName": "Harry Current",
    "productId": "CURACC",
    "currencyId": "USD",
    "workingBalance": "-1500.25",
    "ledgerBalance": "-1500.25",
    "clearedBalance": "-1500.25",
    "lockedAmount": "0",
    "useableBalance": "3499.75",
}
SAVINGS = {"accountId": "105937", "currencyId": "EUR", "ledgerBalance": "25000.5"}


def test_the_balances_request_asks_for_a_customers_accounts() -> None:
    call = API.balances_request("100100")
    assert (call.method, call.path, call.params) == (
        "GET",
        "/api/v4.1.0/holdings/accounts/balances",
        {"customerId": "100100"},
    )
    parameters = HOLDINGS["paths"]["/holdings/accounts/balances"]["get"]["parameters"]
    assert "customerId" in {p["name"] for p in parameters if p["in"] == "query"}


def test_a_balances_body_that_follows_the_definition_parses_to_exact_money() -> None:
    body = parse_json(json.dumps(balances_body(CURRENT, SAVINGS)))
    check = validator(HOLDINGS, "#/definitions/AccountBalanceTodayResponse", strict=True)
    assert errors(check, body) == []
    current, savings = API.parse_balances(body)
    assert current.account_id == "105929"
    assert current.balance == Money(Decimal("-1500.25"), "USD")
    assert current.available == Money(Decimal("3499.75"), "USD")
    assert current.product == "CURACC"
    # No working or useable balance: the ledger balance stands in, and nothing is available to say.
    assert (savings.balance, savings.available) == (Money(Decimal("25000.5"), "EUR"), None)


@pytest.mark.parametrize(
    ("row", "field"),
    [
        pytest.param({**CURRENT, "workingBalance": -1500.25}, "workingBalance", id="number, not a string"),
        pytest.param({**CURRENT, "workingBalance": "1,500.25"}, "workingBalance", id="grouped digits"),
        pytest.param({**CURRENT, "useableBalance": "NaN"}, "useableBalance", id="NaN"),
        pytest.param({"accountId": "1", "currencyId": "USD"}, "workingBalance", id="no balance"),
        pytest.param({**CURRENT, "currencyId": "XXY"}, "currencyId", id="unknown currency"),
        pytest.param({**CURRENT, "accountId": None}, "accountId", id="no account"),
        pytest.param("105929", "body", id="row not an object"),
    ],
)
def test_a_bad_balance_is_refused_naming_the_field(row: Any, field: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        API.parse_balances(balances_body(row))
    assert caught.value.field == field


# --- write-back ------------------------------------------------------------------------------------


def test_an_offer_is_a_create_campaign_call_that_follows_the_vendors_request_definition() -> None:
    call = API.write_back_request(OFFER)
    assert (call.method, call.path) == ("POST", "/services/CampaignManagementMSAPI/createCampaign")
    assert CAMPAIGNS["basePath"] + "/createCampaign" in call.path
    check = validator(CAMPAIGNS, request_pointer(CAMPAIGNS, "post", "/createCampaign"), strict=True)
    assert errors(check, call.json) == []


def test_an_offer_carries_its_key_and_its_customer() -> None:
    body = API.write_back_request(OFFER).json
    assert body["campaignName"] == f"pointflow-{OFFER.key}"
    assert body["profileIdList"] == [{"profileId": "POINTFLOW", "customerId": "100100"}]
    assert body["campaignDescription"] == OFFER.values["description"]
    assert body["endDate"] == "2024-05-31"
    assert "startDate" not in body
    assert API.write_back_request(OFFER) == API.write_back_request(OFFER)


@pytest.mark.parametrize("kind", [WriteBackKind.FLAG, WriteBackKind.POINTS_CREDITED])
def test_flags_and_points_update_the_customers_local_fields(kind: WriteBackKind) -> None:
    api = TemenosCoreApi(TemenosConfig(customer_fields={"priority_offers": "loyaltyPriority"}))
    message = WriteBack(
        kind, key="k-1", customer_id="100100", values={"priority_offers": "Y", "tier": "gold"}
    )
    call = api.write_back_request(message)
    assert (call.method, call.path) == ("PUT", "/api/v4.0.0/party/customers/100100")
    fields = call.json["body"]
    assert fields == {
        "loyaltyPriority": "Y",
        "tier": "gold",
        "loyaltyWriteBackKey": "k-1",
        "loyaltyWriteBackKind": kind.value,
    }
    pointer = request_pointer(PARTY, "put", "/party/customers/{customerId}")
    assert errors(validator(PARTY, pointer), call.json) == []
    # Only the bank's local reference fields lie outside Temenos' own definition of a customer.
    outside = errors(validator(PARTY, pointer, strict=True), call.json)
    assert len(outside) == 1
    assert all(name in outside[0] for name in fields)
