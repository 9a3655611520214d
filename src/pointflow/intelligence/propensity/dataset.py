"""Month-end snapshots of members for the redemption-propensity models: features from the past, labels after.

A snapshot is taken at the end of month *m* (after that month's redemptions, which the simulator books on
the last day). Its features read only transactions booked on or before the snapshot day and balances and
redemptions of months up to *m*; its labels are whether the member redeems in month *m + 1* (the next
30–31 days) and, if so, the reward type of that month's first redemption.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from pointflow.intelligence.features import activity_features, daily_buckets
from pointflow.intelligence.propensity.saving import saving_features
from pointflow.intelligence.serving.rule import REDEEM_STEPS as REDEEM_STEPS
from pointflow.intelligence.serving.rule import REWARD_TYPES as REWARD_TYPES

ACTIVE_WITHIN_DAYS = 30  # a member with no transaction in the last 30 days is not scored (gone or dormant)
KEY = "customer_id"


@dataclass(frozen=True, slots=True)
class History:
    """What the programme has observed: daily activity buckets, month-end balances and redemptions."""

    buckets: pl.DataFrame  # token, day, currency, mcc, spend_units, txn_count, points
    balances: pl.DataFrame  # customer_id, month, account_balance_cents, points_before_redemption, …
    redemptions: pl.DataFrame  # customer_id, month, reward_type, points
    start: date  # the first day of month 0
    currency: str
    category_of: Mapping[str, str]
    categories: Sequence[str]


def history_from_tables(
    transactions: pl.DataFrame,
    balances: pl.DataFrame,
    redemptions: pl.DataFrame,
    *,
    start: date,
    category_of: Mapping[str, str],
    categories: Sequence[str],
    currency: str = "USD",
) -> History:
    """Fold the simulator's (or any programme's) tables into a History; amounts become ten-thousandths."""
    accruals = transactions.select(
        pl.col(KEY).cast(pl.String).alias("token"),
        pl.col("booked_at").dt.date().alias("booked_on"),
        pl.col("currency").cast(pl.String),
        pl.col("mcc").cast(pl.String),
        (pl.col("amount_cents") * 100).alias("spend_units"),
        pl.lit(0, pl.Int64).alias("points"),  # points earned come from the balances, month by month
    )
    return History(
        buckets=daily_buckets(accruals),
        balances=balances.with_columns(pl.col(KEY).cast(pl.String)),
        redemptions=redemptions.with_columns(
            pl.col(KEY).cast(pl.String), pl.col("reward_type").cast(pl.String)
        ),
        start=start,
        currency=currency,
        category_of=category_of,
        categories=categories,
    )


def month_end(start: date, month: int) -> date:
    """The last day of month `month` counted from `start` (the first of a month)."""
    total = start.month - 1 + month + 1
    first_of_next = date(start.year + total // 12, total % 12 + 1, 1)
    return first_of_next - timedelta(days=1)


def snapshot_features(history: History, month: int) -> pl.DataFrame:
    """Features of every recently active member at the end of `month`, from data up to then only."""
    as_of = month_end(history.start, month)
    activity = activity_features(
        history.buckets,
        as_of=as_of,
        currency=history.currency,
        category_of=history.category_of,
        categories=history.categories,
    ).rename({"token": KEY})
    active = activity.filter(pl.col("recency_days") < ACTIVE_WITHIN_DAYS).drop("points_earned")
    frame = active.join(_points_features(history.balances, month), on=KEY, how="left")
    frame = frame.join(_redemption_features(history.redemptions, month), on=KEY, how="left")
    frame = saving_features(frame, history.balances, history.redemptions, month=month, as_of=as_of)
    next_month = month_end(history.start, month + 1).month
    return frame.with_columns(
        pl.lit(month, pl.Int32).alias("snapshot"),
        pl.lit(next_month, pl.Int32).alias("next_calendar_month"),
        *_reward_fills(),
    ).sort(KEY)


def _points_features(balances: pl.DataFrame, month: int) -> pl.DataFrame:
    past = balances.filter(pl.col("month") <= month).sort(KEY, "month")
    earned = pl.col("points_before_redemption") - pl.col("points_balance").shift(1).over(KEY).fill_null(0)
    past = past.with_columns(earned.alias("earned"))
    recent = pl.col("month") > month - 3
    frame = past.group_by(KEY).agg(
        pl.col("points_balance").last().alias("points_balance"),
        pl.col("account_balance_cents").last().alias("account_balance_cents"),
        pl.col("earned").last().alias("points_earned_1m"),
        pl.col("earned").filter(recent).mean().alias("points_earned_3m_avg"),
        pl.col("earned").mean().alias("points_earned_avg"),
    )
    projected = pl.col("points_balance") + pl.col("points_earned_3m_avg")
    steps = [(projected / step).floor().alias(f"steps_{kind}") for kind, step in REDEEM_STEPS.items()]
    return frame.with_columns(projected.alias("points_projected"), *steps)


def _redemption_features(redemptions: pl.DataFrame, month: int) -> pl.DataFrame:
    past = redemptions.filter(pl.col("month") <= month)
    counts = [(pl.col("reward_type") == kind).sum().alias(f"redeemed_{kind}") for kind in REWARD_TYPES]
    return past.group_by(KEY).agg(
        pl.len().cast(pl.Int64).alias("redemption_count"),
        (month - pl.col("month").max()).cast(pl.Int64).alias("months_since_redemption"),
        pl.col("points").sum().alias("points_redeemed_total"),
        *counts,
    )


def _reward_fills() -> list[pl.Expr]:
    zeros = ["redemption_count", "points_redeemed_total", *(f"redeemed_{k}" for k in REWARD_TYPES)]
    total = pl.col("redemption_count")
    shares = [
        pl.when(total > 0).then(pl.col(f"redeemed_{k}") / total).otherwise(None).alias(f"reward_share_{k}")
        for k in REWARD_TYPES
    ]
    return [*(pl.col(c).fill_null(0) for c in zeros), *shares]


def labels(redemptions: pl.DataFrame, month: int) -> pl.DataFrame:
    """Per member who redeems in month `month + 1`: `redeems` = 1 and the first redemption's reward type."""
    following = redemptions.filter(pl.col("month") == month + 1).sort(KEY, "redeemed_at")
    return following.group_by(KEY, maintain_order=True).agg(
        pl.lit(1, pl.Int8).alias("redeems"), pl.col("reward_type").first().alias("reward_label")
    )


def training_set(history: History, months: Sequence[int]) -> pl.DataFrame:
    """Snapshots at the end of each of `months` (each needs month + 1 observed), features and labels."""
    frames = []
    for month in months:
        features = snapshot_features(history, month)
        labelled = features.join(labels(history.redemptions, month), on=KEY, how="left")
        frames.append(labelled.with_columns(pl.col("redeems").fill_null(0)))
    return pl.concat(frames, how="vertical_relaxed")


def feature_columns(frame: pl.DataFrame) -> list[str]:
    """The model's inputs: every column but the key, the snapshot index and the labels."""
    return [c for c in frame.columns if c not in {KEY, "snapshot", "redeems", "reward_label"}]
