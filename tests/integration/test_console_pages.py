"""The console's overview, approval queue and member 360 over HTTP in process, on SQLite and PostgreSQL:
who may open them, what they show, and the audit entries their actions leave."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, update
from typer.testing import CliRunner

from pointflow.adapters.db.apikey_store import Role
from pointflow.adapters.db.governance_tables import governance_alerts
from pointflow.adapters.db.liability_store import latest_forecast, record_forecast
from pointflow.adapters.db.offer_tables import offers
from pointflow.adapters.db.tables import audit_log
from pointflow.bootstrap import Container
from pointflow.entrypoints import cli
from pointflow.entrypoints.api.app import create_app
from pointflow.governance.access import ConsoleRole
from pointflow.sim.bank import SimCustomer
from tests.console_support import csrf, signed_in
from tests.factories import EXAMPLE, purchase, ref, send
from tests.integration.notify_support import sandbox_core
from tests.integration.offer_support import deposit, live, offer_rows, use_offers

R = ConsoleRole


def app_client(container: Container) -> TestClient:
    return TestClient(create_app(container), base_url="https://testserver", raise_server_exceptions=False)


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with app_client(container) as c:
        yield c


def last_audit(container: Container) -> dict[str, Any]:
    with container.db.reader.connect() as conn:
        row = conn.execute(select(audit_log).order_by(audit_log.c.seq.desc()).limit(1)).one()
    return dict(row._mapping)


def propose(client: TestClient, container: Container) -> dict[str, Any]:
    """An offer waiting for approval, proposed by the engine on a large deposit."""

    def needs_approval(o: dict[str, Any]) -> None:
        live(o)
        o["approval"]["points_threshold"] = 400

    use_offers(container, needs_approval)
    key = container.api_keys.create(Role.INGEST, "t", container.clock())[1]
    customer = ref("cust")
    posted = client.post(
        "/v1/events/generic", json=deposit(customer), headers={"Authorization": f"Bearer {key}"}
    )
    assert posted.status_code == 202, posted.text
    [offer] = offer_rows(container, token=container.tokeniser.token(customer))
    return offer


def test_the_overview_shows_activity_the_stored_forecast_offers_and_alerts(
    client: TestClient, container: Container
) -> None:
    send(container, EXAMPLE)
    offer = propose(client, container)
    result = CliRunner().invoke(
        cli.app,
        ["forecast", "liability", "--as-of", "2024-06-01", "--horizon", "3"],
        env={"POINTFLOW_DATABASE_URL": container.settings.database_url, "POINTFLOW_ENVIRONMENT": "test"},
    )
    assert result.exit_code == 0, result.output
    with container.db.write() as conn:
        conn.execute(
            insert(governance_alerts).values(
                id=ref("a")[:32],
                kind="drift",
                scope="propensity/v0001",
                as_of=date(2024, 6, 1),
                subject="score",
                level="alert",
                value=0.31,
                message="propensity/v0001 score: PSI 0.310",
                raised_at=datetime(2024, 6, 1, tzinfo=UTC),
            )
        )
    with container.db.reader.connect() as conn:
        stored = latest_forecast(conn)
    assert stored is not None
    assert stored["as_of"] == "2024-06-01"
    assert len(stored["months"]) == 3

    signed_in(client, container, R.VIEWER)
    page = client.get("/console/")
    assert page.status_code == 200
    html = page.text
    assert 'id="chart-postings-per-minute"' in html
    assert 'id="chart-liability"' in html
    assert f'id="liability-points">{stored["outstanding_points"]:,}<' in html
    assert f'id="liability-value">{stored["liability"]}<' in html
    assert 'id="liability-thin"' in html  # nobody has redeemed yet: the forecast says so, not just "100 %"
    assert 'id="offers-proposed">1<' in html
    assert 'id="offers-pending">1<' in html
    assert 'id="offers-issued">0<' in html
    assert "propensity/v0001 score: PSI 0.310" in html
    assert offer["state"] == "pending_approval"


def test_the_overview_says_when_no_forecast_is_stored(client: TestClient, container: Container) -> None:
    signed_in(client, container, R.PRODUCT_MANAGER)
    html = client.get("/console/").text
    assert 'id="liability-none"' in html
    assert 'id="alerts-none"' in html


def test_a_marketer_approves_and_rejects_from_the_queue_each_audited(
    client: TestClient, container: Container
) -> None:
    first, second = propose(client, container), propose(client, container)
    signed_in(client, container, R.VIEWER)
    assert client.get("/console/approvals", headers={"Accept": "text/html"}).status_code == 403
    marketer = signed_in(client, container, R.MARKETING_OPS)
    queue = client.get("/console/approvals")
    assert queue.status_code == 200
    html = queue.text
    assert f'aria-label="Approve offer {first["id"]}"' in html
    assert f'aria-label="Reject offer {second["id"]}"' in html
    assert "500 points, at or above the approval threshold 400" in html
    assert f'<label for="reason-{first["id"]}">' in html
    # keyboard order: the reason, then Approve, then Reject, with no positive tabindex to reorder them
    order = [html.index(f'id="{part}-{first["id"]}"') for part in ("reason", "approve", "reject")]
    assert order == sorted(order)
    assert not re.search(r'tabindex="[1-9]', html)

    token = csrf(client)
    no_reason = client.post(
        f"/console/approvals/{first['id']}/approve",
        data={"csrf_token": token, "reason": " ", "proposal_hash": first["proposal_hash"]},
    )
    assert no_reason.status_code == 422
    assert 'id="approval-error"' in no_reason.text
    assert offer_rows(container, id=first["id"])[0]["state"] == "pending_approval"

    approved = client.post(
        f"/console/approvals/{first['id']}/approve",
        data={"csrf_token": token, "reason": "fits the campaign", "proposal_hash": first["proposal_hash"]},
        follow_redirects=False,
    )
    assert approved.status_code == 303
    assert offer_rows(container, id=first["id"])[0]["state"] == "issued"
    entry = last_audit(container)
    assert (entry["action"], entry["actor"]) == ("offer.approved", f"console:{marketer}")
    assert "fits the campaign" in entry["details"]
    assert f"Offer {first['id']} approved." in client.get(approved.headers["location"]).text

    rejected = client.post(
        f"/console/approvals/{second['id']}/reject",
        data={"csrf_token": token, "reason": "too generous", "proposal_hash": second["proposal_hash"]},
        follow_redirects=False,
    )
    assert rejected.status_code == 303
    assert offer_rows(container, id=second["id"])[0]["state"] == "rejected"
    assert last_audit(container)["action"] == "offer.rejected"
    again = client.post(
        f"/console/approvals/{second['id']}/approve",
        data={"csrf_token": token, "reason": "changed my mind", "proposal_hash": second["proposal_hash"]},
    )
    assert again.status_code == 409
    assert "cannot become approved" in again.text


def test_the_proposer_cannot_decide_their_own_offer_and_the_page_says_so(
    client: TestClient, container: Container
) -> None:
    offer = propose(client, container)
    marketer = signed_in(client, container, R.MARKETING_OPS)
    with container.db.write() as conn:
        conn.execute(
            update(offers).where(offers.c.id == offer["id"]).values(proposed_by=f"console:{marketer}")
        )
    assert f'id="own-{offer["id"]}"' in client.get("/console/approvals").text
    refused = client.post(
        f"/console/approvals/{offer['id']}/approve",
        data={"csrf_token": csrf(client), "reason": "my own idea", "proposal_hash": offer["proposal_hash"]},
    )
    assert refused.status_code == 403
    assert "the proposer of an offer cannot approve or reject it" in refused.text
    assert 'role="alert"' in refused.text
    assert offer_rows(container, id=offer["id"])[0]["state"] == "pending_approval"
    stale = client.post(
        f"/console/approvals/{offer['id']}/reject",
        data={"csrf_token": csrf(client), "reason": "no", "proposal_hash": "0" * 64},
    )
    assert stale.status_code == 422  # "no" is too short a reason: nothing is decided


def test_member_360_finds_a_member_by_customer_id_and_explains_a_transaction(
    client: TestClient, container: Container
) -> None:
    customer = ref("cust")
    earned = purchase(customer, "42.00", mcc="5812")
    send(container, earned)
    token = container.tokeniser.token(customer)
    signed_in(client, container, R.VIEWER)
    found = client.post(
        "/console/members/search",
        data={"csrf_token": csrf(client), "customer_id": customer},
        follow_redirects=False,
    )
    assert (found.status_code, found.headers["location"]) == (303, f"/console/members/{token}")
    page = client.get(found.headers["location"])
    assert page.status_code == 200
    html = page.text
    assert customer not in html  # the page knows the member by token only
    assert 'id="member-tier">' in html
    assert earned["transaction_id"] in html
    assert 'id="personal-unavailable"' in html
    assert "not available: no core banking platform is configured" in html
    assert 'id="unmask"' not in html  # a viewer may not show personal data
    why = client.get(f"/console/members/{token}/why", params={"transaction_id": earned["transaction_id"]})
    assert why.status_code == 200
    assert "Earned " in why.text
    assert 'id="why-rules"' in why.text
    missing = client.get(f"/console/members/{token}/why", params={"transaction_id": "nope"})
    assert missing.status_code == 404
    assert client.get("/console/members/m_unknown").status_code == 404
    assert (
        client.post(f"/console/members/{token}/personal", data={"csrf_token": csrf(client)}).status_code
        == 403
    )


def test_personal_data_is_masked_until_risk_shows_it_and_the_read_is_audited(
    client: TestClient, container: Container
) -> None:
    person = SimCustomer(ref("cust"), "acc", "student", "US", "Ada Lovelace", "ada@example.org", "555-0100")
    send(container, purchase(person.customer_id, "10.00"))
    token = container.tokeniser.token(person.customer_id)
    with sandbox_core([person]) as (_, core):
        settings = container.settings.model_copy(
            update={"core_platform": "generic", "core_url": str(core.client.base_url)}
        )
        with app_client(dataclasses.replace(container, settings=settings)) as with_core:
            viewer = signed_in(with_core, container, R.VIEWER)
            assert "Ada Lovelace" not in with_core.get(f"/console/members/{token}").text
            risk = signed_in(with_core, container, R.RISK)
            masked = with_core.get(f"/console/members/{token}").text
            assert "Ada Lovelace" not in masked
            assert 'id="unmask"' in masked
            shown = with_core.post(f"/console/members/{token}/personal", data={"csrf_token": csrf(with_core)})
    assert shown.status_code == 200
    assert "Ada Lovelace" in shown.text
    assert "ada@example.org" in shown.text
    assert shown.headers["cache-control"] == "no-store"
    entry = last_audit(container)
    assert (entry["action"], entry["actor"], entry["subject"]) == (
        "console.personal_data_read",
        f"console:{risk}",
        f"member:{token}",
    )
    assert "Ada" not in entry["details"]
    assert viewer != risk


def test_a_forecast_with_redemptions_behind_it_carries_no_thin_history_note(
    client: TestClient, container: Container
) -> None:
    months = [
        {
            "month": "2024-07",
            "expected_redeemed_points": 120,
            "expected_expired_points": 0,
            "outstanding_end_points": 880,
            "expected_redeemed_value": "1.20",
        }
    ]
    report = {
        "as_of": "2024-06-01",
        "outstanding_points": 1000,
        "breakage_rate": 0.2,
        "currency": "USD",
        "value_per_point": "0.01",
        "gross_value": "10.00",
        "liability": "8.00",
        "months": months,
    }
    record_forecast(container.db, report, at=datetime(2024, 6, 1, 12, tzinfo=UTC))
    signed_in(client, container, R.VIEWER)
    html = client.get("/console/").text
    assert 'id="liability-value">8.00<' in html
    assert 'id="liability-thin"' not in html
