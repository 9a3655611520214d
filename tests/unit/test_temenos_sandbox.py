"""The Temenos sandbox: its events decode back to the bank's; its answers follow Temenos' definitions."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from pointflow.adapters.connectors.generic import GenericConnector
from pointflow.adapters.connectors.temenos import TemenosConfig, TemenosConnector, TemenosCoreApi
from pointflow.domain.core import WriteBack, WriteBackKind
from pointflow.domain.errors import NotATransaction
from pointflow.domain.events import CanonicalEvent, Channel, SourceRef, TransactionPosted, TransactionType
from pointflow.domain.money import Money
from pointflow.service_layer.ports import DecodeLimits, HttpCall
from pointflow.sim import bank
from pointflow.sim.bank import SimCustomer
from pointflow.sim.platforms.temenos import TemenosSandbox
from tests.shared import COREBANKING
from tests.unit.swagger_schema import errors, load, response_pointer, validator

TEMENOS = COREBANKING / "temenos"
PARTY = load(TEMENOS / "transact_202102_party-customerServices-v4.0.0.swagger.json")
HOLDINGS = load(TEMENOS / "transact_202102_holdings-accounts-service-v4.1.0.swagger.json")
CAMPAIGNS = load(TEMENOS / "infinity_R20.04_CampaignDesignerAPIs.swagger.json")
EVENT_STORE = load(TEMENOS / "microservices_R20.04_Eventstore.openapi.yaml")
LIMITS = DecodeLimits(Decimal("1000000"), 24)
LATER = datetime(2030, 1, 1, tzinfo=UTC)
START = date(2024, 1, 1)
SANDBOX = TemenosSandbox()
CONNECTOR = TemenosConnector()
API = TemenosCoreApi()


def later() -> datetime:
    return LATER


@dataclasses.dataclass
class FakeState:
    """The sandbox bank's state as the platform sees it; write-backs are kept once per key."""

    customers: dict[str, SimCustomer]
    balances: dict[str, Decimal]
    currency: str = "USD"
    applied: dict[str, tuple[str, str, Any]] = dataclasses.field(default_factory=dict)
    deliveries: int = 0

    def customer(self, customer_id: str) -> SimCustomer | None:
        return self.customers.get(customer_id)

    def balance(self, account_id: str) -> Decimal:
        return self.balances[account_id]

    def record_write_back(self, *, key: str, kind: str, customer_id: str, body: Any) -> bool:
        self.deliveries += 1
        if key in self.applied:
            return False
        self.applied[key] = (kind, customer_id, body)
        return True


def state() -> FakeState:
    people = bank.customers(3, seed=11)
    balances = dict(zip((c.account_id for c in people), ("1520.40", "-75.10", "0"), strict=True))
    return FakeState({c.customer_id: c for c in people}, {k: Decimal(v) for k, v in balances.items()})


def sim_events(customers: int = 4, months: int = 2) -> list[CanonicalEvent]:
    """The sandbox bank's events, as if Transact had posted them (its source system is `temenos`)."""
    generic = GenericConnector()
    events = (
        generic.decode(e, limits=LIMITS, now=later) for e in bank.generate(customers, months, START, seed=5)
    )
    return [dataclasses.replace(e, source=SourceRef("temenos", e.source.id)) for e in events]


def decode_all(documents: list[bytes], connector: TemenosConnector = CONNECTOR) -> list[CanonicalEvent]:
    decoded: list[CanonicalEvent] = []
    for document in documents:
        for item in connector.split(document):
            assert connector.split(item.raw.encode()) == [item]
            try:
                decoded.append(connector.decode(item.payload, limits=LIMITS, now=later))
            except NotATransaction:
                continue
    return decoded


def call(request: HttpCall, target: FakeState) -> tuple[int, Any]:
    """Send a CoreApi request to the sandbox as an HTTP adapter would: the query string in the path."""
    query = "&".join(f"{k}={v}" for k, v in (request.params or {}).items())
    path = f"{request.path}?{query}" if query else request.path
    return SANDBOX.answer(request.method, path, json.loads(json.dumps(request.json)), target)


# --- documents ---------------------------------------------------------------------------------------


def test_the_sandboxs_journal_events_decode_back_to_the_banks_events() -> None:
    events = sim_events()
    kinds = {type(e).__name__ for e in events} | {e.transaction_type for e in events if hasattr(e, "channel")}
    assert {"TransactionPosted", "TransactionReversed", TransactionType.FEE} <= kinds
    assert decode_all(SANDBOX.documents(events)) == events


def test_a_fee_also_books_the_banks_income_leg_which_is_not_a_transaction() -> None:
    fee = next(e for e in sim_events() if isinstance(e, TransactionPosted) and e.transaction_type == "fee")
    [document] = SANDBOX.documents([fee])
    stmt, categ = CONNECTOR.split(document)
    assert categ.payload["data"]["journalEntries"][0]["journalEntryType"] == "CATEG"
    with pytest.raises(NotATransaction):
        CONNECTOR.decode(categ.payload, limits=LIMITS, now=later)
    assert CONNECTOR.decode(stmt.payload, limits=LIMITS, now=later) == fee


def test_the_event_store_record_of_each_event_follows_the_definition_and_decodes_the_same() -> None:
    events = sim_events(customers=2, months=1)
    documents = SANDBOX.documents(events)
    records = [SANDBOX.event_store_record(d) for d in documents]
    check = validator(EVENT_STORE, "#/components/schemas/Event", strict=True)
    assert all(errors(check, json.loads(r)) == [] for r in records)
    assert decode_all(records) == events


def test_the_event_store_list_is_one_document_for_the_connector() -> None:
    events = sim_events(customers=1, months=1)
    records = [json.loads(SANDBOX.event_store_record(d)) for d in SANDBOX.documents(events)]
    check = validator(EVENT_STORE, response_pointer(EVENT_STORE, "get", "/events/{eventType}"), strict=True)
    assert errors(check, records) == []
    assert decode_all([json.dumps(records).encode()]) == events


def test_the_journal_events_are_cloud_events() -> None:
    [first, *_] = SANDBOX.documents(sim_events(customers=1, months=1))
    event = json.loads(first)
    assert {"specversion", "id", "source", "type"} <= event.keys()
    assert event["specversion"] == "1.0"
    assert datetime.fromisoformat(event["time"]).tzinfo is not None


def test_a_bank_code_table_with_other_codes_round_trips_through_its_own_connector() -> None:
    codes = {str(900 + n): m for n, m in enumerate(TemenosConfig().transaction_codes.values())}
    config = TemenosConfig(transaction_codes=codes)
    events = sim_events(customers=2, months=1)
    assert decode_all(TemenosSandbox(config).documents(events), TemenosConnector(config)) == events


def test_an_event_no_code_can_express_is_refused_by_the_sandbox() -> None:
    posted = next(e for e in sim_events() if isinstance(e, TransactionPosted))
    odd = dataclasses.replace(posted, transaction_type=TransactionType.INTEREST, channel=Channel.ATM)
    with pytest.raises(ValueError, match="transaction code"):
        SANDBOX.documents([odd])


# --- the API: customer and balances --------------------------------------------------------------------


def test_the_customer_answer_follows_the_definition_and_parses_back() -> None:
    target = state()
    person = next(iter(target.customers.values()))
    status, body = call(API.customer_request(person.customer_id), target)
    assert status == 200
    pointer = response_pointer(PARTY, "get", "/party/customers/{customerId}")
    assert errors(validator(PARTY, pointer, strict=True), body) == []
    master = API.parse_customer(body)
    assert master.customer_id == person.customer_id
    assert master.pii["email"] == person.email
    assert master.pii["phone"] == person.phone
    assert master.pii["display_name"] == person.full_name
    assert person.full_name not in master.attributes.values()
    assert master.attributes["nationality"] == person.home_country


def test_an_unknown_customer_is_a_404_in_transacts_error_shape() -> None:
    status, body = call(API.customer_request("nobody"), state())
    assert status == 404
    error_pointer = response_pointer(PARTY, "get", "/party/customers/{customerId}", "default")
    assert errors(validator(PARTY, error_pointer, strict=True), body) == []


def test_the_balances_answer_follows_the_definition_and_parses_back() -> None:
    target = state()
    for person in target.customers.values():
        status, body = call(API.balances_request(person.customer_id), target)
        assert status == 200
        pointer = response_pointer(HOLDINGS, "get", "/holdings/accounts/balances")
        assert errors(validator(HOLDINGS, pointer, strict=True), body) == []
        [balance] = API.parse_balances(json.loads(json.dumps(body), parse_float=Decimal))
        assert balance.account_id == person.account_id
        assert balance.balance == Money(target.balances[person.account_id], "USD")
        assert isinstance(body["body"][0]["workingBalance"], str)


def test_balances_without_a_known_customer_are_a_404_in_transacts_error_shape() -> None:
    status, body = SANDBOX.answer("GET", "/api/v4.1.0/holdings/accounts/balances", None, state())
    assert status == 404
    error_pointer = response_pointer(HOLDINGS, "get", "/holdings/accounts/balances", "default")
    assert errors(validator(HOLDINGS, error_pointer, strict=True), body) == []


def test_an_unknown_path_is_a_404() -> None:
    assert SANDBOX.answer("GET", "/api/v4.0.0/party/prospects", None, state())[0] == 404
    assert SANDBOX.answer("DELETE", "/api/v4.0.0/party/customers/x", None, state())[0] == 404


# --- the API: write-back -----------------------------------------------------------------------------


def write_backs(customer_id: str) -> list[WriteBack]:
    return [
        WriteBack(WriteBackKind.OFFER, "offer-1", customer_id, values={"description": "3x on fuel"}),
        WriteBack(WriteBackKind.FLAG, "flag-1", customer_id, values={"priorityOffers": "Y"}),
        WriteBack(WriteBackKind.POINTS_CREDITED, "points-1", customer_id, values={"loyaltyPoints": "1250"}),
    ]


def test_each_write_back_applies_once_however_often_it_is_delivered() -> None:
    target = state()
    person = next(iter(target.customers.values()))
    for message in write_backs(person.customer_id):
        first = call(API.write_back_request(message), target)
        again = call(API.write_back_request(message), target)
        assert first == again
        assert first[0] == 200
    assert target.deliveries == 6
    assert {key: (kind, who) for key, (kind, who, _) in target.applied.items()} == {
        "offer-1": ("offer", person.customer_id),
        "flag-1": ("flag", person.customer_id),
        "points-1": ("points_credited", person.customer_id),
    }


def test_the_campaign_answer_follows_the_definition() -> None:
    target = state()
    person = next(iter(target.customers.values()))
    status, body = call(API.write_back_request(write_backs(person.customer_id)[0]), target)
    assert status == 200
    check = validator(CAMPAIGNS, response_pointer(CAMPAIGNS, "post", "/createCampaign"), strict=True)
    assert errors(check, body) == []
    assert body["opstatus"] == 0


def test_the_customer_update_answer_follows_the_definition() -> None:
    target = state()
    person = next(iter(target.customers.values()))
    status, body = call(API.write_back_request(write_backs(person.customer_id)[1]), target)
    assert status == 200
    pointer = response_pointer(PARTY, "put", "/party/customers/{customerId}")
    assert errors(validator(PARTY, pointer), body) == []
    assert body["header"]["uniqueIdentifier"] == "flag-1"


BAD_WRITES: list[Any] = [
    pytest.param(
        "POST", "/services/CampaignManagementMSAPI/createCampaign", {"campaignName": "x"}, 400, id="name"
    ),
    pytest.param(
        "POST", "/services/CampaignManagementMSAPI/createCampaign", [], 400, id="campaign not an object"
    ),
    pytest.param(
        "POST",
        "/services/CampaignManagementMSAPI/createCampaign",
        {"campaignName": "pointflow-k", "profileIdList": [{"customerId": "nobody"}]},
        404,
        id="campaign for an unknown customer",
    ),
    pytest.param("PUT", "/api/v4.0.0/party/customers/{known}", {"body": {}}, 400, id="update without a key"),
    pytest.param("PUT", "/api/v4.0.0/party/customers/{known}", "x", 400, id="update not an object"),
    pytest.param("PUT", "/api/v4.0.0/party/customers/nobody", {"body": {}}, 404, id="update of nobody"),
]


@pytest.mark.parametrize(("method", "path", "body", "status"), BAD_WRITES)
def test_a_bad_write_back_is_refused_and_changes_nothing(
    method: str, path: str, body: Any, status: int
) -> None:
    target = state()
    known = next(iter(target.customers))
    assert SANDBOX.answer(method, path.format(known=known), body, target)[0] == status
    assert target.applied == {}


# --- the schema checker itself -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "pointer", "bad"),
    [
        (HOLDINGS, "#/definitions/AccountBalanceTodayResponse", {"body": [{"workingBalance": -1500.25}]}),
        (PARTY, "#/definitions/CustomerResponse", {"body": {"dateOfBirth": "1971-02-30"}}),
        (CAMPAIGNS, "#/definitions/Request_CampaignManagementMSAPI_createCampaign", {"campaignTitle": "x"}),
        (EVENT_STORE, "#/components/schemas/Event", {"payload": {"journalEntries": []}}),
    ],
)
def test_the_schema_checker_sees_a_violation(document: dict[str, Any], pointer: str, bad: Any) -> None:
    assert errors(validator(document, pointer, strict=True), bad) != []
