"""Every API route × every API-key role (and no credentials), generated from the OpenAPI document; and every
console route refuses the signed-out and, for a state change, a missing CSRF token.

API keys are programme-wide service credentials (decision 0013): a key with the read role reads any member.
People see member data only through console routes, which API keys do not open (tests/integration/
test_console.py), and those routes declare their roles with `require_roles(...)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from pointflow.adapters.db.apikey_store import Role
from pointflow.bootstrap import Container, bootstrap
from pointflow.config import Settings
from pointflow.entrypoints.api.app import create_app
from pointflow.entrypoints.api.deps import RoleCheck
from pointflow.governance.access import ConsoleRole
from tests.console_support import log_in, make_user

PUBLIC = "public"  # no credentials at all: liveness and metrics
SIGNED = "HMAC-signed webhook"  # the sender's signature, not an API key
IN, R, D, A, M = Role.INGEST, Role.READ, Role.REDEEM, Role.ADMIN, Role.MARKETING

# The table a reviewer reads: who may call what. Admin keys may call every keyed route.
EXPECTED: dict[tuple[str, str], str | frozenset[Role]] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/metrics"): PUBLIC,
    ("GET", "/v1/programme"): frozenset({R, A}),
    ("POST", "/v1/events/{connector}"): frozenset({IN, A}),
    ("POST", "/v1/webhooks/{connector}"): SIGNED,
    ("GET", "/v1/members/{customer_id}"): frozenset({R, A}),
    ("GET", "/v1/members/{customer_id}/ledger"): frozenset({R, A}),
    ("GET", "/v1/members/{customer_id}/transactions/{transaction_id}/explanation"): frozenset({R, A}),
    ("GET", "/v1/members/{customer_id}/scores"): frozenset({R, A}),
    ("POST", "/v1/members/{customer_id}/redemptions"): frozenset({D, A}),
    ("POST", "/v1/members/{customer_id}/adjustments"): frozenset({A}),
    ("GET", "/v1/offers/approvals"): frozenset({M, A}),
    ("POST", "/v1/offers/{offer_id}/approve"): frozenset({M, A}),
    ("POST", "/v1/offers/{offer_id}/reject"): frozenset({M, A}),
    ("POST", "/v1/members/{customer_id}/offers/{offer_id}/accept"): frozenset({D, A}),
    ("GET", "/v1/members/{customer_id}/offers"): frozenset({R, A}),
    ("GET", "/v1/members/{customer_id}/decisions/{decision_id}"): frozenset({R, A}),
}
CALLERS: list[Role | None] = [None, *Role]


@pytest.fixture(scope="module")
def container(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    folder = tmp_path_factory.mktemp("matrix")
    settings = Settings(
        database_url=f"sqlite:///{folder}/matrix.db", environment="test", model_registry_dir=folder / "models"
    )
    built = bootstrap(settings)
    yield built
    built.close()


@pytest.fixture(scope="module")
def app(container: Container) -> FastAPI:
    return create_app(container)


@pytest.fixture(scope="module")
def client(app: FastAPI) -> Iterator[TestClient]:
    # One client for the module: the app's lifespan (the ingest batcher) starts and stops once.
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture(scope="module")
def keys(container: Container) -> dict[Role, str]:
    return {role: container.api_keys.create(role, "matrix", container.clock())[1] for role in Role}


def operations(app: FastAPI) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item}


def routes(app: FastAPI) -> list[tuple[str, str, Any]]:
    """(method, full path, the route's dependant) of every FastAPI route, routers' prefixes applied."""
    found = []
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            found.extend((m, str(context.path), context) for m in sorted(context.methods or ()))
    assert found, "no routes found: has FastAPI changed how it lists them?"
    return found


def role_checks(route: Any) -> set[Role]:
    """The roles the route's dependencies (at any depth) let through."""
    found: set[Role] = set()
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        if isinstance(dependant.call, RoleCheck):
            found |= {dependant.call.role, Role.ADMIN}
        stack.extend(dependant.dependencies)
    return found


def test_the_table_names_every_route_of_the_openapi_document_and_no_other(app: FastAPI) -> None:
    documented = operations(app)
    assert documented - EXPECTED.keys() == set(), "a new route: add it to EXPECTED with who may call it"
    assert EXPECTED.keys() - documented == set(), "EXPECTED names a route that is gone"


def test_the_table_agrees_with_the_roles_the_routes_declare(app: FastAPI) -> None:
    checked = 0
    for method, path, route in routes(app):
        if route.include_in_schema:
            expected = EXPECTED[(method, path)]
            assert role_checks(route) == (set() if isinstance(expected, str) else expected), (method, path)
            checked += 1
    assert checked == len(EXPECTED)


def _request(path: str) -> tuple[str, dict[str, Any]]:
    concrete = path.replace("{connector}", "generic")
    for name in ("customer_id", "transaction_id", "offer_id", "decision_id"):
        concrete = concrete.replace("{" + name + "}", "matrix_1")
    return concrete, {"json": {"reason": "matrix", "reward_id": "none", "points": 1}}


@pytest.mark.parametrize("operation", sorted(EXPECTED), ids=lambda op: f"{op[0]} {op[1]}")
@pytest.mark.parametrize("caller", CALLERS, ids=lambda r: r.value if r else "no-credentials")
def test_each_role_is_refused_or_let_through_as_the_table_says(
    client: TestClient, keys: dict[Role, str], operation: tuple[str, str], caller: Role | None
) -> None:
    method, path = operation
    url, body = _request(path)
    headers = {"Idempotency-Key": "matrix-1"}
    if caller is not None:
        headers["Authorization"] = f"Bearer {keys[caller]}"
    status = client.request(method, url, headers=headers, **(body if method == "POST" else {})).status_code
    allowed = EXPECTED[operation]
    if allowed == PUBLIC:
        assert status not in (401, 403)
    elif allowed == SIGNED:
        assert status in (401, 403), "an API key must not stand in for the webhook's signature"
    elif caller is None:
        assert status == 401
    elif caller in allowed:
        assert status not in (401, 403), f"{caller} may call {method} {path}"
    else:
        assert status == 403, f"{caller} must not call {method} {path}"


def console_routes(app: FastAPI) -> list[tuple[str, str]]:
    return sorted(
        (method, path)
        for method, path, _ in routes(app)
        if path.startswith("/console") and path != "/console/login"
    )


def test_the_console_has_routes_to_check(app: FastAPI) -> None:
    assert ("GET", "/console/") in console_routes(app)
    assert ("POST", "/console/logout") in console_routes(app)
    assert all(not r.include_in_schema for _, p, r in routes(app) if p.startswith("/console"))


def test_every_console_route_refuses_the_signed_out_and_state_changes_without_the_csrf_token(
    container: Container,
) -> None:
    username, password = make_user(container, ConsoleRole.ADMIN)
    app = create_app(container)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        for method, path in console_routes(app):
            signed_out = client.request(method, path, follow_redirects=False)
            if method == "GET":
                assert signed_out.status_code == 303, path
                assert "/console/login" in signed_out.headers["location"], path
            else:
                assert signed_out.status_code == 401, path
        assert log_in(client, username, password).status_code == 303
        for method, path in console_routes(app):
            if method != "GET":
                refused = client.request(method, path, data={}, follow_redirects=False)
                assert refused.status_code == 403, f"{method} {path} changed state without a CSRF token"
