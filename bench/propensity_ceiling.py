"""The best AUC any redemption-propensity model can reach on the simulator: the simulator's own probability.

On the rows the propensity model is tested on (docs/models/propensity.md) it scores, as an upper bound,
the probability the simulator itself used at the end of the label month (from the points then held, the
month's earning, the member's goal, engagement and vigour, and whether they were still a member), and the
same rule applied to the hidden state at the snapshot (its points, or its points plus the member's usual
month's earning). Standalone:
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
from pointflow.sim.truth.redemption import Goals, probability


def snapshot_probability(rows: pl.DataFrame, *, with_usual_earning: bool) -> FloatArray:
    """P(redeem) by the simulator's rule from the state at the snapshot: points, goal, e × vigour.

    Next month's earning and its momentum are unknown at the snapshot: the points are the snapshot's, or
    the snapshot's plus the member's usual month's earning; the season is the label month's.
    """
    points = rows["points_balance"].to_numpy().astype(np.float64)
    if with_usual_earning:
        points = points + np.maximum(rows["usual_points"].to_numpy(), 0.0)
    goals = Goals(
        reward=rows["goal_reward"]
        .cast(pl.String)
        .replace_strict(REWARD_TYPES, range(len(REWARD_TYPES)))
        .to_numpy()
        .astype(np.int64),
        points=rows["goal_points"].to_numpy().astype(np.int64),
        usual=np.zeros(rows.height),
    )
    found = np.zeros(rows.height)
    for month in np.unique(rows["next_calendar_month"].to_numpy()):
        at = rows["next_calendar_month"].to_numpy() == month
        p = probability(
            goals=goals,
            balance=np.round(points).astype(np.int64),
            engagement=rows["engagement"].to_numpy() * rows["vigour"].to_numpy(),
            redeemer=rows["redeemer"].to_numpy(),
            push=np.zeros(rows.height),
            calendar_month=int(month),
        )
        found[at] = p[at]
    return found


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
        "customer_id", "snapshot", "next_calendar_month", "redeems"
    )
    as_text = pl.col("customer_id").cast(pl.String)
    balances = sim.balances.with_columns(as_text)
    later = balances.select("customer_id", (pl.col("month") - 1).alias("snapshot"), "p_redeem", "active")
    now = balances.select(
        "customer_id",
        pl.col("month").alias("snapshot"),
        "points_balance",
        "vigour",
        "goal_reward",
        "goal_points",
        "usual_points",
    )
    joined = rows.join(sim.truth.with_columns(as_text), on="customer_id")
    keys = ["customer_id", "snapshot"]
    return joined.join(later.cast({"snapshot": pl.Int32}), on=keys, how="left").join(
        now.cast({"snapshot": pl.Int32}), on=keys, how="left"
    )


def run(members: int = 20_000, months: int = 18, seed: int = 7, test: int = 3) -> dict[str, object]:
    """AUC of the true probability on the last `test` snapshots: the label month's, and the snapshot's."""
    rows = _test_rows(simulate(members, months, seed=seed), months, test)
    y = rows["redeems"].to_numpy()
    label_month = rows["p_redeem"].fill_null(0).to_numpy() * rows["active"].fill_null(value=False).to_numpy()
    return {
        "rows": rows.height,
        "positive_rate": round(float(y.mean()), 4),
        "auc_true_probability_next_month_points_and_activity": round(float(roc_auc_score(y, label_month)), 4),
        "auc_true_probability_snapshot_points": round(
            float(roc_auc_score(y, snapshot_probability(rows, with_usual_earning=False))), 4
        ),
        "auc_true_probability_snapshot_points_plus_usual_earning": round(
            float(roc_auc_score(y, snapshot_probability(rows, with_usual_earning=True))), 4
        ),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=18)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(json.dumps(run(args.members, args.months, args.seed), indent=2))
