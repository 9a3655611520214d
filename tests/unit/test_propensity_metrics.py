"""Metrics and calibration of the propensity model, on numbers worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from pointflow.intelligence.propensity.calibration import Calibrator, fit_isotonic
from pointflow.intelligence.propensity.metrics import (
    binary_metrics,
    expected_calibration_error,
    lift_by_decile,
)


def test_ece_is_zero_when_each_bin_matches_its_rate() -> None:
    y = np.array([1.0, 0, 0, 0, 1, 1, 1, 0])
    p = np.array([0.25] * 4 + [0.75] * 4)
    assert expected_calibration_error(y, p) == pytest.approx(0.0)


def test_ece_weights_each_bins_gap_by_its_rows() -> None:
    # bin 0.1–0.2 (6 rows): forecast 0.15, observed 0.5 → 0.35; bin 0.9–1 (2 rows): 0.95 vs 1 → 0.05
    y = np.array([1.0, 1, 1, 0, 0, 0, 1, 1])
    p = np.array([0.15] * 6 + [0.95] * 2)
    assert expected_calibration_error(y, p) == pytest.approx(6 / 8 * 0.35 + 2 / 8 * 0.05)


def test_lift_of_a_perfect_ranking_puts_every_positive_in_the_top_decile() -> None:
    y = np.array([1.0] * 10 + [0.0] * 90)
    p = np.linspace(1, 0, 100)
    assert lift_by_decile(y, p) == [10.0] + [0.0] * 9


def test_binary_metrics_of_a_perfect_and_a_one_class_forecast() -> None:
    y = np.array([0.0, 0, 1, 1])
    perfect = binary_metrics(y, np.array([0.0, 0, 1, 1]))
    assert (perfect["auc"], perfect["pr_auc"], perfect["brier"], perfect["ece"]) == (1.0, 1.0, 0.0, 0.0)
    assert binary_metrics(np.zeros(4), np.full(4, 0.1))["auc"] is None


def test_isotonic_calibration_is_monotone_and_fixes_a_biased_score() -> None:
    rng = np.random.default_rng(3)
    truth = rng.uniform(0, 0.5, 20_000)
    y = (rng.uniform(size=truth.size) < truth).astype(np.float64)
    biased = np.sqrt(truth)  # ranks right, probabilities too high
    calibrator = fit_isotonic(y, biased)
    fixed = calibrator.apply(biased)
    assert np.all(np.diff(calibrator.apply(np.linspace(0, 1, 50))) >= 0)
    assert expected_calibration_error(y, fixed) < 0.02 < expected_calibration_error(y, biased)


def test_a_calibrator_survives_json_and_an_empty_one_is_the_identity() -> None:
    calibrator = Calibrator((0.1, 0.9), (0.0, 0.5))
    assert Calibrator.from_json(calibrator.to_json()) == calibrator
    assert calibrator.apply(np.array([0.5]))[0] == pytest.approx(0.25)
    assert Calibrator().apply(np.array([0.3]))[0] == 0.3
