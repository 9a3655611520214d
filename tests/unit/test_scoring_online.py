"""The per-member scorer: the batch scorer's probabilities row by row, the flagged fallback, contributions."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest

from pointflow.intelligence.propensity import snapshot_features, time_split, train_propensity, training_set
from pointflow.intelligence.propensity.model import from_files, matrix, to_files
from pointflow.intelligence.propensity.online import FALLBACK, OnlineScorer
from pointflow.intelligence.propensity.scoring import RULE_AT_STEP, RULE_BELOW_STEP, score
from pointflow.intelligence.registry import ModelVersion, reference_distribution
from tests.unit.propensity_support import MONTHS, small_history

Trained = tuple[ModelVersion, dict[str, str], pl.DataFrame]


@pytest.fixture(scope="module")
def trained() -> Trained:
    """A version as the registry would hold it (model text, knots, reference), and the rows to score."""
    months = range(2, MONTHS - 1)
    data = training_set(small_history(), months)
    model = train_propensity(data, seed=3, split=time_split(months, test=1, validation=1)).model
    files, extra = to_files(model)
    frame = snapshot_features(small_history(), MONTHS - 1)
    # the reference covers the scored month too: with four training months, its tenure and calendar month
    # lie outside the training range (the simulator's members all join in month 0), and these tests are
    # about the arithmetic, not the guard's slack
    rows = np.vstack([matrix(data, list(model.features)), matrix(frame, list(model.features))])
    reference = {
        n: reference_distribution(np.ascontiguousarray(rows[:, i])) for i, n in enumerate(model.features)
    }
    version = ModelVersion(
        "propensity",
        "v0001",
        datetime.now(UTC),
        "lightgbm-binary+isotonic",
        {},
        model.features,
        {},
        reference,
        extra,
    )
    return version, files, frame


def test_each_row_scores_as_the_batch_scorer_does(trained: Trained) -> None:
    version, files, frame = trained
    batch = score(from_files(files, dict(version.extra), version.features), frame, version="v0001")
    scorer = OnlineScorer.from_version(version, files)
    rows = matrix(frame, list(version.features))
    scores = [scorer.score(row, explain=True) for row in rows]
    trusted = [i for i, s in enumerate(scores) if not s.fallback]
    assert len(trusted) == len(rows)  # every row lies within the reference
    expected = batch["p_redeem_30d"].to_numpy()
    plain = np.array([scorer.score(rows[i]).probability for i in trusted])
    explained = np.array([scores[i].probability for i in trusted])
    assert np.abs(plain - expected[trusted]).max() <= 1e-9
    assert np.abs(explained - expected[trusted]).max() <= 1e-9
    first = scores[trusted[0]]
    assert first.source == "model:propensity/v0001"
    assert not first.low_confidence
    assert (
        "; ".join(f"{n}:{v:+.3f}" for n, v in first.top_contributions)
        == batch["top_contributions"][trusted[0]]
    )


def test_contributions_and_the_bias_add_up_to_the_raw_margin(trained: Trained) -> None:
    version, files, frame = trained
    scorer = OnlineScorer.from_version(version, files)
    model = from_files(files, dict(version.extra), version.features)
    rows = matrix(frame, list(version.features))[:50]
    margins = np.asarray(model.booster.predict(rows, raw_score=True), dtype=np.float64)
    sums = np.array([scorer.contributions(row).sum() for row in rows])
    assert np.abs(sums - margins).max() <= 1e-9
    top = scorer.score(rows[0], explain=True).top_contributions
    assert len(top) == 3
    assert abs(top[0][1]) >= abs(top[1][1]) >= abs(top[2][1])
    assert scorer.explain(rows[0]) == top


def test_without_a_model_the_rule_scores_and_says_so() -> None:
    scorer = OnlineScorer.rule_only(("points_projected", "recency_days"))
    covered = scorer.score(scorer.row({"points_projected": 1_500, "recency_days": 3}), explain=True)
    assert (covered.probability, covered.source, covered.low_confidence) == (RULE_AT_STEP, FALLBACK, True)
    assert covered.reasons == ("no model registered",)
    assert covered.top_contributions == ()
    assert scorer.score(scorer.row({"points_projected": 999})).probability == RULE_BELOW_STEP
    assert scorer.score(scorer.row({})).probability == RULE_BELOW_STEP  # missing counts as no points
    with pytest.raises(ValueError, match="no model"):
        scorer.contributions(scorer.row({}))


def test_a_feature_that_was_never_missing_sends_the_row_to_the_rule(trained: Trained) -> None:
    version, files, frame = trained
    scorer = OnlineScorer.from_version(version, files)
    row = matrix(frame, list(version.features))[0].copy()
    name = next(n for n in version.features if version.reference[n].missing == 0 and n != "points_projected")
    row[version.features.index(name)] = math.nan
    result = scorer.score(row, explain=True)
    assert result.fallback
    assert result.low_confidence
    assert result.reasons == (f"{name} missing",)
    points = row[version.features.index("points_projected")]
    assert result.probability == (RULE_AT_STEP if points >= 1_000 else RULE_BELOW_STEP)


def test_a_value_far_outside_the_training_range_sends_the_row_to_the_rule(trained: Trained) -> None:
    version, files, frame = trained
    scorer = OnlineScorer.from_version(version, files)
    row = matrix(frame, list(version.features))[0].copy()
    at = version.features.index("points_balance")
    row[at] = version.reference["points_balance"].edges[-1] * 10 + 1_000
    result = scorer.score(row)
    assert result.fallback
    assert result.reasons[0].startswith("points_balance=")
    assert result.reasons[0].endswith("out of range")
    row[at] = version.reference["points_balance"].edges[-1]  # the reference maximum itself is fine
    assert not scorer.score(row).fallback


def test_a_mapping_becomes_a_row_in_model_order(trained: Trained) -> None:
    version, files, _ = trained
    scorer = OnlineScorer.from_version(version, files)
    row = scorer.row({version.features[1]: 2, version.features[0]: None})
    assert row.shape == (len(version.features),)
    assert math.isnan(row[0])
    assert row[1] == 2.0
    assert np.isnan(row[2:]).all()
    with pytest.raises(ValueError, match=f"expected {len(version.features)} features"):
        scorer.score(row[:-1])
