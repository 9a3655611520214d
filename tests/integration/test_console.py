"""The console through HTTP in process: log in, the overview's figures, roles, CSRF, lock-out, log-out,
single sign-on, and the audit entries each leaves."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pointflow.adapters.db.apikey_store import Role
from pointflow.adapters.db.audit_store import iter_entries, read_head
from pointflow.bootstrap import Container, oidc_verifier
from pointflow.entrypoints.api.app import create_app
from pointflow.governance.access import ConsoleRole
from pointflow.governance.audit import verify_chain
from tests.console_support import csrf_in, log_in, make_user
from tests.factories import EXAMPLE
from tests.oidc_support import AUDIENCE, ISSUER, ROLE_MAP, Provider, unsigned

PROBLEM = "application/problem+json"


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    # https: outside development the session cookie is Secure (and __Host-), so only sent over TLS.
    with TestClient(create_app(container), base_url="https://testserver", raise_server_exceptions=False) as c:
        yield c


def audit_actions(container: Container) -> list[tuple[str, str, dict[str, object]]]:
    with container.db.reader.connect() as conn:
        return [
            (e.action, e.actor, dict(e.details))
            for e in iter_entries(conn)
            if e.action.startswith("console.")
        ]


def test_log_in_read_the_overview_and_log_out(client: TestClient, container: Container) -> None:
    key = container.api_keys.create(Role.INGEST, "t", container.clock())[1]
    assert client.post(
        "/v1/events/generic", content=EXAMPLE, headers={"Authorization": f"Bearer {key}"}
    ).is_success
    username, password = make_user(container, ConsoleRole.VIEWER)

    signed_in = log_in(client, username, password)
    assert (signed_in.status_code, signed_in.headers["location"]) == (303, "/console/")
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith("__Host-pf_session=")
    assert all(flag in cookie.lower() for flag in ("httponly", "secure", "samesite=strict", "path=/"))

    page = client.get("/console/")
    assert page.status_code == 200
    assert 'id="points-issued">300<' in page.text
    assert 'href="#content"' in page.text
    assert 'id="content"' in page.text
    assert '<svg role="img"' in page.text
    assert "Postings per day" in page.text
    assert "/console/static/console.css" in page.text
    assert client.get("/console/static/console.css").status_code == 200

    out = client.post("/console/logout", data={"csrf_token": csrf_in(page.text)}, follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/console/login")
    after = client.get("/console/", follow_redirects=False)
    assert after.status_code == 303
    assert after.headers["location"].startswith("/console/login")
    actions = [a for a, _, _ in audit_actions(container)]
    assert actions == ["console.user_created", "console.login", "console.logout"]


def test_a_state_change_without_the_csrf_token_is_refused(client: TestClient, container: Container) -> None:
    username, password = make_user(container, ConsoleRole.RISK)
    log_in(client, username, password)
    page = client.get("/console/")
    refused = client.post("/console/logout", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["field"] == "csrf_token"
    wrong = client.post("/console/logout", data={"csrf_token": "guess"}, follow_redirects=False)
    assert wrong.status_code == 403
    assert client.get("/console/").status_code == 200  # still signed in: nothing happened
    by_header = client.post(
        "/console/logout", headers={"X-CSRF-Token": csrf_in(page.text)}, follow_redirects=False
    )
    assert by_header.status_code == 303


def test_the_log_in_form_needs_its_own_token(client: TestClient, container: Container) -> None:
    username, password = make_user(container, ConsoleRole.VIEWER)
    client.get("/console/login")
    forged = client.post(
        "/console/login",
        data={"username": username, "password": password, "csrf_token": "x"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert "pf_session" not in forged.headers.get("set-cookie", "")


def test_repeated_failures_lock_the_account_and_each_attempt_is_audited(
    client: TestClient, container: Container
) -> None:
    username, password = make_user(container, ConsoleRole.VIEWER)
    attempts = container.settings.lockout_attempts
    for _ in range(attempts):
        assert log_in(client, username, "not the password").status_code == 401
    assert log_in(client, username, password).status_code == 401  # locked, though right
    container.clock.advance(minutes=container.settings.lockout_minutes)  # type: ignore[attr-defined]
    assert log_in(client, username, password).status_code == 303
    assert log_in(client, "nobody-" + username, password).status_code == 401

    entries = audit_actions(container)
    actions = [a for a, _, _ in entries]
    assert actions.count("console.login_failed") == attempts + 2
    assert actions.count("console.lockout") == 1
    lockout = next(d for a, _, d in entries if a == "console.lockout")
    assert lockout["failures"] == attempts
    unknown = entries[-1]
    assert unknown[1] == "console:unknown"
    assert username not in json.dumps(unknown)
    assert all(password not in json.dumps(e) and "not the password" not in json.dumps(e) for e in entries)
    with container.db.reader.connect() as conn:
        assert verify_chain(iter_entries(conn), read_head(conn)) is None


def test_the_navigation_shows_only_what_the_roles_allow_and_a_missing_role_is_refused(
    client: TestClient, container: Container
) -> None:
    from pointflow.entrypoints.console import pages
    from pointflow.entrypoints.console.auth import require_roles

    app = client.app
    page = pages.Page("/console/risk-only", "Risk only", frozenset({ConsoleRole.RISK}))

    @app.get("/console/risk-only", dependencies=[])  # type: ignore[attr-defined,untyped-decorator]
    def risk_only(
        _: object = __import__("fastapi").Depends(require_roles(ConsoleRole.RISK)),
    ) -> dict[str, str]:
        return {"ok": "yes"}

    pages.PAGES.append(page)
    try:
        viewer, viewer_pw = make_user(container, ConsoleRole.VIEWER)
        log_in(client, viewer, viewer_pw)
        assert "Risk only" not in client.get("/console/").text
        denied = client.get("/console/risk-only", headers={"Accept": "text/html"})
        assert denied.status_code == 403
        assert "risk" in denied.text
        assert client.get("/console/risk-only").headers["content-type"] == PROBLEM
        client.cookies.clear()
        risk, risk_pw = make_user(container, ConsoleRole.RISK)
        log_in(client, risk, risk_pw)
        assert "Risk only" in client.get("/console/").text
        assert client.get("/console/risk-only").json() == {"ok": "yes"}
    finally:
        pages.PAGES.remove(page)


def test_api_keys_do_not_open_the_console_and_console_sessions_do_not_open_the_api(
    client: TestClient, container: Container
) -> None:
    admin_key = container.api_keys.create(Role.ADMIN, "t", container.clock())[1]
    refused = client.get("/console/", headers={"Authorization": f"Bearer {admin_key}"})
    assert refused.status_code == 401
    assert refused.headers["content-type"] == PROBLEM
    username, password = make_user(container, ConsoleRole.ADMIN)
    log_in(client, username, password)
    assert client.get("/console/").status_code == 200
    assert client.get("/v1/members/cust_888").status_code == 401
    assert client.get("/v1/offers/approvals").status_code == 401


@pytest.fixture
def sso(container: Container, tmp_path: Path) -> tuple[TestClient, Provider]:
    provider = Provider()
    settings = container.settings.model_copy(
        update={
            "oidc_issuer": ISSUER,
            "oidc_audience": AUDIENCE,
            "oidc_jwks_file": provider.write_jwks(tmp_path),
            "oidc_role_map": ROLE_MAP,
        }
    )
    import dataclasses

    with_sso = dataclasses.replace(container, settings=settings, oidc=oidc_verifier(settings))
    return TestClient(
        create_app(with_sso), base_url="https://testserver", raise_server_exceptions=False
    ), provider


def test_a_token_from_the_identity_provider_opens_the_console_with_its_mapped_roles(
    sso: tuple[TestClient, Provider],
) -> None:
    client, provider = sso
    page = client.get("/console/", headers={"Authorization": f"Bearer {provider.token(alg='ES256')}"})
    assert page.status_code == 200
    assert "rita.risk" in page.text
    assert "(risk)" in page.text
    assert 'action="/console/logout"' not in page.text  # no session to end, no CSRF token to carry
    no_roles = client.get("/console/", headers={"Authorization": f"Bearer {provider.token(groups=['x'])}"})
    assert no_roles.status_code == 403


@pytest.mark.parametrize("case", ["expired", "audience", "issuer", "signature", "none"])
def test_bad_identity_provider_tokens_get_a_401_problem(sso: tuple[TestClient, Provider], case: str) -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    client, provider = sso
    token = {
        "expired": lambda: provider.token(exp=1_000_000, iat=999_000),
        "audience": lambda: provider.token(aud="other"),
        "issuer": lambda: provider.token(iss="https://elsewhere/"),
        "signature": lambda: provider.token(alg="ES256", key=ec.generate_private_key(ec.SECP256R1())),
        "none": unsigned,
    }[case]()
    refused = client.get("/console/", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["field"] == "Authorization"
