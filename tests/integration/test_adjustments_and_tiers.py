"""Manual adjustments and tier evaluation on real databases."""

from __future__ import annotations

from datetime import date

import pytest

from pointflow.adapters.db import views
from pointflow.bootstrap import Container
from pointflow.domain.errors import IdempotencyConflict, InsufficientPoints, InvalidEvent
from pointflow.service_layer.adjustment import Adjust, Adjusted, adjust
from pointflow.service_layer.tiers import evaluate_tiers
from tests.factories import purchase, ref, refund, send
from tests.integration.ledger_checks import check_ledger


def do(container: Container, customer: str, points: int, key: str, reason: str = "goodwill") -> Adjusted:
    return adjust(
        Adjust(customer, points, reason, key),
        deps=container.ledger_deps(),
        actor="test",
    )


def summary(container: Container, customer: str) -> dict[str, object]:
    with container.db.reader.connect() as conn:
        found = views.member_summary(conn, container.tokeniser.token(customer))
    assert found is not None
    return found


def test_a_credit_and_a_debit_post_against_the_adjustment_account(container: Container) -> None:
    customer = ref("cust")
    assert do(container, customer, 500, "k1").available_after == 500
    assert do(container, customer, -200, "k2").available_after == 300
    assert do(container, customer, 500, "k1").replayed
    with pytest.raises(IdempotencyConflict):
        do(container, customer, 400, "k1")
    with pytest.raises(InsufficientPoints):
        do(container, customer, -301, "k3")
    with pytest.raises(InvalidEvent):
        do(container, customer, 0, "k4")
    with container.db.reader.connect() as conn:
        assert views.ledger_totals(conn)["adjustment"] == -300
    check_ledger(container)


def test_a_credit_repays_a_points_debt_first(container: Container) -> None:
    customer = ref("cust")
    original = purchase(customer, "100.00", mcc="5999")
    send(container, original)
    do(container, customer, -100, "spend-it")
    send(container, refund(original, "100.00"))
    assert summary(container, customer)["debt"] == 100
    do(container, customer, 150, "goodwill")
    assert (summary(container, customer)["debt"], summary(container, customer)["available"]) == (0, 50)
    check_ledger(container)


def test_tiers_follow_the_points_of_the_last_twelve_months(container: Container) -> None:
    customer = ref("cust")
    send(container, purchase(customer, "6000.00", mcc="5812", when="2024-03-01T10:00:00Z"))  # 12,000 points
    sessions, programme = container.sessions, (lambda: container.programmes.active().programme)
    first = evaluate_tiers(date(2024, 6, 1), sessions=sessions, programme=programme, clock=container.clock)
    again = evaluate_tiers(date(2024, 6, 1), sessions=sessions, programme=programme, clock=container.clock)
    assert (first.points, again.points) == (1, 0)
    assert summary(container, customer)["tier"] == "silver"
    # A silver member earns ×1.25 on top: 100.00 of groceries → 150 × 1.25 = 187.5 → 188.
    [groceries] = send(container, purchase(customer, "100.00", mcc="5411", when="2024-06-02T10:00:00Z"))
    assert groceries.points == 188
    evaluate_tiers(date(2025, 3, 2), sessions=sessions, programme=programme, clock=container.clock)
    assert summary(container, customer)["tier"] == "classic"
