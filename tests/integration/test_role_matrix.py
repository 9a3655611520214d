"""Every API route × every API-key role (and no credentials), generated from the OpenAPI document; and every
console route refuses the signed-out and, for a state change, a missing CSRF token.

An unscoped API key is a programme-wide service credential (decision 0013): a read key reads any member. A key
scoped to one member (`apikey create --customer`) reaches only the object routes — those with {customer_id} in
the path — of that member, 404 for any other, and no programme-wide route (403): the last tests below, also
generated from the OpenAPI document. People see member data only through console routes, which API keys do
not open (tests/integration/test_console.py), and those routes declare their roles with `require_roles(...)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import insert

from pointflow.adapters.db.apikey_store import SCOPABLE_ROLES, Role, ScopeNotAllowed
from pointflow.adapters.db.tables import member_scores
from pointflow.bootstrap import Container, bootstrap
from pointflow.config import Settings
from pointflow.domain.ids import new_id
from pointflow.entrypoints.api.app import create_app
from pointflow.entrypoints.api.deps import RoleCheck
from pointflow.governance.access import ConsoleRole
from tests.console_support import log_in, make_user
from tests.factories import purchase, ref
from tests.integration.offer_support import deposit, live, use_offers

PROBLEM = "application/problem+json"
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


# Member scope (docs/operations.md, API keys): a key scoped to member A acts only on A's object routes —
# the routes with a {customer_id} in the path — and on no programme-wide route.
MEMBER = "{customer_id}"
SCOPE_REFUSED = "no such member for this key"
# Object routes whose allowed call is not 2xx in this fixture, and why (anything else must be 2xx).
NOT_2XX: dict[tuple[str, str], str] = {
    ("POST", "/v1/members/{customer_id}/adjustments"): "admin only: scoped keys are read or redeem (403)",
}


def object_routes(app: FastAPI) -> list[tuple[str, str]]:
    return sorted(op for op in operations(app) if MEMBER in op[1])


def _now(container: Container) -> str:
    return container.clock().isoformat().replace("+00:00", "Z")


@pytest.fixture(scope="module")
def members(client: TestClient, container: Container) -> dict[str, str]:
    """Member A with a balance, a purchase, an issued offer, its decision and a score; member B exists too."""
    use_offers(container, live)
    admin = {"Authorization": f"Bearer {container.api_keys.create(A, 'scope', container.clock())[1]}"}
    a, b = ref("cust_a"), ref("cust_b")
    for customer in (a, b):
        repayment = deposit(customer, "300", when=_now(container)) | {
            "transaction_type": "loan_repayment",
            "direction": "debit",
        }
        assert client.post("/v1/events/generic", json=repayment, headers=admin).status_code == 202
    bought = purchase(a, "20.00", when=_now(container))
    assert client.post("/v1/events/generic", json=bought, headers=admin).status_code == 202
    credit = {"points": 5000, "reason": "matrix scope"}
    credited = client.post(
        f"/v1/members/{a}/adjustments", json=credit, headers=admin | {"Idempotency-Key": ref("adj")}
    )
    assert credited.status_code == 201, credited.text
    [offer] = client.get(f"/v1/members/{a}/offers", headers=admin).json()["offers"]
    _score(container, a)
    return {
        "a": a,
        "b": b,
        "transaction_id": bought["transaction_id"],
        "offer_id": offer["offer_id"],
        "decision_id": offer["decision_id"],
    }


def _score(container: Container, customer_id: str) -> None:
    """A score record as the scoring job writes it: no model is trained in this fixture."""
    row = {
        "id": new_id(),
        "token": container.tokeniser.token(customer_id),
        "model": "propensity",
        "source": "fallback-rule",
        "probability": 0.5,
        "low_confidence": True,
        "reasons": ["no model"],
        "contributions": [],
        "explained_by": "rule",
        "imputed": [],
        "source_system": "matrix",
        "source_id": ref("src"),
        "as_of": container.clock().date(),
        "scored_at": container.clock(),
    }
    with container.db.write() as conn:
        conn.execute(insert(member_scores).values(**row))


@pytest.fixture(scope="module")
def scoped(container: Container, members: dict[str, str]) -> dict[Role, str]:
    token = container.tokeniser.token(members["a"])
    return {
        role: container.api_keys.create(role, "scoped", container.clock(), token)[1]
        for role in SCOPABLE_ROLES
    }


def _scoped_call(
    client: TestClient, operation: tuple[str, str], member: str, ids: dict[str, str], key: str
) -> Any:
    method, path = operation
    url = path.replace(MEMBER, member)
    for name, value in ids.items():
        url = url.replace("{" + name + "}", value)
    url = url.replace("{connector}", "generic")
    assert "{" not in url, f"{method} {path}: give the matrix a value for its path parameter"
    bodies = {
        "redemptions": {"reward_id": "coffee-voucher-10"},
        "adjustments": {"points": 1, "reason": "matrix scope"},
    }
    body = next((b for suffix, b in bodies.items() if path.endswith(suffix)), {"reason": "matrix"})
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": ref("scope")}
    return client.request(method, url, headers=headers, **({"json": body} if method == "POST" else {}))


def _key_for(operation: tuple[str, str], scoped: dict[Role, str]) -> tuple[Role, str]:
    """A scoped key of a role the route lets through, else any scoped key (the route refuses it by role)."""
    allowed = EXPECTED[operation]
    fitting = sorted(r for r in scoped if not isinstance(allowed, str) and r in allowed)
    role = fitting[0] if fitting else sorted(scoped)[0]
    return role, scoped[role]


def test_the_object_routes_are_the_member_routes(app: FastAPI) -> None:
    found = object_routes(app)
    assert ("GET", "/v1/members/{customer_id}") in found
    assert ("POST", "/v1/members/{customer_id}/offers/{offer_id}/accept") in found
    assert len(found) == sum(MEMBER in path for _, path in EXPECTED)


def test_only_read_and_redeem_keys_may_be_scoped(container: Container) -> None:
    for role in set(Role) - SCOPABLE_ROLES:
        with pytest.raises(ScopeNotAllowed):
            container.api_keys.create(role, "scoped", container.clock(), "m_someone")


@pytest.mark.parametrize("operation", sorted(op for op in EXPECTED if MEMBER in op[1]), ids=" ".join)
def test_a_scoped_key_reaches_its_member_and_no_other(
    client: TestClient,
    members: dict[str, str],
    scoped: dict[Role, str],
    operation: tuple[str, str],
) -> None:
    role, key = _key_for(operation, scoped)
    other = _scoped_call(client, operation, members["b"], members, key)
    assert other.status_code == 404, f"{operation} showed member B to a key scoped to A: {other.text}"
    assert other.headers["content-type"].startswith(PROBLEM)
    assert (other.json()["field"], other.json()["detail"]) == ("customer_id", SCOPE_REFUSED)
    own = _scoped_call(client, operation, members["a"], members, key)
    if operation in NOT_2XX:
        assert role not in EXPECTED[operation]
        assert own.status_code == 403, own.text
    else:
        assert 200 <= own.status_code < 300, f"{role} scoped to A: {operation} {own.status_code} {own.text}"


@pytest.mark.parametrize("operation", sorted(op for op in EXPECTED if MEMBER not in op[1]), ids=" ".join)
@pytest.mark.parametrize("role", sorted(SCOPABLE_ROLES))
def test_a_scoped_key_may_not_act_programme_wide(
    client: TestClient,
    scoped: dict[Role, str],
    members: dict[str, str],
    operation: tuple[str, str],
    role: Role,
) -> None:
    refused = _scoped_call(client, operation, members["a"], members, scoped[role])
    if EXPECTED[operation] == PUBLIC:
        assert refused.status_code not in (401, 403)  # no credentials are read at all
    elif EXPECTED[operation] == SIGNED:
        assert refused.status_code in (401, 403)
    else:
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"].startswith(PROBLEM)
        assert refused.json()["field"] == "Authorization"
        assert "member-scoped" in refused.json()["detail"]


def test_an_unscoped_key_still_reads_any_member(
    client: TestClient, keys: dict[Role, str], members: dict[str, str]
) -> None:
    for member in (members["a"], members["b"]):
        assert (
            client.get(f"/v1/members/{member}", headers={"Authorization": f"Bearer {keys[R]}"}).status_code
            == 200
        )
