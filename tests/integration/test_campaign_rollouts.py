"""Campaign rollouts set in the console and honoured by the offers engine: shadow issues nothing; a
product manager's live proposal issues only once someone with the risk role approves it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from pointflow.adapters.db.audit_store import iter_entries
from pointflow.bootstrap import Container
from pointflow.domain.maker_checker import OwnProposal, RoleRefused, RolloutInvalid
from pointflow.entrypoints.api.app import create_app
from pointflow.entrypoints.console.campaigns import campaigns_of
from pointflow.governance.access import ConsoleRole
from tests.console_support import csrf_in, log_in, make_user
from tests.factories import ref, send
from tests.integration.offer_support import decisions, deposit, live, offer_rows, use_offers

PM, RISK = {"product_manager"}, {"risk"}


def everyday_only(offers: dict[str, Any]) -> None:
    """Every campaign live in the file, no tenure needed; the test then sets `everyday` in the console."""
    live(offers)
    for offer in offers["catalogue"]:
        offer["eligibility"]["min_tenure_days"] = 0


def issued_for(container: Container, customer: str) -> list[dict[str, Any]]:
    token = container.tokeniser.token(customer)
    return [d for d in decisions(container) if d["token"] == token]


def test_shadow_issues_nothing_and_live_issues_once_risk_approves(container: Container) -> None:
    use_offers(container, everyday_only)
    offers = container.programmes.active().programme.offers
    assert offers is not None
    store = campaigns_of(container)
    store.propose(offers, "everyday", mode="shadow", pilot_share=0.0, proposer="ana", roles=PM)

    first = ref("cust")
    send(container, deposit(first))
    made = issued_for(container, first)
    assert [(d["winner"], d["action"], d["rollout"]) for d in made] == [("deposit-bonus", "shadow", "shadow")]
    assert offer_rows(container) == []

    proposal = store.propose(offers, "everyday", mode="live", pilot_share=0.0, proposer="ana", roles=PM)
    assert proposal.state == "proposed"
    waiting = ref("cust")
    send(container, deposit(waiting))
    assert [d["action"] for d in issued_for(container, waiting)] == ["shadow"]  # not live until approved

    with pytest.raises(RoleRefused):
        store.approve(proposal.id, approver="bo", roles=PM | {"admin"})
    with pytest.raises(OwnProposal):
        store.approve(proposal.id, approver="ana", roles=RISK | PM)
    store.approve(proposal.id, approver="rita", roles=RISK)

    later = ref("cust")
    send(container, deposit(later))
    assert [(d["action"], d["rollout"]) for d in issued_for(container, later)] == [("issued", "live")]
    assert [o["offer_code"] for o in offer_rows(container)] == ["deposit-bonus"]
    view = next(v for v in store.views(offers) if v.id == "everyday")
    assert (view.mode, view.set_in, view.waiting) == ("live", "console", None)
    assert view.spent_points > 0

    with container.db.reader.connect() as conn:
        actions = [e.action for e in iter_entries(conn) if e.subject.startswith(("campaign:", "change:"))]
    assert actions == [
        "campaign.rollout_set",
        "campaign.live_proposed",
        "campaign.decision_refused",
        "campaign.decision_refused",
        "campaign.live_approved",
    ]


def test_a_newer_change_supersedes_a_waiting_live_proposal(container: Container) -> None:
    use_offers(container, everyday_only)
    offers = container.programmes.active().programme.offers
    assert offers is not None
    store = campaigns_of(container)
    proposal = store.propose(offers, "everyday", mode="live", pilot_share=0.0, proposer="ana", roles=PM)
    store.propose(offers, "everyday", mode="pilot", pilot_share=0.3, proposer="ana", roles=PM)
    with pytest.raises(Exception, match="not waiting"):
        store.approve(proposal.id, approver="rita", roles=RISK)
    view = next(v for v in store.views(offers) if v.id == "everyday")
    assert (view.mode, view.pilot_share) == ("pilot", 0.3)
    with pytest.raises(RolloutInvalid):
        store.propose(offers, "everyday", mode="pilot", pilot_share=1.0, proposer="ana", roles=PM)
    with pytest.raises(RoleRefused):
        store.propose(offers, "everyday", mode="shadow", pilot_share=0.0, proposer="root", roles={"admin"})


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), base_url="https://testserver", raise_server_exceptions=False) as c:
        yield c


def sign_in(client: TestClient, container: Container, *roles: ConsoleRole) -> str:
    client.cookies.clear()
    username, password = make_user(container, *roles)
    assert log_in(client, username, password).status_code == 303
    page = client.get("/console/campaigns")
    assert page.status_code == 200
    return csrf_in(page.text)


def test_the_campaigns_page_roles_and_csrf(client: TestClient, container: Container) -> None:
    use_offers(container, everyday_only)
    token = sign_in(client, container, ConsoleRole.PRODUCT_MANAGER)
    page = client.get("/console/campaigns").text
    for ident in ('id="rollout-mode-everyday"', 'id="pilot-share-everyday"', 'id="rollout-submit-everyday"'):
        assert ident in page
    assert (
        client.post("/console/campaigns/everyday/rollout", data={"mode": "live"}).status_code == 403
    )  # no CSRF
    proposed = client.post(
        "/console/campaigns/everyday/rollout",
        data={"csrf_token": token, "mode": "live"},
        follow_redirects=False,
    )
    assert proposed.status_code == 303
    waiting = campaigns_of(container).changes()[0]
    assert waiting.state == "proposed"

    token = sign_in(client, container, ConsoleRole.VIEWER)
    assert (
        client.post(
            "/console/campaigns/everyday/rollout", data={"csrf_token": token, "mode": "shadow"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            f"/console/campaigns/changes/{waiting.id}/approve", data={"csrf_token": token}
        ).status_code
        == 403
    )

    token = sign_in(client, container, ConsoleRole.RISK)
    assert 'id="approve-live-everyday"' in client.get("/console/campaigns").text
    approved = client.post(
        f"/console/campaigns/changes/{waiting.id}/approve", data={"csrf_token": token}, follow_redirects=False
    )
    assert approved.status_code == 303
    assert 'id="campaign-everyday-mode">live<' in client.get("/console/campaigns").text
