"""Activity features (RFM, windows, velocity, category shares) on hand-made buckets, computed by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from pointflow.intelligence.features import activity_features, category_column, daily_buckets, to_units

AS_OF = date(2024, 6, 30)
CATEGORY_OF = {"5411": "Groceries", "4111": "Transport"}
CATEGORIES = ("Groceries", "Transport")
SCHEMA = {
    "token": pl.String,
    "day": pl.Date,
    "currency": pl.String,
    "mcc": pl.String,
    "spend_units": pl.Int64,
    "txn_count": pl.Int64,
    "points": pl.Int64,
}
BUCKETS = pl.DataFrame(
    [
        ("tok_a", date(2024, 6, 30), "USD", "5411", 100_0000, 2, 10),  # age 0
        ("tok_a", date(2024, 6, 1), "USD", "4111", 50_0000, 1, 5),  # age 29
        ("tok_a", date(2024, 5, 15), "USD", "", 20_0000, 1, 2),  # age 46: the previous 30 days
        ("tok_a", date(2024, 5, 1), "USD", "5411", 30_0000, 1, 3),  # age 60: 90-day window only
        ("tok_a", date(2023, 1, 1), "USD", "5411", 1000_0000, 1, 100),  # age 546: lifetime only
        ("tok_a", date(2024, 7, 1), "USD", "5411", 9_0000, 1, 1),  # after the as-of date
        ("tok_a", date(2024, 6, 10), "EUR", "5411", 7_0000, 1, 1),  # another currency
        ("tok_b", date(2024, 6, 10), "EUR", "5411", 7_0000, 1, 1),  # only another currency: no row
        ("tok_c", date(2024, 4, 1), "USD", "4111", 10_0000, 1, 1),  # age 90: outside the 90-day window
    ],
    schema=SCHEMA,
    orient="row",
)


@pytest.fixture(scope="module")
def features() -> dict[str, dict[str, object]]:
    frame = activity_features(
        BUCKETS, as_of=AS_OF, currency="USD", category_of=CATEGORY_OF, categories=CATEGORIES
    )
    return {row["token"]: row for row in frame.iter_rows(named=True)}


def test_one_row_per_member_with_activity_in_the_currency(features: dict[str, dict[str, object]]) -> None:
    assert sorted(features) == ["tok_a", "tok_c"]


def test_recency_frequency_monetary_and_tenure(features: dict[str, dict[str, object]]) -> None:
    a = features["tok_a"]
    assert (a["tenure_days"], a["recency_days"]) == (546, 0)
    assert (a["txn_count"], a["spend_units"], a["points_earned"]) == (6, 1200_0000, 120)
    assert (a["txn_count_30d"], a["spend_units_30d"], a["active_days_30d"]) == (3, 150_0000, 2)
    assert (a["txn_count_90d"], a["spend_units_90d"], a["active_days_90d"]) == (5, 200_0000, 4)
    assert (a["txn_count_365d"], a["spend_units_365d"]) == (5, 200_0000)
    assert a["avg_ticket_units_365d"] == pytest.approx(40_0000.0)


def test_velocity_compares_the_last_30_days_with_the_30_before(
    features: dict[str, dict[str, object]],
) -> None:
    a = features["tok_a"]
    assert (a["txn_count_prev_30d"], a["spend_units_prev_30d"]) == (1, 20_0000)
    assert (a["velocity_trend"], a["spend_velocity_trend_units"]) == (2, 130_0000)


def test_category_shares_per_window_with_unknown_for_missing_mcc(
    features: dict[str, dict[str, object]],
) -> None:
    a = features["tok_a"]
    assert a[category_column("Groceries", 30)] == pytest.approx(2 / 3)
    assert a[category_column("Transport", 30)] == pytest.approx(1 / 3)
    assert a[category_column("Unknown", 30)] == 0.0
    assert a[category_column("Groceries", 90)] == pytest.approx(0.65)
    assert a[category_column("Transport", 90)] == pytest.approx(0.25)
    assert a[category_column("Unknown", 90)] == pytest.approx(0.10)


def test_a_window_without_spend_has_zero_shares_and_no_average(
    features: dict[str, dict[str, object]],
) -> None:
    c = features["tok_c"]
    assert (c["tenure_days"], c["recency_days"], c["txn_count_90d"]) == (90, 90, 0)
    assert c[category_column("Transport", 90)] == 0.0
    assert c[category_column("Transport", 365)] == 1.0
    assert c["avg_ticket_units_365d"] == pytest.approx(10_0000.0)
    assert c["velocity_trend"] == 0


def test_daily_buckets_sum_a_day_and_mcc_and_name_a_missing_mcc_empty() -> None:
    accruals = pl.DataFrame(
        [
            ("tok_a", date(2024, 6, 1), "USD", "5411", 10_0000, 1),
            ("tok_a", date(2024, 6, 1), "USD", "5411", 5_5000, 0),
            ("tok_a", date(2024, 6, 1), "USD", None, 2_0000, 2),
            ("tok_a", date(2024, 6, 2), "USD", "5411", 1_0000, 1),
        ],
        schema={
            "token": pl.String,
            "booked_on": pl.Date,
            "currency": pl.String,
            "mcc": pl.String,
            "spend_units": pl.Int64,
            "points": pl.Int64,
        },
        orient="row",
    )
    assert daily_buckets(accruals).rows() == [
        ("tok_a", date(2024, 6, 1), "USD", "", 2_0000, 1, 2),
        ("tok_a", date(2024, 6, 1), "USD", "5411", 15_5000, 2, 1),
        ("tok_a", date(2024, 6, 2), "USD", "5411", 1_0000, 1, 1),
    ]


@pytest.mark.parametrize(
    ("amount", "units"),
    [("149.99", 149_9900), ("0.001", 10), ("12.34565", 12_3456), ("12.34575", 12_3458), ("7", 7_0000)],
)
def test_money_becomes_integer_ten_thousandths_rounded_half_even(amount: str, units: int) -> None:
    assert to_units(Decimal(amount)) == units
