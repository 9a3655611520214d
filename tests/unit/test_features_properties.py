"""Properties of the activity features on random accruals, against a plain-Python recount."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from pointflow.intelligence.features import (
    ACTIVITY_WINDOWS,
    activity_features,
    category_column,
    daily_buckets,
)

AS_OF = date(2024, 6, 30)
Row = tuple[str, date, str, str | None, int, int]
ACCRUAL_SCHEMA = {
    "token": pl.String,
    "booked_on": pl.Date,
    "currency": pl.String,
    "mcc": pl.String,
    "spend_units": pl.Int64,
    "points": pl.Int64,
}
accrual = st.tuples(
    st.sampled_from(["tok_a", "tok_b", "tok_c"]),
    st.integers(-10, 800).map(lambda age: AS_OF - timedelta(days=age)),
    st.sampled_from(["USD", "USD", "EUR"]),
    st.sampled_from(["5411", "4111", None]),
    st.integers(1, 10**9),
    st.integers(0, 10**4),
)


def features_of(rows: list[Row]) -> dict[str, dict[str, Any]]:
    frame = pl.DataFrame(rows, schema=ACCRUAL_SCHEMA, orient="row")
    result = activity_features(
        daily_buckets(frame),
        as_of=AS_OF,
        currency="USD",
        category_of={"5411": "Groceries", "4111": "Transport"},
        categories=("Groceries", "Transport"),
    )
    return {r["token"]: r for r in result.iter_rows(named=True)}


@settings(max_examples=60, deadline=None)
@given(st.lists(accrual, max_size=40))
def test_windowed_counts_and_sums_match_a_recount(rows: list[Row]) -> None:
    features = features_of(rows)
    counted = [r for r in rows if r[2] == "USD" and r[1] <= AS_OF]
    assert set(features) == {r[0] for r in counted}
    for token, got in features.items():
        mine = [r for r in counted if r[0] == token]
        for w in ACTIVITY_WINDOWS:
            recent = [r for r in mine if (AS_OF - r[1]).days < w]
            assert got[f"txn_count_{w}d"] == len(recent)
            assert got[f"spend_units_{w}d"] == sum(r[4] for r in recent)
        assert got["txn_count"] == len(mine)
        assert got["recency_days"] == min((AS_OF - r[1]).days for r in mine)


@settings(max_examples=60, deadline=None)
@given(st.lists(accrual, max_size=40))
def test_category_shares_of_a_window_with_spend_sum_to_one(rows: list[Row]) -> None:
    for got in features_of(rows).values():
        for w in ACTIVITY_WINDOWS:
            total = sum(got[category_column(c, w)] for c in ("Groceries", "Transport", "Unknown"))
            expected = 1.0 if got[f"spend_units_{w}d"] else 0.0
            assert abs(total - expected) < 1e-9
