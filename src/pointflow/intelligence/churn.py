"""Churn within the next three months: features at a month boundary, labels from the simulator's truth,
and the BG/NBD baseline (1 − P(alive)) from each member's purchase days."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

from pointflow.intelligence.clv import bgnbd, summarise
from pointflow.intelligence.clv.special import FloatArray
from pointflow.intelligence.segments import behaviour_features

HORIZON_MONTHS = 3  # "within the next 90 days", in the simulator's whole months
LOOKBACK_MONTHS = 6
_PURCHASE = pl.col("transaction_type") == "purchase"


def month_start(start: date, month: int) -> date:
    """The first day of the simulator's month index `month` (start is a first of the month)."""
    months = start.month - 1 + month
    return date(start.year + months // 12, months % 12 + 1, 1)


def churn_labels(truth: pl.DataFrame, *, cutoff: int) -> pl.DataFrame:
    """customer_id, churned: members still here at the start of `cutoff`, 1 if they leave within HORIZON."""
    here = truth.filter(pl.col("churn_month").is_null() | (pl.col("churn_month") >= cutoff))
    soon = pl.col("churn_month").is_not_null() & (pl.col("churn_month") < cutoff + HORIZON_MONTHS)
    return here.select(pl.col("customer_id").cast(pl.String), soon.cast(pl.Int8).alias("churned"))


def churn_features(
    transactions: pl.DataFrame,
    redemptions: pl.DataFrame,
    balances: pl.DataFrame,
    members: pl.DataFrame,
    *,
    cutoff: int,
    start: date,
) -> pl.DataFrame:
    """Observable features from the months before `cutoff`, one row per member with any transaction.

    The behaviour features of the last LOOKBACK_MONTHS (null for a member too quiet to have them), plus
    recency, recent counts and salary, points and account balances at the last month end.
    """
    first = max(0, cutoff - LOOKBACK_MONTHS)
    past = transactions.filter(pl.col("month") < cutoff)
    recent = _recency(past, cutoff=cutoff, start=start)
    behaviour = behaviour_features(
        transactions, redemptions, members, first_month=first, last_month=cutoff - 1
    )
    closing = balances.filter(pl.col("month") == cutoff - 1).select(
        pl.col("customer_id").cast(pl.String), "account_balance_cents", "points_balance"
    )
    redeemed = (
        redemptions.filter(pl.col("month").is_between(cutoff - HORIZON_MONTHS, cutoff - 1))
        .group_by(pl.col("customer_id").cast(pl.String))
        .agg(pl.len().alias("redemptions_3m"))
    )
    return (
        recent.join(behaviour, on="customer_id", how="left")
        .join(closing, on="customer_id", how="left")
        .join(redeemed, on="customer_id", how="left")
        .with_columns(pl.col("redemptions_3m").fill_null(0))
        .sort("customer_id")
    )


def _recency(past: pl.DataFrame, *, cutoff: int, start: date) -> pl.DataFrame:
    boundary = month_start(start, cutoff)
    last = cutoff - 1
    salary = pl.col("transaction_type") == "salary_credit"
    return past.group_by(pl.col("customer_id").cast(pl.String)).agg(
        (pl.lit(boundary) - pl.col("booked_at").max().dt.date()).dt.total_days().alias("days_since_last"),
        (pl.lit(boundary) - pl.col("booked_at").filter(_PURCHASE).max().dt.date())
        .dt.total_days()
        .alias("days_since_last_purchase"),
        (_PURCHASE & (pl.col("month") == last)).sum().alias("purchases_1m"),
        (_PURCHASE & (pl.col("month") > last - 3)).sum().alias("purchases_3m"),
        (_PURCHASE & pl.col("month").is_between(last - 5, last - 3)).sum().alias("purchases_prev_3m"),
        (salary & (pl.col("month") == last)).sum().alias("salary_1m"),
        (salary & (pl.col("month") > last - 3)).sum().alias("salary_3m"),
    )


def bgnbd_churn_scores(transactions: pl.DataFrame, *, cutoff: int, start: date) -> pl.DataFrame:
    """customer_id, bgnbd_churn: 1 − P(alive) from BG/NBD fitted to everyone's purchase days to `cutoff`."""
    log = transactions.filter(_PURCHASE, pl.col("month") < cutoff).select(
        pl.col("customer_id").cast(pl.String),
        pl.col("booked_at").dt.date().alias("date"),
        (pl.col("amount_cents") / 100).alias("spend"),
    )
    summary = summarise(log, calibration_end=month_start(start, cutoff) - timedelta(days=1))
    model, _ = bgnbd.fit(summary)
    alive: FloatArray = model.p_alive(summary.x, summary.t_x, summary.T)
    return pl.DataFrame({"customer_id": summary.customer_id, "bgnbd_churn": 1.0 - np.asarray(alive)})
