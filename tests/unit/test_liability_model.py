"""The liability model on hand-made ledgers whose hazards and projections can be worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from pointflow.intelligence.liability.model import (
    Hazard,
    LotHistory,
    Outflow,
    add_months,
    backtest,
    estimate_hazard,
    project,
)


def test_the_hazard_is_redeemed_over_exposed_points_by_age() -> None:
    lots = [
        # earned in January; 100 held at the start of February (age 1), 25 redeemed in February
        LotHistory(100, date(2024, 1, 10), date(2026, 1, 31), (Outflow(date(2024, 2, 5), 25, "redeem"),)),
        # earned in January; 300 held at age 1, nothing redeemed
        LotHistory(300, date(2024, 1, 20), date(2026, 1, 31)),
    ]
    hazard = estimate_hazard(lots, start=date(2024, 2, 1), end=date(2024, 3, 1))
    assert hazard.by_age[1] == pytest.approx(25 / 400)
    assert hazard.by_age[0] == pytest.approx(25 / 400)  # never observed: the nearest observed age's rate
    assert hazard.by_month == (1.0,) * 12  # under a year of history: no seasonality


def test_clawbacks_and_expiries_reduce_exposure_but_are_not_redemptions() -> None:
    lot = LotHistory(
        100,
        date(2024, 1, 1),
        date(2024, 3, 31),
        (Outflow(date(2024, 1, 15), 40, "other"), Outflow(date(2024, 2, 10), 30, "redeem")),
    )
    hazard = estimate_hazard([lot], start=date(2024, 1, 1), end=date(2024, 3, 1))
    assert hazard.by_age[0] == 0.0
    assert hazard.by_age[1] == pytest.approx(30 / 60)


def test_a_projection_splits_each_lot_between_redemption_and_expiry() -> None:
    hazard = Hazard(by_age=(0.5,) * 37)
    forecast = project(
        [(100, date(2024, 5, 1), date(2024, 7, 31))], hazard, as_of=date(2024, 5, 20), horizon=4
    )
    redeemed = [round(m.redeemed, 6) for m in forecast.months]
    expired = [round(m.expired, 6) for m in forecast.months]
    assert [m.month for m in forecast.months] == [add_months(date(2024, 6, 1), k) for k in range(4)]
    assert redeemed == [50.0, 25.0, 0.0, 0.0]  # June half, July half of the rest, then it has lapsed
    assert expired == [0.0, 25.0, 0.0, 0.0]
    assert forecast.breakage_rate == pytest.approx(0.25)
    assert forecast.months[-1].outstanding_end == pytest.approx(0.0)


def test_a_lot_without_expiry_is_followed_until_spent_and_never_breaks() -> None:
    forecast = project([(1000, date(2024, 1, 1), None)], Hazard((0.2,) * 37), as_of=date(2024, 1, 15))
    assert forecast.lifetime_expired == 0.0
    assert forecast.breakage_rate == 0.0
    assert forecast.lifetime_redeemed == pytest.approx(1000 * (1 - 0.8**60))


def test_two_full_years_of_history_give_calendar_month_factors() -> None:
    lots = []
    for month in range(1, 25):
        first = add_months(date(2022, 1, 1), month - 1)
        taken = 20 if first.month == 12 else 10  # December redeems twice as much
        ends = add_months(first, 1) - timedelta(days=1)  # each lot lives one calendar month
        lots.append(LotHistory(100, first, ends, (Outflow(first.replace(day=15), taken, "redeem"),)))
    hazard = estimate_hazard(lots, start=date(2022, 1, 1), end=date(2024, 1, 1))
    assert hazard.by_month[11] == pytest.approx(2 * hazard.by_month[0])
    one_year = estimate_hazard(lots, start=date(2023, 1, 1), end=date(2024, 1, 1))
    assert one_year.by_month == (1.0,) * 12  # one cycle cannot tell a season from a trend


def test_the_backtest_compares_forecast_redemptions_with_what_happened() -> None:
    lots = [
        LotHistory(
            1000,
            date(2024, 1, 1),
            None,
            tuple(Outflow(date(2024, m, 10), 100, "redeem") for m in range(2, 9)),
        )
    ]
    months = backtest(lots, cutoff=date(2024, 6, 1), horizon=3, history_months=4)
    assert [m.month for m in months] == [date(2024, 6, 1), date(2024, 7, 1), date(2024, 8, 1)]
    assert [m.actual for m in months] == [100, 100, 100]
    assert months[0].forecast > 0
    assert all(m.error < 1 for m in months)
