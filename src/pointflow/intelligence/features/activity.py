"""Transaction activity features (recency, frequency, monetary, category shares, velocity) from daily buckets.

The same function serves batch and online: batch folds the accruals into daily buckets first, online
reads the buckets the hot path keeps. Parity between the two is then parity of the buckets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import polars as pl

from pointflow.intelligence.features.definitions import (
    ACTIVITY_WINDOWS,
    UNKNOWN_CATEGORY,
    VELOCITY_WINDOW,
    category_column,
)

BUCKET_KEY = ("token", "day", "currency", "mcc")
_AGE = pl.col("age")
_SPEND = pl.col("spend_units")
_COUNT = pl.col("txn_count")


def daily_buckets(accruals: pl.DataFrame) -> pl.DataFrame:
    """Fold accruals (token, booked_on, currency, mcc, spend_units, points) into per-day, per-MCC buckets."""
    return (
        accruals.with_columns(pl.col("mcc").fill_null(""))
        .group_by("token", pl.col("booked_on").alias("day"), "currency", "mcc")
        .agg(
            _SPEND.sum().cast(pl.Int64),
            pl.len().cast(pl.Int64).alias("txn_count"),
            pl.col("points").sum().cast(pl.Int64),
        )
        .sort(BUCKET_KEY)
    )


def activity_features(
    buckets: pl.DataFrame,
    *,
    as_of: date,
    currency: str,
    category_of: Mapping[str, str],
    categories: Sequence[str],
) -> pl.DataFrame:
    """One row per member with a transaction in `currency` on or before `as_of`, sorted by token.

    `category_of` maps an MCC to its category; MCCs it lacks count as UNKNOWN_CATEGORY.
    """
    known = [*categories, UNKNOWN_CATEGORY] if UNKNOWN_CATEGORY not in categories else list(categories)
    scoped = buckets.filter(pl.col("day") <= as_of, pl.col("currency") == currency).with_columns(
        (pl.lit(as_of) - pl.col("day")).dt.total_days().cast(pl.Int64).alias("age"),
        pl.col("mcc")
        .replace_strict(dict(category_of), default=UNKNOWN_CATEGORY, return_dtype=pl.String)
        .alias("category"),
    )
    totals = scoped.group_by("token").agg(*_lifetime(), *_windowed(), *_velocity(), *_shares(known))
    return totals.with_columns(*_derived()).select(_columns(known)).sort("token")


def _within(days: int) -> pl.Expr:
    return pl.col("age") < days


def _lifetime() -> list[pl.Expr]:
    return [
        _AGE.max().alias("tenure_days"),
        _AGE.min().alias("recency_days"),
        _COUNT.sum().alias("txn_count"),
        _SPEND.sum().alias("spend_units"),
        pl.col("points").sum().alias("points_earned"),
    ]


def _windowed() -> list[pl.Expr]:
    exprs = []
    for w in ACTIVITY_WINDOWS:
        exprs.append(_COUNT.filter(_within(w)).sum().alias(f"txn_count_{w}d"))
        exprs.append(_SPEND.filter(_within(w)).sum().alias(f"spend_units_{w}d"))
        exprs.append(pl.col("day").filter(_within(w)).n_unique().cast(pl.Int64).alias(f"active_days_{w}d"))
    return exprs


def _velocity() -> list[pl.Expr]:
    previous = (_AGE >= VELOCITY_WINDOW) & (_AGE < 2 * VELOCITY_WINDOW)
    return [
        _COUNT.filter(previous).sum().alias("txn_count_prev_30d"),
        _SPEND.filter(previous).sum().alias("spend_units_prev_30d"),
    ]


def _shares(categories: Sequence[str]) -> list[pl.Expr]:
    exprs = []
    for w in ACTIVITY_WINDOWS:
        total = _SPEND.filter(_within(w)).sum()
        for category in categories:
            part = _SPEND.filter(_within(w) & (pl.col("category") == category)).sum()
            share = pl.when(total > 0).then(part / total).otherwise(0.0)
            exprs.append(share.cast(pl.Float64).alias(category_column(category, w)))
    return exprs


def _derived() -> list[pl.Expr]:
    count = pl.col("txn_count_365d")
    return [
        pl.when(count > 0)
        .then(pl.col("spend_units_365d") / count)
        .otherwise(None)
        .cast(pl.Float64)
        .alias("avg_ticket_units_365d"),
        (pl.col("txn_count_30d") - pl.col("txn_count_prev_30d")).alias("velocity_trend"),
        (pl.col("spend_units_30d") - pl.col("spend_units_prev_30d")).alias("spend_velocity_trend_units"),
    ]


def _columns(categories: Sequence[str]) -> list[str]:
    windowed = [
        f"{name}_{w}d" for w in ACTIVITY_WINDOWS for name in ("txn_count", "spend_units", "active_days")
    ]
    shares = [category_column(c, w) for w in ACTIVITY_WINDOWS for c in categories]
    return [
        "token",
        "tenure_days",
        "recency_days",
        "txn_count",
        "spend_units",
        "points_earned",
        *windowed,
        "avg_ticket_units_365d",
        "txn_count_prev_30d",
        "spend_units_prev_30d",
        "velocity_trend",
        "spend_velocity_trend_units",
        *shares,
    ]
