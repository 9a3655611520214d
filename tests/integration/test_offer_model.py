"""The acceptance model behind offer decisions: P(accept) from the member's stored propensity score, the
segment's bandit counts and churn; the rule-based offer, with the reason, when the score is unsure."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from pointflow.adapters.db import governance_store, offer_views
from pointflow.adapters.db.tables import member_scores
from pointflow.bootstrap import Container, bootstrap
from pointflow.config import Settings
from pointflow.entrypoints.cli import app
from pointflow.intelligence.acceptance import p_accept, segment_rate
from tests.conftest import Clock
from tests.factories import purchase, ref, send
from tests.integration.offer_support import decisions, deposit, live, use_offers
from tests.unit.propensity_support import register_small_model

END = date(2024, 5, 31)
MCCS = ("5411", "4111", "5812", "5999", "7011")


def history(customer: str, days: int = 150, seed: int = 1) -> list[dict[str, object]]:
    """A regular member's purchases every other day up to END (the small model scores them confidently)."""
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


@pytest.fixture
def scored(database_url: str, clock: Clock, tmp_path: Path) -> Iterator[Container]:
    register_small_model(tmp_path / "models")
    settings = Settings(
        database_url=database_url,
        environment="test",
        model_registry_dir=tmp_path / "models",
        drift_flag_ttl_seconds=0,
    )
    built = bootstrap(settings, clock=clock)
    yield built
    built.close()


def newest_score(container: Container, token: str) -> dict[str, Any]:
    s = member_scores.c
    query = select(member_scores).where(s.token == token, s.model == "propensity").order_by(s.id.desc())
    with container.db.reader.connect() as conn:
        return dict(conn.execute(query).first()._mapping)  # type: ignore[union-attr]


def decided_on(container: Container, event: dict[str, Any]) -> dict[str, Any]:
    """The decision the event led to (a history's purchases may have led to others)."""
    [found] = [d for d in decisions(container) if d["cause"].endswith(f":{event['transaction_id']}")]
    return found


def test_with_a_registered_model_the_decision_is_model_based_with_p_accept(scored: Container) -> None:
    use_offers(scored, live)
    customer = ref("cust")
    send(scored, *history(customer))
    token = scored.tokeniser.token(customer)
    score = newest_score(scored, token)
    assert str(score["source"]).startswith("model:propensity/")
    assert score["low_confidence"] is False
    event = deposit(customer)
    send(scored, event)
    decision = decided_on(scored, event)
    assert decision["fallback"] is None
    assert decision["model_versions"] == [score["source"]]
    assert (decision["winner"], decision["action"], decision["segment"]) == ("deposit-bonus", "issued", "all")
    [bonus] = [c for c in decision["candidates"] if c["offer"] == "deposit-bonus"]
    expected = p_accept(rate=segment_rate(0.30, 0, 0), propensity=score["probability"], churn=None)
    assert bonus["p_source"] == "model"
    assert bonus["p_accept"] == pytest.approx(expected, abs=1e-6)
    assert bonus["model"]["p_accept"] == pytest.approx(expected, abs=1e-6)
    assert bonus["model"]["confidence"] == pytest.approx(1 - 1 / 90)  # scored as of the day before
    assert f"propensity {score['probability']:.3f}" in bonus["model"]["why"]
    assert expected != pytest.approx(0.30)  # the member's score moved it off the kind's base rate
    with scored.db.reader.connect() as conn:
        words = offer_views.decision(conn, token, decision["id"])
    assert words is not None
    assert "Member's segment: all." in words["in_words"]
    assert "the model: segment rate 0.300 (0 accepted, 0 ignored over base 0.3)" in words["in_words"]


def test_without_a_model_the_rule_based_offer_is_used_and_the_record_says_why(container: Container) -> None:
    use_offers(container, live)
    customer = ref("cust")
    send(container, *history(customer))
    event = deposit(customer)
    send(container, event)
    decision = decided_on(container, event)
    assert decision["winner"] == decision["baseline"] == "deposit-bonus"
    assert decision["fallback"] == (
        "model unsure (confidence below 0.2) for deposit-bonus (propensity score from fallback-rule is "
        "low-confidence: no model registered): rule-based offer used"
    )
    assert "chosen by the rule-based baseline" in decision["reason"]
    [bonus] = [c for c in decision["candidates"] if c["offer"] == "deposit-bonus"]
    assert (bonus["p_source"], bonus["p_accept"]) == ("rule", 0.30)


def test_a_drift_fallback_switches_decisions_to_the_rule(scored: Container) -> None:
    use_offers(scored, live)
    customer = ref("cust")
    send(scored, *history(customer))
    source = str(newest_score(scored, scored.tokeniser.token(customer))["source"])
    name, version = source.removeprefix("model:").split("/")
    with scored.db.write() as conn:
        governance_store.set_fallback(
            conn, model=name, version=version, as_of=END, active=True, reason="psi 0.4", at=scored.clock()
        )
    event = deposit(customer)
    send(scored, event)
    decision = decided_on(scored, event)
    assert decision["fallback"] is not None
    assert f"{source} switched off: drift fallback: psi 0.4" in decision["fallback"]
    assert decision["winner"] == "deposit-bonus"


def test_the_stored_segment_is_used_and_recorded(container: Container, tmp_path: Path) -> None:
    use_offers(container, live)
    customer, other = ref("cust"), ref("cust")
    file = tmp_path / "segments.parquet"
    pl.DataFrame(
        {"customer_id": [customer, other], "segment": [2, 0], "segment_name": ["travellers", "grocery"]}
    ).write_parquet(file)
    env = {"POINTFLOW_DATABASE_URL": container.settings.database_url, "POINTFLOW_ENVIRONMENT": "test"}
    loaded = CliRunner().invoke(app, ["segments", "load", str(file), "--as-of", "2024-05-31"], env=env)
    assert loaded.exit_code == 0, loaded.output
    assert "2 members' segments stored" in loaded.output
    send(container, deposit(customer), deposit(ref("cust")))
    by_token = {d["token"]: d for d in decisions(container)}
    assert by_token[container.tokeniser.token(customer)]["segment"] == "2"
    assert {d["segment"] for t, d in by_token.items() if t != container.tokeniser.token(customer)} == {"all"}
