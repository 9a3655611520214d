"""No input yields a 500: random bodies and random field values against the ingest endpoint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointflow.adapters.db.apikey_store import Role
from pointflow.bootstrap import Container, bootstrap
from pointflow.config import Settings
from pointflow.entrypoints.api.app import create_app
from tests.conftest import Clock
from tests.factories import EXAMPLE

FIELDS = [
    *list(json.loads(EXAMPLE)),
    "direction",
    "transaction_type",
    "merchant_country",
    "value_date",
    "original_transaction_id",
    "channel",
]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    container: Container = bootstrap(
        Settings(database_url=f"sqlite:///{path}", environment="test"),
        clock=Clock(datetime(2024, 6, 1, tzinfo=UTC)),
    )
    _, secret = container.api_keys.create(Role.INGEST, "fuzz", container.clock())
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        yield client, {"Authorization": f"Bearer {secret}"}
    container.close()


def check(response_status: int, content_type: str) -> None:
    assert response_status < 500
    if response_status >= 400:
        assert content_type == "application/problem+json"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=300))
def test_random_bytes(api: tuple[TestClient, dict[str, str]], body: bytes) -> None:
    client, headers = api
    response = client.post("/v1/events/generic", content=body, headers=headers)
    check(response.status_code, response.headers["content-type"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(FIELDS), json_values, min_size=1, max_size=4))
def test_the_example_with_random_field_values(
    api: tuple[TestClient, dict[str, str]], changes: dict[str, object]
) -> None:
    client, headers = api
    body = json.loads(EXAMPLE) | changes
    response = client.post("/v1/events/generic", content=json.dumps(body), headers=headers)
    check(response.status_code, response.headers["content-type"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(json_values, min_size=1, max_size=5))
def test_random_batches(api: tuple[TestClient, dict[str, str]], batch: list[object]) -> None:
    client, headers = api
    response = client.post("/v1/events/generic", content=json.dumps(batch), headers=headers)
    check(response.status_code, response.headers["content-type"])
