"""The liability forecast on a real ledger: what it reads, and the money it books."""

from __future__ import annotations

from decimal import Decimal

from pointflow.adapters.db.liability_store import lot_histories, value_per_point
from pointflow.bootstrap import Container
from pointflow.intelligence.liability.model import add_months, estimate_hazard, project
from pointflow.intelligence.liability.report import Provision
from pointflow.service_layer.redemption import Redeem, redeem
from tests.factories import purchase, ref, send


def test_the_forecast_reads_lots_and_redemptions_and_books_the_expected_redemptions(
    container: Container, clock: object
) -> None:
    people = [ref("cust") for _ in range(3)]
    for who in people:
        send(container, purchase(who, "3000.00", when="2024-03-10T10:00:00Z"))
    redeem(Redeem(people[0], "cashback-25", 1, "k"), deps=container.ledger_deps(), actor="test")
    lots = lot_histories(container.db)
    assert sum(lot.points for lot in lots) == 3 * 4500  # 3,000 USD of groceries at 1.5 points per USD
    assert [o.kind for lot in lots for o in lot.outflows] == ["redeem"]
    assert sum(o.points for lot in lots for o in lot.outflows) == 2500
    per_point = value_per_point(container.db, since=container.clock().replace(year=2023))
    assert per_point == Decimal(25) / Decimal(2500)
    today = container.clock().date()
    hazard = estimate_hazard(lots, start=today.replace(month=1, day=1), end=add_months(today, 1))
    held = [(lot.points - sum(o.points for o in lot.outflows), lot.earned_on, lot.expires_on) for lot in lots]
    forecast = project(held, hazard, as_of=today)
    assert forecast.outstanding == 13500 - 2500
    provision = Provision(forecast.outstanding, forecast.breakage_rate, per_point, "USD")
    assert provision.gross == Decimal("110.00")
    assert Decimal(0) < provision.liability <= provision.gross
