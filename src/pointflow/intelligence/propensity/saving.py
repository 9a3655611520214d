"""Saving-towards-a-reward features of a month-end snapshot: points held in months of the member's own
earning, progress towards the size of their past redemptions and towards an estimate of the present goal,
time since and between redemptions, momentum.

The definitions are the hot path's (`intelligence.serving.saving.saving_columns`); this module builds
their inputs from the snapshot's data: points earned by calendar month from the month-end balances, the
redemptions one by one, and the activity columns. Only observed data.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from pointflow.intelligence.serving.saving import SINCE_WINDOW, Floats, RedemptionEvent, saving_columns

KEY = "customer_id"
ACTIVITY = ("tenure_days", "txn_count_30d", "txn_count_90d")


def monthly_earnings(balances: pl.DataFrame, month: int, tokens: list[str]) -> Floats:
    """(members × SINCE_WINDOW) points earned in [month, month − 1, …] from the month-end balances.

    A month's earning is its balance before redemptions less the balance at the end of the month before.
    The first month of a member's history has no balance before it: its jump also holds whatever balance
    the member came with (a migrated or opening balance), so its earning is unknown (NaN). A month with no
    balance at all earned nothing (0), as the hot path's month sums read it.
    """
    past = balances.filter(pl.col("month") <= month).sort(KEY, "month")
    earned = pl.col("points_before_redemption") - pl.col("points_balance").shift(1).over(KEY)
    rows = (
        past.select(KEY, "month", earned.cast(pl.Float64).alias("earned"))
        .filter(pl.col("month") > month - SINCE_WINDOW)
        .join(pl.DataFrame({KEY: pl.Series(tokens, dtype=pl.String), "_row": np.arange(len(tokens))}), on=KEY)
    )
    out = np.zeros((len(tokens), SINCE_WINDOW))
    back = month - rows["month"].cast(pl.Int64).to_numpy()
    out[rows["_row"].to_numpy(), back] = rows["earned"].fill_null(np.nan).to_numpy()
    return out


def redemption_events(redemptions: pl.DataFrame, month: int) -> list[RedemptionEvent]:
    """Each redemption up to the end of `month`, in the order they were made."""
    past = redemptions.filter(pl.col("month") <= month).sort("redeemed_at")
    columns = past.select(KEY, pl.col("redeemed_at").dt.date(), pl.col("points").cast(pl.Int64))
    return [(token, day, points) for token, day, points in columns.iter_rows()]


def saving_features(
    snapshot: pl.DataFrame,
    balances: pl.DataFrame,
    redemptions: pl.DataFrame,
    *,
    month: int,
    as_of: date,
) -> pl.DataFrame:
    """`snapshot` (activity and points columns, one row a member) with the saving features added."""
    tokens = snapshot[KEY].to_list()
    columns = saving_columns(
        as_of=[as_of] * len(tokens),
        balance=snapshot["points_balance"].cast(pl.Float64).fill_null(np.nan).to_numpy(),
        monthly=monthly_earnings(balances, month, tokens),
        tokens=tokens,
        redemptions=redemption_events(redemptions, month),
        activity={c: snapshot[c].cast(pl.Float64).fill_null(np.nan).to_numpy() for c in ACTIVITY},
    )
    return snapshot.with_columns(pl.Series(name, values).fill_nan(None) for name, values in columns.items())
