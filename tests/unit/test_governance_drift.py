"""PSI and the binned KS against a registry reference: the invariants, worked values, the verdicts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pointflow.governance.drift import (
    DriftStatus,
    Measured,
    Thresholds,
    bin_counts,
    binned_ks,
    measure,
    psi,
    reference_vector,
    shares_of,
    verdict,
)
from pointflow.intelligence.registry import reference_distribution

shares = arrays(np.float64, st.integers(2, 12), elements=st.floats(0, 1)).filter(lambda a: a.sum() > 0)


def normalised(a: np.ndarray) -> np.ndarray:
    return a / a.sum()


@given(shares, st.data())
def test_psi_is_never_negative(expected: np.ndarray, data: st.DataObject) -> None:
    actual = data.draw(
        arrays(np.float64, expected.size, elements=st.floats(0, 1)).filter(lambda a: a.sum() > 0)
    )
    assert psi(normalised(expected), normalised(actual)) >= 0


@given(shares)
def test_psi_of_identical_distributions_is_zero(expected: np.ndarray) -> None:
    assert psi(normalised(expected), normalised(expected.copy())) == 0


@given(shares, st.data())
def test_binned_ks_lies_between_zero_and_one_and_is_zero_for_identical(
    expected: np.ndarray, data: st.DataObject
) -> None:
    actual = data.draw(arrays(np.float64, expected.size, elements=st.floats(0, 1)))
    e = normalised(np.append(expected, 0.0))  # the last slot is "missing", left out of KS
    ks = binned_ks(e, np.append(actual, 0.0))
    assert math.isnan(ks) or 0 <= ks <= 1 + 1e-12
    assert binned_ks(e, e.copy()) == pytest.approx(0)


def test_a_worked_psi() -> None:
    # two bins, 50/50 against 70/30: 0.2·ln(0.7/0.5) + (−0.2)·ln(0.3/0.5) = 0.1695
    assert psi(np.array([0.5, 0.5]), np.array([0.7, 0.3])) == pytest.approx(0.169460, abs=1e-6)


def test_bins_follow_the_reference_edges_with_overflow_and_missing_slots() -> None:
    edges = (1.0, 2.0, 5.0)
    values = np.array([0.5, 1.0, 1.5, 2.0, 4.0, 5.0, 9.0, np.nan, np.nan])
    # ≤1 → bin 0; (1,2] → bin 1; (2,5] → bin 2; >5 → overflow; NaN → missing
    assert bin_counts(values, edges).tolist() == [2, 2, 2, 1, 2]


def test_training_values_measured_against_their_own_reference_do_not_drift() -> None:
    rng = np.random.default_rng(5)
    values = rng.gamma(2.0, 50.0, 5_000)
    values[:250] = np.nan
    ref = reference_distribution(values)
    counts = bin_counts(values, ref.edges)
    vector = reference_vector(ref.shares, ref.missing)
    found = measure("spend", counts, vector, len(ref.edges), Thresholds())
    assert found.psi < 0.001
    assert found.ks is not None
    assert found.ks < 0.001
    assert found.status is DriftStatus.OK
    assert shares_of(counts).sum() == pytest.approx(1)


def test_a_shifted_population_alerts_and_a_far_one_falls_back() -> None:
    rng = np.random.default_rng(6)
    ref = reference_distribution(rng.normal(100, 20, 5_000))
    vector = reference_vector(ref.shares, ref.missing)
    thresholds = Thresholds(alert=0.1, fallback=0.25)
    shifted = measure(
        "x", bin_counts(rng.normal(108, 20, 5_000), ref.edges), vector, len(ref.edges), thresholds
    )
    far = measure("x", bin_counts(rng.normal(140, 20, 5_000), ref.edges), vector, len(ref.edges), thresholds)
    assert 0.1 <= shifted.psi < 0.25
    assert shifted.status is DriftStatus.ALERT
    assert far.psi >= 0.25
    assert far.status is DriftStatus.FALLBACK
    assert far.ks is not None
    assert far.ks > shifted.ks


def test_a_few_valued_feature_gets_no_ks() -> None:
    ref = reference_distribution(np.array([0.0, 1.0, 1.0, 2.0] * 100))
    found = measure(
        "count",
        bin_counts(np.zeros(50), ref.edges),
        reference_vector(ref.shares, ref.missing),
        len(ref.edges),
        Thresholds(),
    )
    assert found.ks is None
    assert found.status is DriftStatus.FALLBACK  # everyone at 0 where a quarter were: a large PSI


def test_values_beyond_the_training_range_count_as_drift() -> None:
    ref = reference_distribution(np.linspace(0, 10, 1_000))
    vector = reference_vector(ref.shares, ref.missing)
    found = measure("x", bin_counts(np.full(1_000, 50.0), ref.edges), vector, len(ref.edges), Thresholds())
    assert found.status is DriftStatus.FALLBACK


def test_the_verdict_is_the_worst_series() -> None:
    def m(status: DriftStatus) -> Measured:
        return Measured("s", 10, 0.0, None, status)

    assert verdict([]) is DriftStatus.OK
    assert verdict([m(DriftStatus.OK), m(DriftStatus.ALERT)]) is DriftStatus.ALERT
    assert verdict([m(DriftStatus.ALERT), m(DriftStatus.FALLBACK), m(DriftStatus.OK)]) is DriftStatus.FALLBACK


@pytest.mark.parametrize(
    ("value", "status"), [(0.0, "ok"), (0.0999, "ok"), (0.1, "alert"), (0.25, "fallback")]
)
def test_thresholds_are_inclusive(value: float, status: str) -> None:
    assert Thresholds(0.1, 0.25).status(value).value == status
