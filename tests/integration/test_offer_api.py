"""Offers through HTTP: the approval queue with maker-checker and the proposal hash, expiry of pending
approvals, and an accepted multiplier offer changing what the member earns, its explanation citing it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from pointflow.adapters.db.apikey_store import Role
from pointflow.adapters.db.tables import audit_log
from pointflow.bootstrap import Container
from pointflow.entrypoints.api.app import create_app
from pointflow.service_layer.offer_commands import expire_offers
from tests.conftest import Clock
from tests.factories import purchase, ref
from tests.integration.offer_support import deposit, live, offer_rows, outbox_rows, use_offers

PROBLEM = "application/problem+json"


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), raise_server_exceptions=False) as c:
        yield c


def key(container: Container, role: Role) -> dict[str, str]:
    _, secret = container.api_keys.create(role, "test", container.clock())
    return {"Authorization": f"Bearer {secret}"}


def needs_approval(offers: dict[str, Any]) -> None:
    live(offers)
    offers["approval"]["points_threshold"] = 400


def propose(client: TestClient, container: Container, headers: dict[str, str]) -> dict[str, Any]:
    use_offers(container, needs_approval)
    customer = ref("cust")
    posted = client.post("/v1/events/generic", json=deposit(customer), headers=headers)
    assert posted.status_code == 202, posted.text
    [offer] = offer_rows(container, token=container.tokeniser.token(customer))
    return offer


def audit_actions(container: Container) -> list[str]:
    with container.db.reader.connect() as conn:
        return list(conn.execute(select(audit_log.c.action).order_by(audit_log.c.seq)).scalars())


def test_a_marketer_approves_a_pending_offer_and_it_is_issued(
    client: TestClient, container: Container
) -> None:
    offer = propose(client, container, key(container, Role.INGEST))
    marketing = key(container, Role.MARKETING)
    listed = client.get("/v1/offers/approvals", headers=marketing).json()["pending"]
    [shown] = [p for p in listed if p["offer_id"] == offer["id"]]
    assert shown["approval_reasons"] == ["500 points, at or above the approval threshold 400"]
    body = {"reason": "large depositor, fits the campaign", "proposal_hash": shown["proposal_hash"]}
    approved = client.post(f"/v1/offers/{offer['id']}/approve", json=body, headers=marketing)
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "issued"
    kinds = sorted(m["kind"] for m in outbox_rows(container) if m["token"] == offer["token"])
    assert kinds == ["flag", "notify", "offer"]
    assert audit_actions(container)[-3:] == ["offer.proposed", "offer.issued", "offer.approved"]
    again = client.post(f"/v1/offers/{offer['id']}/approve", json=body, headers=marketing)
    assert again.status_code == 409
    assert again.json()["detail"] == "an offer that is issued cannot become approved"


def test_only_the_marketing_role_may_approve(client: TestClient, container: Container) -> None:
    offer = propose(client, container, key(container, Role.INGEST))
    body = {"reason": "looks fine", "proposal_hash": offer["proposal_hash"]}
    refused = client.post(f"/v1/offers/{offer['id']}/approve", json=body, headers=key(container, Role.READ))
    assert refused.status_code == 403
    assert refused.json()["detail"] == "this route needs the marketing role"


def test_nobody_approves_their_own_proposal(client: TestClient, container: Container) -> None:
    admin = key(container, Role.ADMIN)
    offer = propose(client, container, admin)
    body = {"reason": "my own idea", "proposal_hash": offer["proposal_hash"]}
    refused = client.post(f"/v1/offers/{offer['id']}/approve", json=body, headers=admin)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["field"] == "Authorization"
    assert offer_rows(container, id=offer["id"])[0]["state"] == "pending_approval"


def test_an_approval_of_another_proposal_than_the_one_reviewed_is_refused(
    client: TestClient, container: Container
) -> None:
    offer = propose(client, container, key(container, Role.INGEST))
    body = {"reason": "approved as reviewed", "proposal_hash": "0" * 64}
    refused = client.post(
        f"/v1/offers/{offer['id']}/approve", json=body, headers=key(container, Role.MARKETING)
    )
    assert refused.status_code == 409
    assert refused.json()["field"] == "proposal_hash"
    assert offer_rows(container, id=offer["id"])[0]["state"] == "pending_approval"


def test_a_rejection_keeps_its_reason_and_sends_nothing(client: TestClient, container: Container) -> None:
    offer = propose(client, container, key(container, Role.INGEST))
    rejected = client.post(
        f"/v1/offers/{offer['id']}/reject",
        json={"reason": "too generous"},
        headers=key(container, Role.MARKETING),
    )
    assert rejected.status_code == 200, rejected.text
    [row] = offer_rows(container, id=offer["id"])
    assert (row["state"], row["decided_reason"]) == ("rejected", "too generous")
    assert [m for m in outbox_rows(container) if m["token"] == offer["token"]] == []
    assert "offer.rejected" in audit_actions(container)


def test_pending_approvals_expire_once(client: TestClient, container: Container, clock: Clock) -> None:
    offer = propose(client, container, key(container, Role.INGEST))
    early = expire_offers(clock.now + timedelta(days=2), container.offer_deps())
    assert early.approvals_expired == 0
    later = clock.now + timedelta(days=3)
    assert expire_offers(later, container.offer_deps()).approvals_expired == 1
    assert expire_offers(later, container.offer_deps()).approvals_expired == 0
    assert offer_rows(container, id=offer["id"])[0]["state"] == "expired"
    clock.advance(days=4)
    body = {"reason": "too late", "proposal_hash": offer["proposal_hash"]}
    late = client.post(f"/v1/offers/{offer['id']}/approve", json=body, headers=key(container, Role.MARKETING))
    assert late.status_code == 409


def test_an_accepted_multiplier_offer_raises_the_next_grocery_purchase(
    client: TestClient, container: Container
) -> None:
    use_offers(container, live)
    customer = ref("cust")
    ingest, reader = key(container, Role.INGEST), key(container, Role.READ)
    repayment = deposit(customer, "300") | {"transaction_type": "loan_repayment", "direction": "debit"}
    assert client.post("/v1/events/generic", json=repayment, headers=ingest).status_code == 202
    [offer] = client.get(f"/v1/members/{customer}/offers", headers=reader).json()["offers"]
    assert (offer["offer_code"], offer["state"], offer["terms"]["multiplier"]) == (
        "grocery-double",
        "issued",
        "2",
    )
    accepted = client.post(
        f"/v1/members/{customer}/offers/{offer['offer_id']}/accept", headers=key(container, Role.REDEEM)
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "accepted"
    groceries = purchase(customer, "100.00", mcc="5411", when="2024-06-01T12:30:00Z")
    earned = client.post("/v1/events/generic", json=groceries, headers=ingest)
    assert earned.json()["points"] == 200  # 2x instead of the programme's 1.5x
    why = client.get(
        f"/v1/members/{customer}/transactions/{groceries['transaction_id']}/explanation", headers=reader
    ).json()
    cited = [r for r in why["rules"] if r["rule_id"] == f"offer-{offer['offer_id']}"]
    assert [r["outcome"] for r in cited] == ["applied"]
    assert f"offer-{offer['offer_id']}" in why["summary"]
    assert offer_rows(container, id=offer["offer_id"])[0]["state"] == "redeemed"
    decision = client.get(f"/v1/members/{customer}/decisions/{offer['decision_id']}", headers=reader).json()
    assert "loan-repayment" in decision["in_words"]
    assert "rule-based offer used" in decision["in_words"]


def test_an_offer_past_its_validity_cannot_be_accepted(
    client: TestClient, container: Container, clock: Clock
) -> None:
    use_offers(container, live)
    customer = ref("cust")
    assert (
        client.post(
            "/v1/events/generic", json=deposit(customer), headers=key(container, Role.INGEST)
        ).status_code
        == 202
    )
    [offer] = offer_rows(container, token=container.tokeniser.token(customer))
    clock.advance(days=31)
    late = client.post(
        f"/v1/members/{customer}/offers/{offer['id']}/accept", headers=key(container, Role.REDEEM)
    )
    assert late.status_code == 409
    assert late.json()["detail"] == "an offer that is expired cannot become accepted"
    other = client.post(
        f"/v1/members/{ref('cust')}/offers/{offer['id']}/accept", headers=key(container, Role.REDEEM)
    )
    assert (other.status_code, other.json()["field"]) == (404, "offer_id")
