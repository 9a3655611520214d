"""The running service over real HTTP (uvicorn on loopback), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn
import yaml

from pointflow.adapters.db.apikey_store import Role
from pointflow.adapters.programme_file import sample_programme_path
from pointflow.bootstrap import Container
from pointflow.entrypoints.api.app import create_app
from tests.factories import EXAMPLE, purchase, ref


@pytest.fixture
def server(container: Container) -> Iterator[str]:
    config = uvicorn.Config(create_app(container), host="127.0.0.1", port=0, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert srv.started, "uvicorn did not start"
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def bearer(container: Container, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {container.api_keys.create(role, 'e2e', container.clock())[1]}"}


def test_the_example_end_to_end(server: str, container: Container) -> None:
    with httpx.Client(base_url=server, timeout=10) as client:
        posted = client.post("/v1/events/generic", content=EXAMPLE, headers=bearer(container, Role.INGEST))
        assert posted.status_code == 202
        reader = bearer(container, Role.READ)
        assert client.get("/v1/members/cust_888", headers=reader).json()["available"] == 300
        why = client.get("/v1/members/cust_888/transactions/txn_789012/explanation", headers=reader).json()
        assert why["summary"].startswith("Earned 300 points")
        assert client.get("/docs").status_code == 200


def test_fifty_parallel_http_redemptions_give_exactly_ten(server: str, container: Container) -> None:
    data = yaml.safe_load(sample_programme_path().read_text())
    data["rewards"].append(
        {"id": "hundred", "name": "100", "kind": "merchandise", "points": 100, "value": "1"}
    )
    container.programmes.load(yaml.safe_dump(data), actor="e2e")
    customer = ref("cust")
    redeemer = bearer(container, Role.REDEEM)
    with httpx.Client(base_url=server, timeout=30) as client:
        funded = client.post(
            "/v1/events/generic",
            json=purchase(customer, "1000.00", mcc="5999"),
            headers=bearer(container, Role.INGEST),
        )
        assert funded.json()["points"] == 1000

        def attempt(i: int) -> int:
            headers = redeemer | {"Idempotency-Key": f"parallel-{i}"}
            url = f"/v1/members/{customer}/redemptions"
            return client.post(url, json={"reward_id": "hundred"}, headers=headers).status_code

        with ThreadPoolExecutor(max_workers=50) as pool:
            codes = list(pool.map(attempt, range(50)))
        assert codes.count(201) == 10
        assert codes.count(409) == 40
        balance = client.get(f"/v1/members/{customer}", headers=bearer(container, Role.READ)).json()
        assert balance["available"] == 0
