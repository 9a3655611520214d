"""The propensity model on a small simulation: structure and sanity of the metrics, saving, scoring."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from pointflow.intelligence.propensity import (
    REWARD_TYPES,
    TrainingResult,
    snapshot_features,
    time_split,
    train_propensity,
    training_set,
)
from pointflow.intelligence.propensity.model import from_files, to_files
from pointflow.intelligence.propensity.scoring import RULE_AT_STEP, RULE_BELOW_STEP, rule_score, score
from tests.unit.propensity_support import MONTHS, small_history


@pytest.fixture(scope="module")
def result() -> TrainingResult:
    data = training_set(small_history(), range(2, MONTHS - 1))
    return train_propensity(data, seed=3, split=time_split(range(2, MONTHS - 1), test=1, validation=1))


def test_time_split_keeps_time_order() -> None:
    split = time_split([5, 2, 3, 4, 6, 7, 8], test=2, validation=2)
    assert (split.train, split.validation, split.test) == ((2, 3, 4), (5, 6), (7, 8))
    with pytest.raises(ValueError, match="at least 6"):
        time_split(range(5))


def test_metrics_have_every_model_and_the_model_beats_chance(result: TrainingResult) -> None:
    test = result.metrics["test"]
    assert isinstance(test, dict)
    assert set(test) == {"lightgbm_calibrated", "lightgbm_raw", "logistic_regression", "recency_rule"}
    for metrics in test.values():
        assert set(metrics) >= {"auc", "pr_auc", "brier", "ece", "lift_by_decile"}
        assert len(metrics["lift_by_decile"]) == 10
    assert test["lightgbm_calibrated"]["auc"] > 0.6
    assert test["lightgbm_calibrated"]["lift_by_decile"][0] > 1.5
    reward = result.metrics["reward_type"]
    assert isinstance(reward, dict)
    assert set(reward) >= {"accuracy", "baseline_past_favourite_accuracy"}


def test_a_saved_model_predicts_the_same_as_the_trained_one(result: TrainingResult) -> None:
    frame = snapshot_features(small_history(), MONTHS - 1)
    files, extra = to_files(result.model)
    again = from_files(files, extra, result.model.features)
    assert np.allclose(again.probability(frame), result.model.probability(frame))
    assert np.allclose(again.reward_probabilities(frame), result.model.reward_probabilities(frame))


def test_scores_carry_probabilities_reward_types_and_contributions(result: TrainingResult) -> None:
    frame = snapshot_features(small_history(), MONTHS - 1)
    scores = score(result.model, frame, version="v0001")
    assert scores.height == frame.height
    assert scores["p_redeem_30d"].is_between(0, 1).all()
    assert set(scores["preferred_reward"]) <= set(REWARD_TYPES)
    assert (scores["source"] == "model:v0001").all()
    first = scores["top_contributions"][0].split("; ")
    assert len(first) == 3
    assert all(part.split(":")[0] in result.model.features for part in first)
    # contributions plus the bias add up to the raw log-odds
    contributions = result.model.contributions(frame)
    log_odds = np.log(result.model.raw(frame) / (1 - result.model.raw(frame)))
    assert np.allclose(contributions.sum(axis=1), log_odds, atol=1e-6)


def test_the_fallback_rule_is_flagged_and_follows_the_points() -> None:
    frame = snapshot_features(small_history(), MONTHS - 1)
    scores = rule_score(frame)
    assert (scores["source"] == "fallback-rule").all()
    covers = frame["points_projected"].fill_null(0) >= 1_000
    expected = pl.Series(np.where(covers.to_numpy(), RULE_AT_STEP, RULE_BELOW_STEP))
    assert scores["p_redeem_30d"].to_list() == expected.to_list()
