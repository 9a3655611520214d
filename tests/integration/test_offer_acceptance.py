"""What taking an offer pays: a flat bonus credited at once through the ledger (its own idempotency key,
audited, cited by the offer); a cashback offer a temporary earn rule paying its percentage in points."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from pointflow.adapters.db.apikey_store import Role
from pointflow.adapters.db.tables import audit_log, postings
from pointflow.bootstrap import Container
from pointflow.entrypoints.api.app import create_app
from tests.factories import purchase, ref
from tests.integration.offer_support import deposit, live, offer_rows, rows, use_offers


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as c:
        yield c


def key(container: Container, role: Role) -> dict[str, str]:
    _, secret = container.api_keys.create(role, "test", container.clock())
    return {"Authorization": f"Bearer {secret}"}


def available(client: TestClient, container: Container, customer: str) -> int:
    member = client.get(f"/v1/members/{customer}", headers=key(container, Role.READ))
    assert member.status_code == 200, member.text
    return int(member.json()["available"])


def issued(client: TestClient, container: Container, customer: str) -> dict[str, Any]:
    posted = client.post("/v1/events/generic", json=deposit(customer), headers=key(container, Role.INGEST))
    assert posted.status_code == 202, posted.text
    [offer] = offer_rows(container, token=container.tokeniser.token(customer))
    assert offer["state"] == "issued"
    return offer


def accept(client: TestClient, container: Container, customer: str, offer_id: str) -> dict[str, Any]:
    done = client.post(
        f"/v1/members/{customer}/offers/{offer_id}/accept", headers=key(container, Role.REDEEM)
    )
    assert done.status_code == 200, done.text
    return dict(done.json())


def test_an_accepted_bonus_offer_credits_its_points_once(client: TestClient, container: Container) -> None:
    use_offers(container, live)
    customer = ref("cust")
    offer = issued(client, container, customer)
    assert offer["offer_code"] == "deposit-bonus"
    before = available(client, container, customer)
    assert accept(client, container, customer, offer["id"])["state"] == "accepted"
    assert available(client, container, customer) == before + 500
    [stored] = offer_rows(container, id=offer["id"])
    [posting] = rows(container, postings, idempotency_key=f"offer:{offer['id']}")
    assert stored["posting_id"] == posting["id"]
    assert posting["memo"] == f"500 points for offer deposit-bonus ({offer['id']})"
    with container.db.reader.connect() as conn:
        audited = conn.execute(
            select(audit_log.c.action, audit_log.c.details).order_by(audit_log.c.seq.desc()).limit(2)
        ).all()
    assert [a for a, _ in audited] == ["offer.accepted", "offer.points_credited"]
    assert [json.loads(d)["posting_id"] for _, d in audited] == [posting["id"], posting["id"]]
    accept(client, container, customer, offer["id"])  # twice is once
    assert available(client, container, customer) == before + 500


def cashback_for_deposits(offers: dict[str, Any]) -> None:
    live(offers)
    offers["catalogue"].append(
        {
            "id": "deposit-cashback",
            "kind": "cashback",
            "description": "2 % back on card purchases this month",
            "campaign": "everyday",
            "cashback_percent": 2,
            "value_to_member": 10,
            "cost_to_bank": 10,
            "validity_days": 30,
            "channels": ["email"],
        }
    )
    [trigger] = [t for t in offers["triggers"] if t["id"] == "large-deposit"]
    trigger["offers"] = ["deposit-cashback"]


def test_an_accepted_cashback_offer_pays_its_percentage_in_points_on_purchases(
    client: TestClient, container: Container
) -> None:
    use_offers(container, cashback_for_deposits)
    customer, other = ref("cust"), ref("cust")
    offer = issued(client, container, customer)
    assert offer["kind"] == "cashback"
    accept(client, container, customer, offer["id"])
    ingest = key(container, Role.INGEST)
    points = {}
    for who in (customer, other):
        dinner = purchase(who, "100.00", mcc="5812", when="2024-06-01T12:30:00Z")
        points[who] = client.post("/v1/events/generic", json=dinner, headers=ingest).json()["points"]
    assert points[customer] == points[other] + 200  # 2 % of 100 USD is 2 USD: 200 points at 0.01 a point
    assert offer_rows(container, id=offer["id"])[0]["posting_id"] is None  # paid per purchase, not at once
