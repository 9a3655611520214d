"""The drift check and the fairness report as jobs, on SQLite and PostgreSQL: stored, idempotent for their
as-of date, the fallback switch acting on scoring, age bands read from the sandbox bank's customer master."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select

from pointflow.adapters.db import governance_store as gs
from pointflow.adapters.db.governance_tables import drift_checks, member_attributes
from pointflow.adapters.db.offer_tables import offer_decisions, offers
from pointflow.adapters.db.tables import audit_log, member_scores
from pointflow.bootstrap import Container, bootstrap
from pointflow.config import Settings
from pointflow.entrypoints.governance_jobs import check_drift, fairness
from pointflow.sim.bank import SimCustomer
from tests.conftest import Clock
from tests.factories import purchase, ref, send
from tests.integration.notify_support import sandbox_core
from tests.integration.test_member_scoring import END, history
from tests.unit.propensity_support import register_small_model


def with_settings(container: Container, **changes: Any) -> Container:
    return dataclasses.replace(container, settings=container.settings.model_copy(update=changes))


@pytest.fixture
def scored(database_url: str, clock: Clock, tmp_path: Path) -> Iterator[Container]:
    register_small_model(tmp_path / "models")
    settings = Settings(
        database_url=database_url,
        environment="test",
        model_registry_dir=tmp_path / "models",
        drift_min_rows=5,
        drift_flag_ttl_seconds=0,
    )
    built = bootstrap(settings, clock=clock)
    yield built
    built.close()


def checks(container: Container, as_of: date) -> list[dict[str, Any]]:
    with container.db.reader.connect() as conn:
        rows = conn.execute(select(drift_checks).where(drift_checks.c.as_of == as_of))
        return sorted((dict(r._mapping) for r in rows), key=lambda r: r["series"])


def test_drift_is_stored_per_series_idempotently_and_its_fallback_switches_scoring(scored: Container) -> None:
    customers = [ref("cust") for _ in range(8)]
    send(scored, *[e for i, c in enumerate(customers) for e in history(c, 120, i)])
    strict = with_settings(scored, drift_alert_psi=0.0001, drift_fallback_psi=0.0002)
    first = check_drift(strict, END)
    assert first.rows == 8
    assert first.skipped is None
    stored = checks(scored, END)
    assert {r["series"] for r in stored} >= {"tenure_days", "txn_count_30d", "score"}
    assert "next_calendar_month" not in {r["series"] for r in stored}  # seasonal by construction
    assert "account_balance_cents" in first.unobserved  # imputed in the hot path: nothing to compare
    assert all(r["psi"] >= 0 and r["status"] in {"ok", "alert", "fallback"} for r in stored)
    assert first.verdict == "fallback"
    assert first.fallback_active
    assert first.fallback_changed
    again = check_drift(strict, END)  # the same date again: the same rows, no second switch
    assert checks(scored, END) == [r | {"checked_at": r["checked_at"]} for r in stored]
    assert [m.psi for m in again.measured] == [m.psi for m in first.measured]
    assert not again.fallback_changed
    with scored.db.reader.connect() as conn:
        alerts = gs.recent_alerts(conn, kind="drift")
        assert len(alerts) == sum(r["status"] != "ok" for r in stored)  # not doubled by the re-run
        assert gs.latest_drift(conn, model="propensity")[0]["psi"] == max(r["psi"] for r in stored)
    # the champion is switched off: the next commit group is scored by the rule, and the record says why
    send(scored, purchase(customers[0], "25.00", when=f"{END.isoformat()}T18:00:00Z"))
    latest = newest_score(scored, customers[0], scored)
    assert latest["source"] == "fallback-rule"
    assert latest["reasons"][0].startswith("drift fallback: PSI ≥ 0.0002 as of 2024-05-31")
    # an older check cannot lift it; a later one under the threshold does, and both changes are audited
    lenient = with_settings(scored, drift_alert_psi=50.0, drift_fallback_psi=100.0)
    assert not check_drift(lenient, END - timedelta(days=1)).fallback_changed
    lifted = check_drift(lenient, END + timedelta(days=1))
    assert lifted.verdict == "ok"
    assert lifted.fallback_changed
    assert not lifted.fallback_active
    with scored.db.reader.connect() as conn:
        actions = [a for (a,) in conn.execute(select(audit_log.c.action)) if a.startswith("model.drift")]
    assert actions == ["model.drift_fallback_on", "model.drift_fallback_off"]
    send(scored, purchase(customers[1], "25.00", when=f"{END.isoformat()}T19:00:00Z"))
    assert newest_score(scored, customers[1], scored)["source"].startswith("model:propensity/")


def newest_score(container: Container, customer: str, _: Container) -> dict[str, Any]:
    token = container.tokeniser.token(customer)
    with container.db.reader.connect() as conn:
        query = (
            select(member_scores).where(member_scores.c.token == token).order_by(member_scores.c.id.desc())
        )
        return dict(conn.execute(query).first()._mapping)  # type: ignore[union-attr]


def test_too_few_members_give_no_verdict_and_no_model_nothing(scored: Container, tmp_path: Path) -> None:
    empty = with_settings(scored, model_registry_dir=tmp_path / "empty")
    assert check_drift(empty, END).skipped == "no model registered"
    send(scored, *history(ref("cust"), 60, 1))
    run = check_drift(scored, END)
    assert run.skipped is not None
    assert "fewer than 5" in run.skipped
    assert checks(scored, END) == []


AT = datetime(2024, 5, 20, 12, tzinfo=UTC)


def decision(token: str, offer_id: str | None) -> dict[str, Any]:
    return {
        "id": ref("d")[:32], "token": token, "at": AT, "cause": "test", "triggers": [], "candidates": [],
        "winner": None, "baseline": None, "explored": 0, "exploration_share": 0.0, "fallback": None,
        "model_versions": [], "rollout": "live", "action": "issued" if offer_id else "none",
        "reason": "test", "guardrails": {}, "offer_id": offer_id,
    }  # fmt: skip


def offer(
    token: str, value_units: int, *, state: str = "issued", reasons: list[str] | None = None
) -> dict[str, Any]:
    decided = reasons is not None
    return {
        "id": ref("o")[:32], "token": token, "decision_id": "d", "offer_code": "bonus", "kind": "points",
        "campaign": "c", "channel": "email", "state": state, "terms": {}, "proposal_hash": "h",
        "expected_points": 100, "cost_units": 10_000, "value_units": value_units,
        "approval_reasons": reasons or [], "proposed_at": AT, "proposed_by": "engine",
        "approval_due": None, "decided_by": "maker" if decided else None, "decided_reason": None,
        "decided_at": AT if decided else None, "issued_at": AT if state == "issued" else None,
        "valid_from": AT, "valid_until": AT + timedelta(days=30), "responded_at": None, "segment": "all",
    }  # fmt: skip


def test_fairness_reads_bands_from_the_core_measures_parity_and_replaces_its_date(
    container: Container,
) -> None:
    young = [SimCustomer(ref("y"), "a", "student", "US", "Y", "y@x", "1", date(2003, 3, 1)) for _ in range(4)]
    old = [SimCustomer(ref("o"), "a", "commuter", "US", "O", "o@x", "1", date(1950, 3, 1)) for _ in range(4)]
    send(container, *[purchase(c.customer_id, "10.00") for c in young + old])
    tokens = {c.customer_id: container.tokeniser.token(c.customer_id) for c in young + old}
    with container.db.write() as conn:
        for i, c in enumerate(young + old):
            offered = i % 4 < (1 if c in young else 3)  # 1 of 4 young members offered, 3 of 4 older ones
            row = offer(tokens[c.customer_id], 50_000) if offered else None
            if row:
                conn.execute(insert(offers).values(**row))
            conn.execute(insert(offer_decisions).values(**decision(tokens[c.customer_id], row and row["id"])))
    with sandbox_core(young + old) as (_, core):
        base = str(core.client.base_url)
        configured = with_settings(container, core_platform="generic", core_url=base, fairness_min_group=2)
        report = fairness(configured, END)
        again = fairness(configured, END)
    assert report["notes"] == ["8 age bands read from the core"]
    assert again["notes"] == []  # the bands are kept: the core is asked once per member
    with container.db.reader.connect() as conn:
        bands = dict(conn.execute(select(member_attributes.c.token, member_attributes.c.age_band)).all())
        assert sorted(bands.values()) == ["65_plus"] * 4 + ["under_25"] * 4
        assert gs.latest_fairness(conn)["parity"] == again["parity"]  # type: ignore[index]
        alerts = gs.recent_alerts(conn, kind="fairness")
    rates = {r["group"]: r["offer_rate"] for r in again["groups"]["age_band"]}
    assert rates == {"65_plus": 0.75, "under_25": 0.25}
    rate = next(p for p in again["parity"] if (p["dimension"], p["metric"]) == ("age_band", "offer_rate"))
    assert rate["min_max"] == pytest.approx(1 / 3, abs=1e-6)
    assert rate["out_of_band"] == ["under_25"]
    assert [a["subject"] for a in alerts] == ["age_band:offer_rate:under_25"]  # once, though run twice


def test_the_commands_run_store_and_show_their_results(database_url: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pointflow.entrypoints.cli import app

    register_small_model(tmp_path / "models")
    env = {
        "POINTFLOW_DATABASE_URL": database_url,
        "POINTFLOW_ENVIRONMENT": "test",
        "POINTFLOW_MODEL_REGISTRY_DIR": str(tmp_path / "models"),
        "POINTFLOW_DRIFT_MIN_ROWS": "3",
    }

    def run(*args: str) -> str:
        result = CliRunner().invoke(app, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result.output

    settings = Settings(database_url=database_url, environment="test", model_registry_dir=tmp_path / "models")
    container = bootstrap(settings)
    try:
        send(container, *[e for i in range(4) for e in history(ref("cust"), 90, i)])
    finally:
        container.close()
    checked = json.loads(run("drift", "check", "--as-of", END.isoformat(), "--json"))
    assert checked["rows"] == 4
    assert checked["verdict"] in {"ok", "alert", "fallback"}
    assert {s["series"] for s in checked["series"]} >= {"tenure_days", "score"}
    table = run("drift", "check", "--as-of", END.isoformat())
    assert "tenure_days" in table
    assert f"as of {END.isoformat()}" in table
    status = json.loads(run("drift", "status", "--json"))
    assert len(status["latest"]) == len(checked["series"])
    report = json.loads(run("fairness", "report", "--as-of", END.isoformat(), "--json"))
    assert report["notes"][0].startswith("age bands not refreshed: set POINTFLOW_CORE_PLATFORM")
    assert {p["metric"] for p in report["parity"]} == {"offer_rate", "approval_rate", "avg_offer_value"}
    assert "offer rate" in run("fairness", "report", "--as-of", END.isoformat(), "--no-fill-bands")


def test_scoring_trusts_its_read_of_the_switch_for_the_ttl_only(container: Container) -> None:
    from pointflow.adapters.drift_flag import DriftFlag

    now = [0.0]
    flag = DriftFlag(container.db.reader, ttl=5.0, clock=lambda: now[0])
    assert flag.reason("propensity", "v0001") is None
    with container.db.write() as conn:
        gs.set_fallback(
            conn,
            model="propensity",
            version="v0001",
            as_of=END,
            active=True,
            reason="x 0.4",
            at=container.clock(),
        )
    now[0] = 4.9
    assert flag.reason("propensity", "v0001") is None  # the cached read
    now[0] = 5.0
    assert flag.reason("propensity", "v0001") == "drift fallback: x 0.4"
    assert flag.reason("propensity", "v0002") is None  # per version
