"""Scores for members: P(redeem next month), the likely reward type, and the features that drove each score.

Without a registered model, a transparent rule stands in and every row says so (`source`).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pointflow.intelligence.propensity.dataset import KEY, REDEEM_STEPS, REWARD_TYPES
from pointflow.intelligence.propensity.metrics import FloatArray
from pointflow.intelligence.propensity.model import PropensityModel
from pointflow.intelligence.serving.rule import RULE_AT_STEP as RULE_AT_STEP
from pointflow.intelligence.serving.rule import RULE_BELOW_STEP as RULE_BELOW_STEP

TOP_FEATURES = 3


def score(model: PropensityModel, frame: pl.DataFrame, *, version: str) -> pl.DataFrame:
    """One row per member: probability, reward type and its probability, the top contributions."""
    probability = model.probability(frame)
    rewards = model.reward_probabilities(frame)
    contributions = model.contributions(frame)
    return pl.DataFrame(
        {
            KEY: frame[KEY],
            "p_redeem_30d": probability,
            "preferred_reward": [REWARD_TYPES[i] for i in rewards.argmax(axis=1)],
            "p_preferred_reward": rewards.max(axis=1),
            "top_contributions": top_contributions(contributions, model.features),
            "source": [f"model:{version}"] * frame.height,
        }
    )


def top_contributions(
    contributions: FloatArray, features: tuple[str, ...], k: int = TOP_FEATURES
) -> list[str]:
    """Per row, the `k` features with the largest |log-odds contribution|, as `name:+0.123` joined by `; `."""
    by_feature = contributions[:, : len(features)]
    order = np.argsort(-np.abs(by_feature), axis=1)[:, :k]
    return ["; ".join(f"{features[j]}:{by_feature[i, j]:+.3f}" for j in row) for i, row in enumerate(order)]


def rule_score(frame: pl.DataFrame) -> pl.DataFrame:
    """The fallback without a model: projected points vs the smallest reward step; past favourite type."""
    smallest = min(REDEEM_STEPS.values())
    covers = pl.col("points_projected").fill_null(0) >= smallest
    counts = pl.concat_list([pl.col(f"redeemed_{k}").fill_null(0) for k in REWARD_TYPES])
    favourite = (
        pl.when(counts.list.max() > 0).then(counts.list.arg_max()).otherwise(REWARD_TYPES.index("cashback"))
    )
    return frame.select(
        pl.col(KEY),
        pl.when(covers).then(RULE_AT_STEP).otherwise(RULE_BELOW_STEP).alias("p_redeem_30d"),
        favourite.replace_strict(dict(enumerate(REWARD_TYPES)), return_dtype=pl.String).alias(
            "preferred_reward"
        ),
        pl.lit(None, pl.Float64).alias("p_preferred_reward"),
        pl.lit("points_projected vs smallest reward step").alias("top_contributions"),
        pl.lit("fallback-rule").alias("source"),
    )
