"""Programme changes on SQLite and PostgreSQL: a proposal back-tested over really ingested postings,
maker-checker approval that activates the version through the programme store, refusals, the audit chain,
and the console routes (roles, CSRF, validation errors shown on the page)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from fastapi.testclient import TestClient

from pointflow.adapters.db.audit_store import iter_entries, read_head
from pointflow.adapters.db.backtest_reads import SqlPostings
from pointflow.adapters.db.programme_store import ProgrammeStore
from pointflow.adapters.programme_file import sample_programme_path
from pointflow.bootstrap import Container
from pointflow.domain.maker_checker import BaseMoved, ContentChanged, OwnProposal, RoleRefused
from pointflow.entrypoints.api.app import create_app
from pointflow.entrypoints.console.programme import backtest, changes_of
from pointflow.governance.access import ConsoleRole
from pointflow.governance.audit import verify_chain
from tests.console_support import csrf_in, log_in, make_user
from tests.factories import purchase, ref, send

SAMPLE = sample_programme_path().read_text(encoding="utf-8")
DINING_3X = SAMPLE.replace(
    "    multiplier: 2\n    cap: {points: 10000", "    multiplier: 3\n    cap: {points: 10000"
)
PM = {"product_manager"}


def whole(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def dinners(container: Container) -> list[Decimal]:
    amounts = [Decimal("12.34"), Decimal("80.50"), Decimal("7.77"), Decimal("150.00")]
    for i, amount in enumerate(amounts):
        customer = ref("cust")
        results = send(
            container,
            purchase(customer, str(amount), mcc="5812", when=f"2024-05-{10 + i:02d}T12:00:00Z"),
            purchase(customer, "20.00", mcc="5411", when=f"2024-05-{10 + i:02d}T13:00:00Z"),  # groceries
        )
        assert all(r.status == "accepted" for r in results), results
    return amounts


def test_a_proposal_is_back_tested_over_real_postings_and_approved_by_a_second_pm(
    container: Container,
) -> None:
    assert DINING_3X != SAMPLE
    amounts = dinners(container)
    store = changes_of(container)
    base = container.programmes.active().version
    change = store.propose(DINING_3X, proposer="ana", roles=PM, summary="dining 3x")
    backtest(container, change, months=3, actor="ana")
    result = store.get(change.id)
    assert result is not None
    assert result.backtest is not None
    total = result.backtest["total"]
    expected = sum(whole(a * 3) - whole(a * 2) for a in amounts)
    assert (total["postings"], total["members"], total["members_affected"]) == (8, 4, 4)
    assert total["points_difference"] == total["change_points"] == expected
    assert Decimal(total["liability_difference"]) == expected * Decimal("0.01")

    with pytest.raises(OwnProposal):
        store.approve(change.id, approver="ana", roles=PM, reviewed_hash=change.yaml_hash)
    with pytest.raises(RoleRefused):
        store.approve(change.id, approver="root", roles={"admin", "risk"}, reviewed_hash=change.yaml_hash)
    with pytest.raises(ContentChanged):
        store.approve(change.id, approver="bo", roles=PM, reviewed_hash="0" * 64)
    assert container.programmes.active().version == base

    version = store.approve(change.id, approver="bo", roles=PM, reviewed_hash=change.yaml_hash)
    assert version != base
    assert container.programmes.active().version == version
    dining = next(r for r in container.programmes.active().programme.rules if r.id == "dining-2x")
    assert dining.multiplier == 3
    after = store.get(change.id)
    assert after is not None
    assert (after.state, after.reviewed_by, after.applied_version) == ("applied", "bo", version)

    with container.db.reader.connect() as conn:
        entries = [e for e in iter_entries(conn) if "programme" in e.action]
        assert verify_chain(iter_entries(conn), read_head(conn)) is None
    actions = [e.action for e in entries]
    assert actions[-8:] == [
        "programme.change_proposed",
        "programme.change_backtested",
        "programme.change_approval_refused",  # by the proposer
        "programme.change_approval_refused",  # by admin and risk
        "programme.change_approval_refused",  # another text than the one reviewed
        "programme.loaded",
        "programme.change_approved",
        "programme.change_applied",
    ]
    assert entries[-1].actor == "console:bo"


def test_an_approval_after_the_active_version_moved_is_refused(container: Container) -> None:
    store = changes_of(container)
    first = store.propose(DINING_3X, proposer="ana", roles=PM, summary="dining 3x")
    second = store.propose(
        SAMPLE.replace("base_rate: 1 ", "base_rate: 2 "), proposer="cy", roles=PM, summary=""
    )
    store.approve(second.id, approver="bo", roles=PM, reviewed_hash=second.yaml_hash)
    with pytest.raises(BaseMoved):
        store.approve(first.id, approver="bo", roles=PM, reviewed_hash=first.yaml_hash)
    refused = store.get(first.id)
    assert refused is not None
    assert refused.state == "proposed"


def test_a_restart_with_the_same_file_keeps_the_approved_change(container: Container) -> None:
    store = changes_of(container)
    change = store.propose(DINING_3X, proposer="ana", roles=PM, summary="")
    approved = store.approve(change.id, approver="bo", roles=PM, reviewed_hash=change.yaml_hash)
    restarted = ProgrammeStore(container.db, container.clock)
    restarted.load(SAMPLE, actor="bootstrap", once=True)
    assert restarted.active().version == approved


def test_rejection_is_recorded_with_its_reason(container: Container) -> None:
    store = changes_of(container)
    change = store.propose(DINING_3X, proposer="ana", roles=PM, summary="")
    store.reject(change.id, reviewer="bo", roles=PM, reason="too costly")
    after = store.get(change.id)
    assert after is not None
    assert (after.state, after.reason) == ("rejected", "too costly")


# --- the console routes -------------------------------------------------------------------------------


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container), base_url="https://testserver", raise_server_exceptions=False) as c:
        yield c


def signed_in(client: TestClient, container: Container, *roles: ConsoleRole) -> str:
    client.cookies.clear()
    username, password = make_user(container, *roles)
    assert log_in(client, username, password).status_code == 303
    return username


def test_the_editor_proposes_shows_errors_and_a_second_pm_approves(
    client: TestClient, container: Container
) -> None:
    signed_in(client, container, ConsoleRole.PRODUCT_MANAGER)
    page = client.get("/console/programme")
    assert page.status_code == 200
    for ident in (
        'id="programme-yaml"',
        'id="change-summary"',
        'id="backtest-months"',
        'id="programme-rules"',
    ):
        assert ident in page.text
    token = csrf_in(page.text)

    bad = SAMPLE.replace("    multiplier: 2\n    cap: {points: 10000", "    cap: {points: 10000")
    invalid = client.post("/console/programme/changes", data={"csrf_token": token, "programme_yaml": bad})
    assert invalid.status_code == 422
    assert "rules.8.multiplier" in invalid.text
    assert "required for a rule of kind multiplier" in invalid.text
    broken = client.post("/console/programme/changes", data={"csrf_token": token, "programme_yaml": "a: [\n"})
    assert broken.status_code == 422
    assert "&lt;yaml&gt;" in broken.text
    assert changes_of(container).recent() == []

    made = client.post(
        "/console/programme/changes",
        data={"csrf_token": token, "programme_yaml": DINING_3X, "summary": "dining 3x", "months": "2"},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    detail_url = made.headers["location"]
    own = client.get(detail_url)
    assert 'id="backtest-period"' in own.text
    assert 'id="approve-submit"' in own.text
    mine = client.post(
        detail_url + "/approve", data={"csrf_token": token, "yaml_hash": csrf_in_hash(own.text)}
    )
    assert mine.status_code == 403
    assert "own proposal" in mine.text

    signed_in(client, container, ConsoleRole.PRODUCT_MANAGER)
    other = client.get(detail_url)
    approved = client.post(
        detail_url + "/approve",
        data={"csrf_token": csrf_in(other.text), "yaml_hash": csrf_in_hash(other.text)},
        follow_redirects=False,
    )
    assert approved.status_code == 303
    assert 'id="change-state">applied<' in client.get(detail_url).text


def csrf_in_hash(html: str) -> str:
    marker = 'id="approve-yaml-hash" value="'
    return html[html.index(marker) + len(marker) :][:64]


def test_roles_and_csrf_on_the_editor(client: TestClient, container: Container) -> None:
    change = changes_of(container).propose(DINING_3X, proposer="ana", roles=PM, summary="")
    signed_in(client, container, ConsoleRole.VIEWER)
    page = client.get("/console/programme")
    assert page.status_code == 200
    assert 'id="programme-yaml"' not in page.text
    token = csrf_in(page.text)
    for path in ("/console/programme/changes", f"/console/programme/changes/{change.id}/approve"):
        refused = client.post(path, data={"csrf_token": token, "programme_yaml": SAMPLE, "yaml_hash": "x"})
        assert refused.status_code == 403, path
    assert 'id="approve-submit"' not in client.get(f"/console/programme/changes/{change.id}").text

    signed_in(client, container, ConsoleRole.ADMIN)  # admin opens the route, but is not a product manager
    admin_page = client.get(f"/console/programme/changes/{change.id}")
    data = {"csrf_token": csrf_in(admin_page.text), "yaml_hash": change.yaml_hash}
    by_admin = client.post(f"/console/programme/changes/{change.id}/approve", data=data)
    assert by_admin.status_code == 403
    assert "product_manager" in by_admin.text

    signed_in(client, container, ConsoleRole.PRODUCT_MANAGER)
    no_token = client.post(
        f"/console/programme/changes/{change.id}/approve", data={"yaml_hash": change.yaml_hash}
    )
    assert no_token.status_code == 403
    assert no_token.json()["field"] == "csrf_token"
    still = changes_of(container).get(change.id)
    assert still is not None
    assert still.state == "proposed"


def test_the_postings_are_read_in_keyset_pages_ordered_by_member_and_time(container: Container) -> None:
    dinners(container)
    source = SqlPostings(container.db)
    newest = source.newest_booking()
    assert newest == datetime(2024, 5, 13, 13, tzinfo=UTC)
    since = datetime(2024, 5, 11, tzinfo=UTC)
    paged = list(source.postings(since, newest, page_size=3))
    whole_lot = list(source.postings(since, newest, page_size=1000))
    assert paged == whole_lot
    assert len(paged) == 6  # three customers' two postings from the 11th on
    keys = [(p.token, json_time(p.record)) for p in paged]
    assert keys == sorted(keys)


def json_time(record: str) -> str:
    return str(json.loads(record)["booked_at"])
