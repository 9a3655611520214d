"""The best AUC any redemption-propensity model can reach on the simulator: the simulator's own probability.

It reads the hidden factors (engagement, price sensitivity, reward affinity) and, as an upper bound, the
points the member really held at the end of the label month and whether they were still a member, on the
same rows the propensity model is tested on (docs/models/propensity.md). Standalone:
python -m bench.propensity_ceiling [--members N] [--months M] [--seed S]
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import polars as pl
from sklearn.metrics import roc_auc_score

from pointflow.adapters.db.feature_store import categories, category_map
from pointflow.intelligence.propensity import history_from_tables, training_set
from pointflow.intelligence.propensity.metrics import FloatArray
from pointflow.sim.truth import DEFAULT_START, Simulation, simulate
from pointflow.sim.truth.catalogue import REWARD_TYPES
from pointflow.sim.truth.loyalty import (
    REDEEM_INTERCEPT,
    REDEEM_PER_BALANCE,
    REDEEM_PER_ENGAGEMENT,
    REWARD_STEP,
    THRESHOLD_POINTS,
)


def true_probability(rows: pl.DataFrame, points: FloatArray) -> FloatArray:
    """P(redeem) at month end with `points` by the simulator's rule: a type by affinity, then a logit."""
    threshold = THRESHOLD_POINTS * (1.4 - rows["price_sensitivity"].to_numpy())
    logit = (
        REDEEM_INTERCEPT
        + REDEEM_PER_ENGAGEMENT * np.log(rows["engagement"].to_numpy())
        + REDEEM_PER_BALANCE * np.log(np.maximum(points, 1) / threshold)
    )
    wants = 1 / (1 + np.exp(-logit))
    covered = sum(
        rows[f"affinity_{kind}"].to_numpy() * (points >= step)
        for kind, step in zip(REWARD_TYPES, REWARD_STEP, strict=True)
    )
    return np.asarray(wants * covered, dtype=np.float64)


def _test_rows(sim: Simulation, months: int, test: int) -> pl.DataFrame:
    mccs = sim.transactions["mcc"].cast(pl.String).unique().to_list()
    history = history_from_tables(
        sim.transactions,
        sim.balances,
        sim.redemptions,
        start=DEFAULT_START,
        category_of=category_map(mccs),
        categories=categories(),
    )
    rows = training_set(history, range(months - 1 - test, months - 1)).select(
        "customer_id", "snapshot", "redeems"
    )
    as_text = pl.col("customer_id").cast(pl.String)
    balances = sim.balances.with_columns(as_text)
    later = balances.select(
        "customer_id", (pl.col("month") - 1).alias("snapshot"), "points_before_redemption", "active"
    )
    now = balances.select("customer_id", pl.col("month").alias("snapshot"), "points_balance")
    joined = rows.join(sim.truth.with_columns(as_text), on="customer_id")
    keys = ["customer_id", "snapshot"]
    return joined.join(later.cast({"snapshot": pl.Int32}), on=keys, how="left").join(
        now.cast({"snapshot": pl.Int32}), on=keys, how="left"
    )


def run(members: int = 20_000, months: int = 18, seed: int = 7, test: int = 3) -> dict[str, object]:
    """AUC of the true probability on the last `test` snapshots: with next month's, the snapshot's points."""
    rows = _test_rows(simulate(members, months, seed=seed), months, test)
    y = rows["redeems"].to_numpy()
    future = rows["points_before_redemption"].fill_null(0).to_numpy().astype(np.float64)
    alive = rows["active"].fill_null(value=False).to_numpy()
    snapshot = rows["points_balance"].fill_null(0).to_numpy().astype(np.float64)
    return {
        "rows": rows.height,
        "auc_true_probability_next_month_points_and_activity": round(
            float(roc_auc_score(y, true_probability(rows, future) * alive)), 4
        ),
        "auc_true_probability_snapshot_points": round(
            float(roc_auc_score(y, true_probability(rows, snapshot))), 4
        ),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=18)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(run(args.members, args.months, args.seed), indent=2))
