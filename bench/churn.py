"""Churn in the next three months on the simulator: a supervised classifier against BG/NBD's 1 − P(alive).

Both are scored by AUC against the simulator's truth at a held-out cutoff month, beside the AUC of the true
hazard on the same rows (the best any score can do). The classifiers train on earlier cutoffs whose
three-month labels end before the held-out cutoff, so nothing from after it is seen.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import polars as pl
from lightgbm import LGBMClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from pointflow.intelligence.churn import (
    HORIZON_MONTHS,
    bgnbd_churn_scores,
    churn_features,
    churn_labels,
)
from pointflow.sim.truth import DEFAULT_START, Simulation, simulate

Vector = np.ndarray[Any, np.dtype[np.float64]]


def run(
    members: int = 10_000,
    months: int = 15,
    seed: int = 7,
    train_cutoffs: Sequence[int] = (6, 9),
    test_cutoff: int = 12,
) -> dict[str, Any]:
    """AUC of LightGBM, logistic regression, BG/NBD and the true hazard at `test_cutoff`, and the rows."""
    if max(train_cutoffs) + HORIZON_MONTHS > test_cutoff or test_cutoff + HORIZON_MONTHS > months:
        raise ValueError("training labels must end by the test cutoff, and its labels within the months")
    began = time.perf_counter()
    sim = simulate(members, months, seed=seed)
    train = pl.concat([labelled(sim, c) for c in train_cutoffs], how="vertical_relaxed")
    test = labelled(sim, test_cutoff)
    y_test = test["churned"].to_numpy()
    scores = {**classifier_scores(train, test, seed=seed), **baseline_scores(sim, test, test_cutoff)}
    auc = {name: round(float(roc_auc_score(y_test, score)), 4) for name, score in scores.items()}
    return {
        "members": members,
        "months": months,
        "seed": seed,
        "train_cutoffs": list(train_cutoffs),
        "test_cutoff": test_cutoff,
        "train_rows": train.height,
        "test_rows": test.height,
        "test_churn_rate": round(float(y_test.mean()), 4),
        "auc": auc,
        "seconds": round(time.perf_counter() - began, 1),
    }


def classifier_scores(train: pl.DataFrame, test: pl.DataFrame, *, seed: int) -> dict[str, Vector]:
    """LightGBM and a logistic regression fitted on `train`, each scoring `test`."""
    columns = [c for c in train.columns if c not in ("customer_id", "churned")]
    x_train, y_train, x_test = _matrix(train, columns), train["churned"].to_numpy(), _matrix(test, columns)
    boosted = LGBMClassifier(
        n_estimators=300,
        learning_rate=0.03,
        num_leaves=15,
        min_child_samples=50,
        random_state=seed,
        verbose=-1,
    )
    linear = make_pipeline(
        SimpleImputer(strategy="median"), StandardScaler(), LogisticRegression(max_iter=2000)
    )
    return {
        name: np.asarray(model.fit(x_train, y_train).predict_proba(x_test))[:, 1]
        for name, model in (("lightgbm", boosted), ("logistic_regression", linear))
    }


def baseline_scores(sim: Simulation, test: pl.DataFrame, cutoff: int) -> dict[str, Vector]:
    """BG/NBD's 1 − P(alive) (1 for a member with no purchase yet) and the true hazards, on `test`'s rows."""
    bgnbd = bgnbd_churn_scores(sim.transactions, cutoff=cutoff, start=DEFAULT_START)
    scored = test.select("customer_id").join(bgnbd, on="customer_id", how="left", maintain_order="left")
    scored = scored.join(_true_hazard(sim, cutoff), on="customer_id", how="left", maintain_order="left")
    return {
        "bgnbd_1_minus_p_alive": scored["bgnbd_churn"].fill_null(1.0).to_numpy(),
        "true_base_hazard": scored["base_churn_hazard"].to_numpy(),
        "true_hazard_at_cutoff": scored["hazard_at_cutoff"].to_numpy(),
    }


def labelled(sim: Simulation, cutoff: int) -> pl.DataFrame:
    """Features at `cutoff` of the members still there, with their churn label."""
    features = churn_features(
        sim.transactions, sim.redemptions, sim.balances, sim.members, cutoff=cutoff, start=DEFAULT_START
    )
    return churn_labels(sim.truth, cutoff=cutoff).join(features, on="customer_id")


def _true_hazard(sim: Simulation, cutoff: int) -> pl.DataFrame:
    """The simulator's monthly hazard at the cutoff from the last month's vigour and recent redemptions."""
    vigour = sim.balances.filter(pl.col("month") == cutoff - 1).select(
        pl.col("customer_id").cast(pl.String), "vigour"
    )
    redeemed = (
        sim.redemptions.filter(pl.col("month").is_between(cutoff - 3, cutoff - 1))
        .select(pl.col("customer_id").cast(pl.String))
        .unique()
        .with_columns(pl.lit(0.6).alias("relief"))
    )
    return (
        sim.truth.select(pl.col("customer_id").cast(pl.String), "base_churn_hazard")
        .join(vigour, on="customer_id", how="left")
        .join(redeemed, on="customer_id", how="left")
        .with_columns(
            (
                pl.col("base_churn_hazard")
                * (1 + 6 * (1 - pl.col("vigour").fill_null(1.0)))
                * pl.col("relief").fill_null(1.0)
            ).alias("hazard_at_cutoff")
        )
    )


def _matrix(frame: pl.DataFrame, columns: list[str]) -> Vector:
    return frame.select(pl.col(columns).cast(pl.Float64)).to_numpy()


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
