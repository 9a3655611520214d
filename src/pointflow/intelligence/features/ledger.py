"""Batch-only member features from ledger state: balances, points expiring soon, redemption habits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import polars as pl

EXPIRY_WINDOWS = (30, 90)  # days after the as-of date
REDEMPTION_WINDOW = 365
_OPEN_STATES = ("available", "pending")


def member_features(
    activity: pl.DataFrame,
    *,
    members: pl.DataFrame,
    lots: pl.DataFrame,
    redemptions: pl.DataFrame,
    as_of: date,
    reward_kinds: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """Activity features joined with balances, expiry and redemption features; one row per activity row.

    members: token, tier, available, pending, debt. lots: token, remaining, expires_on, state.
    redemptions: token, reward_id, points, created_on. reward_kinds: reward id → kind (the catalogue).
    """
    balances = members.select(
        "token",
        "tier",
        pl.col("available").alias("points_available"),
        pl.col("pending").alias("points_pending"),
        pl.col("debt").alias("points_debt"),
    )
    zero_filled = [f"points_expiring_{w}d" for w in EXPIRY_WINDOWS] + [
        f"redemption_count_{REDEMPTION_WINDOW}d",
        f"points_redeemed_{REDEMPTION_WINDOW}d",
    ]
    return (
        activity.join(balances, on="token", how="left")
        .join(expiring(lots, as_of), on="token", how="left")
        .join(redemption_habits(redemptions, as_of, reward_kinds or {}), on="token", how="left")
        .with_columns(pl.col(zero_filled).fill_null(0))
        .sort("token")
    )


def expiring(lots: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Points in open lots that expire after `as_of` and within each of EXPIRY_WINDOWS days."""
    open_lots = lots.filter(
        pl.col("state").is_in(_OPEN_STATES), pl.col("remaining") > 0, pl.col("expires_on") > as_of
    )
    return open_lots.group_by("token").agg(
        pl.col("remaining")
        .filter(pl.col("expires_on") <= as_of + timedelta(days=w))
        .sum()
        .cast(pl.Int64)
        .alias(f"points_expiring_{w}d")
        for w in EXPIRY_WINDOWS
    )


def redemption_habits(
    redemptions: pl.DataFrame, as_of: date, reward_kinds: Mapping[str, str]
) -> pl.DataFrame:
    """Days since the last redemption, recent counts and points, the most redeemed reward and kind."""
    past = redemptions.filter(pl.col("created_on") <= as_of).with_columns(
        pl.col("reward_id")
        .replace_strict(dict(reward_kinds), default=None, return_dtype=pl.String)
        .alias("kind")
    )
    recent = pl.col("created_on") > as_of - timedelta(days=REDEMPTION_WINDOW)
    habits = past.group_by("token").agg(
        (pl.lit(as_of) - pl.col("created_on").max())
        .dt.total_days()
        .cast(pl.Int64)
        .alias("days_since_last_redemption"),
        recent.sum().cast(pl.Int64).alias(f"redemption_count_{REDEMPTION_WINDOW}d"),
        pl.col("points").filter(recent).sum().cast(pl.Int64).alias(f"points_redeemed_{REDEMPTION_WINDOW}d"),
    )
    return habits.join(most_frequent(past, "reward_id", "preferred_reward"), on="token", how="left").join(
        most_frequent(past.drop_nulls("kind"), "kind", "preferred_reward_kind"), on="token", how="left"
    )


def most_frequent(redemptions: pl.DataFrame, column: str, alias: str) -> pl.DataFrame:
    """Each member's most frequent value of `column`; ties go to the smallest value, for stability."""
    return (
        redemptions.group_by("token", column)
        .agg(pl.len().alias("times"))
        .sort(["token", "times", column], descending=[False, True, False])
        .group_by("token", maintain_order=True)
        .agg(pl.col(column).first().alias(alias))
    )
