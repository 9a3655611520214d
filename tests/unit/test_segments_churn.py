"""Churn labels and features at a month boundary, and the classifier-against-BG/NBD comparison, small."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from bench import churn as bench_churn

from pointflow.intelligence.churn import churn_labels, month_start


def test_month_start_rolls_over_the_year() -> None:
    assert month_start(date(2024, 1, 1), 0) == date(2024, 1, 1)
    assert month_start(date(2024, 11, 1), 3) == date(2025, 2, 1)


def test_labels_keep_members_still_here_and_mark_the_next_three_months() -> None:
    truth = pl.DataFrame({"customer_id": ["a", "b", "c", "d", "e"], "churn_month": [None, 3, 5, 6, 2]})
    labels = churn_labels(truth, cutoff=3)
    assert dict(zip(labels["customer_id"], labels["churned"], strict=True)) == {
        "a": 0,
        "b": 1,
        "c": 1,
        "d": 0,
    }


def test_the_comparison_scores_every_model_against_the_truth() -> None:
    figures = bench_churn.run(members=800, months=9, train_cutoffs=(3,), test_cutoff=6)
    auc = figures["auc"]
    assert set(auc) == {
        "lightgbm",
        "logistic_regression",
        "bgnbd_1_minus_p_alive",
        "true_base_hazard",
        "true_hazard_at_cutoff",
    }
    assert 0 < figures["test_churn_rate"] < 0.5
    for name, value in auc.items():
        assert 0.55 < value <= 1.0, name


def test_the_comparison_refuses_labels_that_overlap_the_test_months() -> None:
    with pytest.raises(ValueError, match="training labels"):
        bench_churn.run(members=50, months=9, train_cutoffs=(5,), test_cutoff=6)
