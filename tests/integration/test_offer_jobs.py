"""The offers job for triggers no transaction fires: an anniversary proposes its offer once per date."""

from __future__ import annotations

from datetime import UTC, date, datetime

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
