"""Saving features: the hot path's reading equals the month-end snapshot's, and each says what it claims."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from pointflow.intelligence.propensity import History, snapshot_features
from pointflow.intelligence.propensity.dataset import month_end
from pointflow.intelligence.propensity.online import RangeGuard
from pointflow.intelligence.registry import reference_distribution
from pointflow.intelligence.serving.saving import (
    SAVING_FEATURES,
    SINCE_WINDOW,
    month_starts,
    months_from_buckets,
    saving_columns,
)
from tests.unit.propensity_support import small_history


def _monthly(history: History, month: int, tokens: list[str]) -> np.ndarray:
    """Each member's points by month, [month, month − 1, …]: the jump of the balance before redemptions over
    the month before's balance; the first month of a history, which has none before it, unknown (NaN)."""
    balances = history.balances.filter(pl.col("month") <= month).sort("customer_id", "month")
    previous = pl.col("points_balance").shift(1).over("customer_id")
    monthly = balances.select(
        "customer_id", "month", (pl.col("points_before_redemption") - previous).alias("e")
    )
    index = {t: i for i, t in enumerate(tokens)}
    out = np.zeros((len(tokens), SINCE_WINDOW))
    for token, m, earned in monthly.filter(pl.col("month") > month - SINCE_WINDOW).iter_rows():
        if token in index:
            out[index[token], month - m] = np.nan if earned is None else earned
    return out


@pytest.mark.parametrize("month", [2, 5, 7])
def test_the_online_saving_features_equal_the_snapshots_at_its_month_end(month: int) -> None:
    history = small_history()
    batch = snapshot_features(history, month)
    tokens = batch["customer_id"].to_list()
    past = history.redemptions.filter(pl.col("month") <= month).sort("redeemed_at")
    events = [
        (t, at.date(), int(p)) for t, at, p in past.select("customer_id", "redeemed_at", "points").iter_rows()
    ]
    as_of = month_end(history.start, month)
    online = saving_columns(
        as_of=[as_of] * len(tokens),
        balance=batch["points_balance"].cast(pl.Float64).to_numpy(),
        tokens=tokens,
        redemptions=events,
        activity={
            c: batch[c].cast(pl.Float64).to_numpy() for c in ("tenure_days", "txn_count_30d", "txn_count_90d")
        },
        monthly=_monthly(history, month, tokens),
    )
    assert set(online) == set(SAVING_FEATURES)
    for name in SAVING_FEATURES:
        expected = batch[name].cast(pl.Float64).fill_null(np.nan).to_numpy()
        np.testing.assert_allclose(online[name], expected, rtol=1e-12, atol=0, err_msg=name)
    assert np.isnan(online["last_redemption_points"]).sum() < len(tokens)  # some have redeemed, some not


def test_saving_features_of_a_member_computed_by_hand() -> None:
    as_of = date(2024, 6, 30)
    cols = saving_columns(
        as_of=[as_of],
        balance=np.array([3_000.0]),
        monthly=np.array([[600.0, 500, 400, 300, 200, 100, 0, 0, 0, 0, 0, 0]]),  # June back to January
        tokens=["a"],
        redemptions=[("a", date(2024, 1, 31), 4_000), ("a", date(2024, 4, 30), 6_000)],
        activity={
            "tenure_days": np.array([float((as_of - date(2024, 1, 5)).days)]),
            "txn_count_30d": np.array([4.0]),
            "txn_count_90d": np.array([6.0]),
        },
    )
    got = {name: float(values[0]) for name, values in cols.items()}
    assert got["points_earned_3cm_avg"] == 500  # (400 + 500 + 600) / 3
    assert got["points_earned_6cm_avg"] == 350  # 2,100 over six months
    assert got["points_earned_12cm_avg"] == 350  # six months of tenure: divided by six, not twelve
    assert got["balance_months_3m"] == 6
    assert got["last_redemption_points"] == 6_000
    assert got["mean_redemption_points"] == 5_000
    assert got["progress_to_last_redemption"] == 0.5
    assert got["projected_progress_to_last_redemption"] == pytest.approx(3_500 / 6_000)
    assert got["points_since_redemption"] == 1_100  # May and June, after April's redemption
    assert got["redemption_interval_months"] == 3
    assert got["redemption_overdue"] == pytest.approx(2 / 3)
    assert got["points_momentum"] == pytest.approx(600 / 350)
    assert got["activity_momentum"] == 2
    assert got["ever_redeemed"] == 1


def test_a_member_who_never_redeemed_has_no_redemption_ratios() -> None:
    as_of = date(2024, 6, 15)
    cols = saving_columns(
        as_of=[as_of],
        balance=np.array([900.0]),
        monthly=np.array([[300.0] + [0.0] * (SINCE_WINDOW - 1)]),
        tokens=["a"],
        redemptions=[("someone-else", date(2024, 5, 31), 1_000)],
        activity={k: np.array([14.0]) for k in ("tenure_days", "txn_count_30d", "txn_count_90d")},
    )
    assert cols["ever_redeemed"][0] == 0
    assert cols["points_since_redemption"][0] == 300
    for name in ("last_redemption_points", "progress_to_last_redemption", "redemption_interval_months"):
        assert np.isnan(cols[name][0]), name


def test_points_by_month_count_each_bucket_in_its_calendar_month_up_to_the_as_of_day() -> None:
    as_of = {"a": date(2024, 6, 15), "b": date(2024, 1, 31)}
    buckets = [
        ("a", date(2024, 6, 15), "5411", 1, 1, 10),
        ("a", date(2024, 6, 16), "5411", 1, 1, 1_000),  # after the as-of day
        ("a", date(2024, 6, 1), "", 1, 1, 20),
        ("a", date(2024, 5, 31), "5411", 1, 1, 30),
        ("a", date(2023, 7, 1), "5411", 1, 1, 40),  # the twelfth month back
        ("a", date(2023, 6, 30), "5411", 1, 1, 50),  # the thirteenth: outside
        ("b", date(2023, 12, 31), "5411", 1, 1, 5),
        ("c", date(2024, 1, 1), "5411", 1, 1, 7),  # not asked for
    ]
    months = months_from_buckets(as_of, buckets)
    assert months["a"] == [30, 30, 0, 0, 0, 0, 0, 0, 0, 0, 0, 40]
    assert months["b"] == [0, 5] + [0] * 10
    assert "c" not in months
    assert month_starts(date(2024, 6, 30))[0] == date(2024, 6, 1)
    assert month_starts(date(2024, 6, 30))[-1] == date(2023, 7, 1)


def test_the_guard_takes_activity_momentum_up_to_three_and_lets_saving_ratios_grow() -> None:
    names = ("activity_momentum", "balance_months_12m", "points_earned_12cm_avg")
    seen = np.linspace(0.5, 1.8, 50)  # training never saw a member whose transactions were all recent
    guard = RangeGuard.from_reference(names, {n: reference_distribution(seen) for n in names})
    rows = np.array([[3.0, 40.0, 1.0], [3.1, 1.0, 1.0], [1.0, 1.0, 40.0]])
    assert guard.refused(rows).tolist() == [
        [False, False, False],  # all transactions in 30 days; a saver's balance keeps growing
        [True, False, False],  # beyond what the definition allows
        [False, False, True],  # an earning far beyond training's is still refused
    ]


def test_the_goal_estimate_of_a_member_computed_by_hand() -> None:
    as_of = date(2024, 12, 31)
    monthly = np.array([[200.0] + [100.0] * 10 + [np.nan]])  # December back to January, January unknown
    cols = saving_columns(
        as_of=[as_of],
        balance=np.array([750.0]),
        monthly=monthly,
        tokens=["a"],
        redemptions=[("a", date(2024, 4, 30), 600), ("a", date(2024, 9, 30), 800)],
        activity={
            "tenure_days": np.array([float((as_of - date(2024, 1, 3)).days)]),
            "txn_count_30d": np.array([4.0]),
            "txn_count_90d": np.array([12.0]),
        },
    )
    got = {name: float(values[0]) for name, values in cols.items()}
    horizon = (6 * 8) ** 0.5  # 600 and 800 points, each 100 a month before it: 6 and 8 months
    assert got["points_earned_12cm_avg"] == pytest.approx(1_200 / 11)  # the unknown January left out
    assert got["points_earned_ewma"] == pytest.approx(0.3 * 200 + 0.7 * 100)
    assert got["goal_months"] == pytest.approx(horizon)
    assert got["last_goal_months"] == pytest.approx(8)
    assert got["goal_points_estimate"] == pytest.approx(100 * horizon)
    assert got["progress_to_goal_estimate"] == pytest.approx(750 / (100 * horizon))
    assert got["projected_progress_to_goal_estimate"] == pytest.approx((750 + 130) / (100 * horizon))
    assert got["progress_to_goal_estimate_now"] == pytest.approx(750 / (130 * horizon))
    assert got["months_over_goal_estimate"] == 1  # 750 at December's end, 550 at November's: one above 693
    assert got["points_momentum_ewma"] == pytest.approx(np.log(300 / 200))
    assert got["balance_months_ewma"] == pytest.approx(750 / 130)


def test_a_redemption_before_any_known_earning_measures_no_goal() -> None:
    as_of = date(2024, 3, 31)
    cols = saving_columns(
        as_of=[as_of, as_of],
        balance=np.array([500.0, 500.0]),
        monthly=np.array([[100.0, 100.0, np.nan] + [0.0] * 9] * 2),  # a history from January
        tokens=["a", "b"],
        redemptions=[("a", date(2024, 1, 31), 900)],  # in the unknown month: nothing to measure it by
        activity={k: np.array([80.0, 80.0]) for k in ("tenure_days", "txn_count_30d", "txn_count_90d")},
    )
    for name in (
        "goal_months",
        "goal_points_estimate",
        "progress_to_goal_estimate",
        "months_over_goal_estimate",
    ):
        assert np.isnan(cols[name]).all(), name
    assert cols["points_earned_ewma"].tolist() == [100.0, 100.0]
    assert cols["points_earned_3cm_avg"].tolist() == [100.0, 100.0]  # two known months of three
    assert cols["ever_redeemed"].tolist() == [1.0, 0.0]


def test_the_guard_bounds_the_months_over_the_goal_by_the_window_and_lets_progress_grow() -> None:
    names = ("months_over_goal_estimate", "progress_to_goal_estimate")
    seen = np.linspace(0.0, 2.0, 50)  # training saw at most two months over and progress up to twice
    guard = RangeGuard.from_reference(names, {n: reference_distribution(seen) for n in names})
    rows = np.array([[SINCE_WINDOW - 1.0, 30.0], [float(SINCE_WINDOW), 1.0]])
    assert guard.refused(rows).tolist() == [[False, False], [True, False]]


def test_a_member_in_their_first_month_has_a_usual_earning_and_no_momentum() -> None:
    as_of = date(2024, 6, 20)
    cols = saving_columns(
        as_of=[as_of],
        balance=np.array([250.0]),
        monthly=np.array([[250.0] + [0.0] * (SINCE_WINDOW - 1)]),  # joined on 2 June: only June's buckets
        tokens=["new"],
        redemptions=[],
        activity={
            "tenure_days": np.array([18.0]),
            "txn_count_30d": np.array([3.0]),
            "txn_count_90d": np.array([3.0]),
        },
    )
    assert cols["points_earned_ewma"][0] == 250
    assert cols["points_momentum_ewma"][0] == 0  # defined, as for every member training saw
    assert cols["balance_months_ewma"][0] == 1
    assert np.isnan(cols["goal_points_estimate"][0])  # no redemption to size a goal by
