"""The HTTP API in process: auth, the example, problem responses for every kind of bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from pointflow.adapters.db.apikey_store import Role
from pointflow.bootstrap import Container
from pointflow.entrypoints.api.app import create_app
from tests.factories import EXAMPLE, purchase, ref

PROBLEM = "application/problem+json"


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as c:
        yield c


def key(container: Container, role: Role) -> dict[str, str]:
    _, secret = container.api_keys.create(role, "test", container.clock())
    return {"Authorization": f"Bearer {secret}"}


def test_the_example_through_http_credits_300_and_explains(client: TestClient, container: Container) -> None:
    posted = client.post("/v1/events/generic", content=EXAMPLE, headers=key(container, Role.INGEST))
    assert posted.status_code == 202, posted.text
    assert posted.json()["points"] == 300
    reader = key(container, Role.READ)
    balance = client.get("/v1/members/cust_888", headers=reader).json()
    assert (balance["available"], balance["tier"]) == (300, "classic")
    why = client.get("/v1/members/cust_888/transactions/txn_789012/explanation", headers=reader).json()
    assert why["points"] == 300
    assert any(r["outcome"] == "applied" and "dining" in r["rule_id"] for r in why["rules"])
    ledger = client.get("/v1/members/cust_888/ledger", headers=reader).json()
    assert [e["kind"] for e in ledger["entries"]] == ["earn"]
    assert sum(leg["points"] for leg in ledger["entries"][0]["legs"]) == 0


def test_a_repeat_is_200_and_a_conflict_is_409_naming_the_field(
    client: TestClient, container: Container
) -> None:
    headers = key(container, Role.INGEST)
    assert client.post("/v1/events/generic", content=EXAMPLE, headers=headers).status_code == 202
    again = client.post("/v1/events/generic", content=EXAMPLE, headers=headers)
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    changed = json.loads(EXAMPLE) | {"merchant_category_code": "5411"}
    conflict = client.post("/v1/events/generic", json=changed, headers=headers)
    assert conflict.status_code == 409
    assert conflict.headers["content-type"] == PROBLEM
    assert conflict.json()["field"] == "merchant_category_code"
    assert client.get("/v1/members/cust_888", headers=key(container, Role.READ)).json()["available"] == 300


def _bad(**changes: object) -> str:
    body = json.loads(EXAMPLE)
    for name, value in changes.items():
        if value is None:
            body.pop(name)
        else:
            body[name] = value
    body["transaction_id"] = ref("txn")
    return json.dumps(body)


BAD_INPUTS = [
    ("malformed JSON", '{"event_type": "transaction.posted", ', "<body>", 422),
    ("not an object", "[1, 2]", "<body>", 200),
    ("missing amount", _bad(amount=None), "amount", 422),
    ("amount as text", _bad(amount="lots"), "amount", 422),
    ("amount as boolean", _bad(amount=True), "amount", 422),
    ("negative amount", _bad(amount=-5), "amount", 422),
    ("zero amount", _bad(amount=0), "amount", 422),
    ("absurd amount", _bad(amount=1e12), "amount", 422),
    ("too many decimals", _bad(amount="1.001"), "amount", 422),
    ("unknown currency", _bad(currency="XYZ"), "currency", 422),
    ("unknown MCC", _bad(merchant_category_code="0001"), "merchant_category_code", 422),
    ("MCC not digits", _bad(merchant_category_code="58a2"), "merchant_category_code", 422),
    ("far-future date", _bad(timestamp="2031-01-01T00:00:00Z"), "timestamp", 422),
    ("date without zone", _bad(timestamp="2024-05-15T14:30:00"), "timestamp", 422),
    ("not a date", _bad(timestamp="yesterday"), "timestamp", 422),
    ("missing customer", _bad(customer_id=None), "customer_id", 422),
    ("customer as number", _bad(customer_id=42), "customer_id", 422),
    ("unknown event type", _bad(event_type="transaction.deleted"), "event_type", 422),
    ("unknown direction", _bad(direction="sideways"), "direction", 422),
]


@pytest.mark.parametrize(("case", "body", "field", "status"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_gets_a_problem_naming_the_field_and_is_quarantined(
    client: TestClient, container: Container, case: str, body: str, field: str, status: int
) -> None:
    response = client.post("/v1/events/generic", content=body, headers=key(container, Role.INGEST))
    assert response.status_code == status, response.text
    if status == 200:  # a batch: each item carries its own problem
        assert {r["field"] for r in response.json()["results"]} == {field}
    else:
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["field"] == field
    assert container.quarantine.count() >= 1
    assert body in {item.raw for item in container.quarantine.items()} or status == 200


def test_an_oversized_body_is_413(client: TestClient, container: Container) -> None:
    body = json.dumps([json.loads(_bad()) | {"description": "x" * 200} for _ in range(6000)])
    response = client.post("/v1/events/generic", content=body, headers=key(container, Role.INGEST))
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM


def test_a_batch_reports_each_item(client: TestClient, container: Container) -> None:
    customer = ref("cust")
    good = purchase(customer, "10.00")
    batch = [good, good, {**purchase(customer, "5.00"), "currency": "ABC"}]
    response = client.post("/v1/events/generic", json=batch, headers=key(container, Role.INGEST))
    assert response.status_code == 200
    assert response.json()["counts"] == {
        "accepted": 1,
        "duplicate": 1,
        "ignored": 0,
        "conflict": 0,
        "rejected": 1,
    }
    assert response.json()["results"][2]["field"] == "currency"


@pytest.mark.parametrize(
    ("role", "method", "path", "allowed"),
    [
        (None, "get", "/v1/members/cust_888", 401),
        (Role.INGEST, "get", "/v1/members/cust_888", 403),
        (Role.READ, "post", "/v1/events/generic", 403),
        (Role.READ, "post", "/v1/members/cust_888/redemptions", 403),
        (Role.REDEEM, "get", "/v1/members/cust_888", 403),
        (Role.ADMIN, "get", "/v1/members/cust_888", 404),
    ],
)
def test_roles_are_enforced(
    client: TestClient, container: Container, role: Role | None, method: str, path: str, allowed: int
) -> None:
    headers = key(container, role) if role else {}
    response = getattr(client, method)(path, headers=headers, **({"json": {}} if method == "post" else {}))
    assert response.status_code == allowed
    assert response.headers["content-type"] == PROBLEM


def test_a_wrong_key_is_401(client: TestClient) -> None:
    response = client.get("/v1/members/x", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401


def test_redemption_over_http_needs_an_idempotency_key(client: TestClient, container: Container) -> None:
    ingest = key(container, Role.INGEST)
    client.post("/v1/events/generic", content=EXAMPLE, headers=ingest)
    client.post("/v1/events/generic", json=purchase("cust_888", "1000.00", mcc="5999"), headers=ingest)
    redeemer = key(container, Role.REDEEM)
    reward = min(container.programmes.active().programme.rewards, key=lambda r: r.points)
    missing = client.post("/v1/members/cust_888/redemptions", json={"reward_id": reward.id}, headers=redeemer)
    assert (missing.status_code, missing.json()["field"]) == (400, "Idempotency-Key")
    headers = redeemer | {"Idempotency-Key": "first"}
    url = "/v1/members/cust_888/redemptions"
    bad = client.post(url, json={"reward_id": reward.id, "quantity": 0}, headers=headers)
    assert (bad.status_code, bad.json()["field"]) == (422, "quantity")
    done = client.post(url, json={"reward_id": reward.id}, headers=headers)
    assert done.status_code == 201, done.text
    assert done.json()["available_after"] == 1300 - reward.points
    replay = client.post(url, json={"reward_id": reward.id}, headers=headers)
    assert (replay.status_code, replay.json()["redemption_id"]) == (200, done.json()["redemption_id"])
    too_much = client.post(
        url, json={"reward_id": reward.id}, headers=redeemer | {"Idempotency-Key": "second"}
    )
    assert (too_much.status_code, too_much.headers["content-type"]) == (409, PROBLEM)


def test_health_metrics_and_openapi(client: TestClient, container: Container) -> None:
    client.post("/v1/events/generic", content=EXAMPLE, headers=key(container, Role.INGEST))
    assert client.get("/healthz").json()["status"] == "ok"
    metrics = client.get("/metrics").text
    assert 'pointflow_events_total{connector="generic",status="accepted"} 1.0' in metrics
    assert "/v1/events/{connector}" in client.get("/openapi.json").json()["paths"]


def test_without_a_programme_the_service_answers_503_not_500(tmp_path: object, clock: object) -> None:
    from pointflow.bootstrap import bootstrap
    from pointflow.config import Settings

    settings = Settings(
        environment="production",
        database_url=f"sqlite:///{tmp_path}/empty.db",
        pseudonym_secret="q" * 12 + "Zr8vT2mK9pL4wX7nB3cF",
    )
    empty = bootstrap(settings)
    try:
        with TestClient(create_app(empty), raise_server_exceptions=False) as c:
            response = c.get("/healthz")
        assert response.status_code == 503
        assert response.headers["content-type"] == PROBLEM
    finally:
        empty.close()
