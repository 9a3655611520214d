"""Scores stored in the accrual's transaction, on SQLite and PostgreSQL: with the champion and without."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from pointflow.adapters.db.apikey_store import Role
from pointflow.adapters.db.tables import member_scores
from pointflow.bootstrap import Container, bootstrap
from pointflow.config import Settings
from pointflow.entrypoints.api.app import create_app
from tests.conftest import Clock
from tests.factories import purchase, ref, send
from tests.unit.propensity_support import register_small_model

MCCS = ("5411", "4111", "5812", "5999", "7011")
END = date(2024, 5, 31)


def history(customer: str, days: int, seed: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    return [
        purchase(
            customer,
            f"{rng.randrange(500, 30_000) / 100:.2f}",
            mcc=rng.choice(MCCS),
            when=f"{(END - timedelta(days=d)).isoformat()}T10:00:00Z",
        )
        for d in range(days, -1, -2)
    ]


def scores(container: Container) -> list[dict[str, object]]:
    with container.db.reader.connect() as conn:
        rows = conn.execute(select(member_scores).order_by(member_scores.c.id))
        return [dict(r._mapping) for r in rows]


@pytest.fixture
def scored(database_url: str, clock: Clock, tmp_path: Path) -> Iterator[Container]:
    register_small_model(tmp_path / "models")
    settings = Settings(database_url=database_url, environment="test", model_registry_dir=tmp_path / "models")
    built = bootstrap(settings, clock=clock)
    yield built
    built.close()


def test_without_a_model_each_group_stores_flagged_fallback_records(container: Container) -> None:
    a, b = ref("cust"), ref("cust")
    first = [purchase(a, "600.00"), purchase(b, "20.00"), purchase(a, "500.00", when="2024-05-16T10:00:00Z")]
    send(container, *first)
    send(container, *first)  # duplicates: nothing changes, so nothing is scored again
    records = scores(container)
    assert len(records) == 2
    by_source = {r["source_id"]: r for r in records}
    latest_a = by_source[first[2]["transaction_id"]]  # the member's latest event by booking time
    assert latest_a["source"] == "fallback-rule"
    assert (latest_a["low_confidence"], latest_a["reasons"], latest_a["explained_by"]) == (
        True,
        ["no model registered"],
        "rule",
    )
    earned = 1_650  # 1,100 USD at grocery stores, 1.5 points a dollar in the sample programme
    # the rule read the balance plus a third of the points of the last 90 days
    assert latest_a["contributions"][0]["value"] == pytest.approx(earned + earned / 3)
    assert latest_a["probability"] == 0.15
    assert by_source[first[1]["transaction_id"]]["probability"] == 0.03
    send(container, purchase(b, "10.00"))
    assert len(scores(container)) == 3  # history: one more record, the earlier ones kept


def test_with_the_champion_scores_carry_contributions_and_the_api_reads_the_latest(scored: Container) -> None:
    regular, newcomer = ref("cust"), ref("cust")
    send(scored, *history(regular, 150, 1), purchase(newcomer, "40.00", when=f"{END.isoformat()}T09:00:00Z"))
    records = {r["source_id"]: r for r in scores(scored)}
    assert len(records) == 2
    model = next(r for r in records.values() if str(r["source"]).startswith("model:propensity/"))
    assert model["low_confidence"] is False
    assert model["explained_by"] == "path"
    assert len(model["contributions"]) == 3
    assert "account_balance_cents" in model["imputed"]
    rule = next(r for r in records.values() if r["source"] == "fallback-rule")
    assert rule["low_confidence"] is True
    assert any("tenure_days" in reason for reason in rule["reasons"])  # a day-old member: outside training
    with TestClient(create_app(scored), raise_server_exceptions=False) as client:
        _, secret = scored.api_keys.create(Role.READ, "test", scored.clock())
        headers = {"Authorization": f"Bearer {secret}"}
        latest = client.get(f"/v1/members/{regular}/scores", headers=headers)
        assert latest.status_code == 200, latest.text
        body = latest.json()["latest"]
        assert body["source"] == model["source"]
        assert body["contributions"] == model["contributions"]
        assert body["caused_by"]["source_id"] == model["source_id"]
        unknown = client.get("/v1/members/nobody/scores", headers=headers)
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == "application/problem+json"
        assert unknown.json()["field"] == "customer_id"
        assert "/v1/members/{customer_id}/scores" in client.get("/openapi.json").json()["paths"]
