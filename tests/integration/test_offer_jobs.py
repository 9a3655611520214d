"""The offers job for triggers no transaction fires: an anniversary proposes its offer once per date."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from pointflow.adapters.db.tables import member_scores
from pointflow.bootstrap import Container
from pointflow.service_layer.offer_decisions import OfferEngine
from pointflow.service_layer.offer_jobs import run_offer_triggers
from tests.conftest import Clock
from tests.factories import purchase, ref, send
from tests.integration.offer_support import decisions, live, offer_rows, use_offers


def run(container: Container, as_of: date) -> dict[str, object]:
    assert isinstance(container.offers, OfferEngine)
    return run_offer_triggers(
        as_of,
        sessions=container.sessions,
        engine=container.offers,
        programme=lambda: container.programmes.active().programme,
    ).as_dict()


def test_an_anniversary_proposes_its_offer_once_for_the_date(container: Container, clock: Clock) -> None:
    use_offers(container, live)
    clock.now = datetime(2023, 6, 1, 12, tzinfo=UTC)
    customer = ref("cust")
    send(container, purchase(customer, "20.00", when="2023-06-01T10:00:00Z"))
    clock.now = datetime(2024, 6, 1, 12, tzinfo=UTC)
    token = container.tokeniser.token(customer)
    first = run(container, date(2024, 6, 1))
    assert first["decided"] >= 1
    again = run(container, date(2024, 6, 1))
    assert again["decided"] == 0
    mine = decisions(container, token=token)
    assert [(d["cause"], d["winner"], d["action"]) for d in mine] == [
        ("schedule:2024-06-01", "anniversary-bonus", "pending_approval")
    ]
    assert mine[0]["triggers"][0]["reason"] == "1 years with the bank today"
    [offer] = offer_rows(container, token=token)
    assert offer["approval_reasons"] == ["12000 points, at or above the approval threshold 10000"]


def test_no_trigger_no_decision(container: Container, clock: Clock) -> None:
    use_offers(container, live)
    customer = ref("cust")
    send(container, purchase(customer, "20.00", when="2024-06-01T10:00:00Z"))
    clock.now = datetime(2024, 6, 2, 12, tzinfo=UTC)
    run(container, date(2024, 6, 2))
    assert decisions(container, token=container.tokeniser.token(customer)) == []


def churn_rows(container: Container, token: str) -> list[dict[str, object]]:
    s = member_scores.c
    query = select(member_scores).where(s.token == token, s.model == "churn").order_by(s.as_of)
    with container.db.reader.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def test_the_churn_trigger_fires_when_the_score_crosses_not_on_every_run(
    container: Container, clock: Clock
) -> None:
    use_offers(container, live)
    clock.now = datetime(2024, 4, 2, 12, tzinfo=UTC)
    customer = ref("cust")
    send(container, purchase(customer, "20.00", when="2024-04-02T10:00:00Z"))
    token = container.tokeniser.token(customer)
    days = [date(2024, 4, 20), date(2024, 5, 20), date(2024, 5, 20), date(2024, 5, 21), date(2024, 6, 10)]
    stored_per_run = []
    for day in days:
        clock.now = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
        stored_per_run.append(run(container, day)["churn_estimates"])
    assert stored_per_run == [1, 1, 0, 1, 1]  # the re-run of 20 May stores none
    stored = churn_rows(container, token)
    assert [(r["as_of"], r["source"]) for r in stored] == [
        (day, "rule:recency") for day in sorted(set(days))
    ]  # one estimate a date: the re-run of 20 May stored none
    below, crossed = (float(r["probability"]) for r in stored[:2])  # type: ignore[arg-type]
    assert below < 0.6 <= crossed
    fired = [d for d in decisions(container, token=token) if d["triggers"][0]["id"] == "churn-risk"]
    assert [d["cause"] for d in fired] == ["schedule:2024-05-20"]
    assert fired[0]["triggers"][0]["reason"] == f"churn score crossed 0.6 ({crossed:.2f})"
