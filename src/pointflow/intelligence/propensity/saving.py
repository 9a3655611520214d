"""Saving-towards-a-reward features of a month-end snapshot: points held in months of the member's own
earning, progress towards the size of their past redemptions, time since and between redemptions, momentum.

All by calendar month, so that the hot path's reading (`intelligence.serving.saving`) gives the same
values at a month end (a test holds them equal). Only observed data: monthly points earned (from the
balances), the redemptions' months and points, and the activity columns of the snapshot.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from pointflow.intelligence.serving.saving import EARNING_WINDOWS, RECENT_WINDOW, SINCE_WINDOW

KEY = "customer_id"
_RATIO_OF = {f"balance_months_{w}m": f"points_earned_{w}cm_avg" for w in EARNING_WINDOWS}


def month_index(day: date) -> int:
    """Months since year 0: consecutive calendar months differ by one."""
    return day.year * 12 + day.month - 1


def _ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    return pl.when(denominator > 0).then(numerator / denominator).otherwise(None)


def _earnings(balances: pl.DataFrame, month: int) -> pl.DataFrame:
    """Per member, points earned in each of the last SINCE_WINDOW months up to `month` (0 before)."""
    past = balances.filter(pl.col("month") <= month).sort(KEY, "month")
    earned = pl.col("points_before_redemption") - pl.col("points_balance").shift(1).over(KEY).fill_null(0)
    return past.select(KEY, "month", earned.alias("earned")).filter(pl.col("month") > month - SINCE_WINDOW)


def _window_sums(earnings: pl.DataFrame, month: int) -> pl.DataFrame:
    sums = [
        pl.col("earned").filter(pl.col("month") > month - w).sum().alias(f"_sum_{w}")
        for w in sorted({*EARNING_WINDOWS, SINCE_WINDOW})
    ]
    this_month = pl.col("earned").filter(pl.col("month") == month).sum().alias("_this_month")
    return earnings.group_by(KEY).agg(*sums, this_month)


def _redemption_marks(redemptions: pl.DataFrame, month: int) -> pl.DataFrame:
    past = redemptions.filter(pl.col("month") <= month).sort(KEY, "redeemed_at")
    return past.group_by(KEY).agg(
        pl.len().cast(pl.Int64).alias("_count"),
        pl.col("month").min().alias("_first"),
        pl.col("month").max().alias("_last"),
        pl.col("points").last().cast(pl.Float64).alias("last_redemption_points"),
        pl.col("points").mean().alias("mean_redemption_points"),
    )


def saving_features(
    snapshot: pl.DataFrame,
    balances: pl.DataFrame,
    redemptions: pl.DataFrame,
    *,
    month: int,
    as_of: date,
) -> pl.DataFrame:
    """`snapshot` (activity and points columns, one row a member) with the saving features added."""
    earnings = _earnings(balances, month)
    marks = _redemption_marks(redemptions, month)
    points_since = (
        earnings.join(marks.select(KEY, "_last"), on=KEY, how="left")
        .filter(pl.col("_last").is_null() | (pl.col("month") > pl.col("_last")))
        .group_by(KEY)
        .agg(pl.col("earned").sum().alias("points_since_redemption"))
    )
    frame = (
        snapshot.join(_window_sums(earnings, month), on=KEY, how="left")
        .join(marks, on=KEY, how="left")
        .join(points_since, on=KEY, how="left")
    )
    first_month = pl.lit(as_of) - pl.duration(days=pl.col("tenure_days"))
    tenure_months = month_index(as_of) - (first_month.dt.year() * 12 + first_month.dt.month() - 1) + 1
    frame = frame.with_columns(tenure_months.alias("_tenure_months"))
    return _derived(frame, month).drop(pl.selectors.starts_with("_"))


def _derived(frame: pl.DataFrame, month: int) -> pl.DataFrame:
    averages = [
        (pl.col(f"_sum_{w}").fill_null(0) / pl.min_horizontal(pl.lit(w), pl.col("_tenure_months"))).alias(
            f"points_earned_{w}cm_avg"
        )
        for w in EARNING_WINDOWS
    ]
    frame = frame.with_columns(*averages)
    balance, last = pl.col("points_balance"), pl.col("last_redemption_points")
    recent, usual = pl.col(f"points_earned_{RECENT_WINDOW}cm_avg"), pl.col("points_earned_12cm_avg")
    interval = _ratio(pl.col("_last") - pl.col("_first"), pl.col("_count") - 1)
    return frame.with_columns(
        *(_ratio(balance, pl.col(avg)).alias(name) for name, avg in _RATIO_OF.items()),
        (pl.col("_count").fill_null(0) > 0).cast(pl.Int8).alias("ever_redeemed"),
        _ratio(balance, last).alias("progress_to_last_redemption"),
        _ratio(balance + recent, last).alias("projected_progress_to_last_redemption"),
        _ratio(balance, pl.col("mean_redemption_points")).alias("progress_to_mean_redemption"),
        _ratio(last, usual).alias("last_redemption_months"),
        pl.col("points_since_redemption").fill_null(0).cast(pl.Float64),
        interval.alias("redemption_interval_months"),
        _ratio(pl.lit(month) - pl.col("_last"), interval).alias("redemption_overdue"),
        _ratio(pl.col("_this_month").fill_null(0), usual).alias("points_momentum"),
        _ratio(3 * pl.col("txn_count_30d"), pl.col("txn_count_90d")).alias("activity_momentum"),
    )
