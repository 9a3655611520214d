"""Signed webhooks: HMAC-SHA256 over timestamp and body, a replay window, rotation, quarantine of refusals."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from pointflow.bootstrap import Container, bootstrap
from pointflow.config import Settings
from pointflow.entrypoints.api.app import create_app
from pointflow.governance.signatures import HEADER, sign
from pointflow.sim.emit import canonical_history, native_documents, post_webhooks
from pointflow.sim.platforms.generic import GenericSandbox
from tests.conftest import Clock
from tests.factories import EXAMPLE, purchase, ref

SECRETS = {"generic": [SecretStr("current-secret-0123456789"), SecretStr("previous-secret-0123456789")]}


@pytest.fixture
def signed(database_url: str, clock: Clock) -> Iterator[tuple[TestClient, Container, Clock]]:
    settings = Settings(database_url=database_url, environment="test", webhook_secrets=SECRETS)
    container = bootstrap(settings, clock=clock)
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield client, container, clock
    container.close()


def post(client: TestClient, body: bytes, header: str | None, connector: str = "generic"):
    headers = {HEADER: header} if header is not None else {}
    return client.post(f"/v1/webhooks/{connector}", content=body, headers=headers)


def now(clock: Clock) -> int:
    return int(clock().timestamp())


def test_a_signed_webhook_is_applied_without_an_api_key(signed: tuple[TestClient, Container, Clock]) -> None:
    client, _, clock = signed
    body = EXAMPLE.encode()
    answer = post(client, body, sign("current-secret-0123456789", now(clock), body))
    assert answer.status_code == 202, answer.text
    assert answer.json()["points"] == 300


def test_the_previous_secret_still_works_during_rotation(signed: tuple[TestClient, Container, Clock]) -> None:
    client, _, clock = signed
    body = json.dumps(purchase(ref("cust"), "10.00")).encode()
    assert post(client, body, sign("previous-secret-0123456789", now(clock), body)).status_code == 202


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("missing", "header is required"),
        ("malformed", "must look like"),
        ("wrong secret", "no v1 signature matches"),
        ("tampered body", "no v1 signature matches"),
        ("stale", "at most 300 s"),
    ],
)
def test_refusals_are_401_naming_the_header_and_the_body_is_kept(
    signed: tuple[TestClient, Container, Clock], case: str, reason: str
) -> None:
    client, container, clock = signed
    body = json.dumps(purchase(ref("cust"), "10.00")).encode()
    header = {
        "missing": None,
        "malformed": "v1=abc",
        "wrong secret": sign("not-the-secret", now(clock), body),
        "tampered body": sign("current-secret-0123456789", now(clock), body + b" "),
        "stale": sign("current-secret-0123456789", now(clock) - 301, body),
    }[case]
    answer = post(client, body, header)
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["field"] == HEADER
    assert reason in problem["detail"]
    kept = container.quarantine.items()
    assert [(i.id, i.raw) for i in kept] == [(problem["quarantine_id"], body.decode())]


def test_a_connector_without_a_secret_refuses_webhooks(container: Container) -> None:
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        body = EXAMPLE.encode()
        answer = post(client, body, sign("anything", int(container.clock().timestamp()), body))
    assert answer.status_code == 403
    assert answer.json()["field"] == "connector"
    assert "POINTFLOW_WEBHOOK_SECRETS" in answer.json()["detail"]


def test_an_unknown_connector_is_404(signed: tuple[TestClient, Container, Clock]) -> None:
    client, _, clock = signed
    answer = post(client, b"{}", sign("x", now(clock), b"{}"), connector="nope")
    assert answer.status_code == 404
    assert answer.json()["field"] == "connector"


def test_the_sandbox_bank_feeds_pointflow_through_the_signed_webhook(
    signed: tuple[TestClient, Container, Clock],
) -> None:
    client, container, clock = signed
    platform = GenericSandbox()
    events = list(canonical_history(4, 1, date(2024, 4, 1)))
    documents = list(native_documents(platform, events))
    statuses = post_webhooks(
        documents,
        url="http://testserver",
        connector="generic",
        secret="current-secret-0123456789",
        client=client,
        clock=lambda: clock().timestamp(),
    )
    assert set(statuses) <= {200, 202}
    assert sum(statuses.values()) == len(events)
    assert container.quarantine.count() == 0
