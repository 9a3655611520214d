"""The acceptance model: P(accept) from a stored propensity score, the segment's bandit counts and churn;
an unsure estimate, saying why, for a low-confidence, stale or drift-switched score; none without a score."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pointflow.adapters.programme_file import load_programme_file, sample_programme_path
from pointflow.domain.arbitration import Posterior
from pointflow.domain.offer_programme import OfferDefinition
from pointflow.intelligence.acceptance import (
    TYPICAL_PROPENSITY,
    freshness,
    p_accept,
    recency_churn,
    segment_rate,
)
from pointflow.service_layer.offer_acceptance import ScoreAcceptance, model_version
from pointflow.service_layer.offer_ports import MemberSignals, StoredScore

TODAY = date(2024, 6, 1)
OFFERS = load_programme_file(sample_programme_path()).offers
assert OFFERS is not None
BONUS: OfferDefinition = OFFERS.offer("deposit-bonus")  # type: ignore[assignment]
MODEL = "model:propensity/v0003"


def score(p: float = 0.4, *, source: str = MODEL, low: bool = False, age: int = 1) -> StoredScore:
    reasons = ("no model registered",) if low else ()
    return StoredScore(p, source, low, reasons, TODAY - timedelta(days=age))


def signals(propensity: StoredScore | None, churn: float | None = None) -> MemberSignals:
    churned = None if churn is None else StoredScore(churn, "rule:recency", True, (), TODAY)
    return MemberSignals(TODAY, propensity=propensity, churn=churned)


class Drift:
    def __init__(self, off: set[tuple[str, str]]) -> None:
        self.off = off

    def reason(self, model: str, version: str) -> str | None:
        return "drift fallback: psi 0.31" if (model, version) in self.off else None


def test_no_stored_score_means_no_estimate() -> None:
    assert ScoreAcceptance().estimate(signals(None), BONUS, Posterior()) is None


def test_a_confident_fresh_score_gives_the_combined_probability() -> None:
    found = ScoreAcceptance().estimate(signals(score(0.4), churn=0.2), BONUS, Posterior(3, 7))
    assert found is not None
    rate = (10 * 0.30 + 3) / (10 + 3 + 7)
    assert found.p_accept == pytest.approx(p_accept(rate=rate, propensity=0.4, churn=0.2))
    assert found.confidence == pytest.approx(1 - 1 / 90)
    assert found.model_version == MODEL
    assert "3 accepted, 7 ignored" in found.why
    assert "churn 0.20" in found.why


def test_a_typical_member_without_churn_gets_the_segment_rate() -> None:
    rate = segment_rate(0.30, 0, 0)
    assert p_accept(rate=rate, propensity=TYPICAL_PROPENSITY, churn=None) == pytest.approx(0.30)


def test_a_low_confidence_score_is_unsure_and_says_why() -> None:
    found = ScoreAcceptance().estimate(signals(score(low=True, source="fallback-rule")), BONUS, Posterior())
    assert found is not None
    assert found.confidence == 0.0
    assert found.why == "propensity score from fallback-rule is low-confidence: no model registered"


def test_a_drift_switched_version_is_unsure_and_says_why() -> None:
    model = ScoreAcceptance(Drift({("propensity", "v0003")}))
    found = model.estimate(signals(score()), BONUS, Posterior())
    assert found is not None
    assert found.confidence == 0.0
    assert found.why == f"{MODEL} switched off: drift fallback: psi 0.31"
    other = ScoreAcceptance(Drift({("propensity", "v0002")})).estimate(signals(score()), BONUS, Posterior())
    assert other is not None
    assert other.confidence > 0.9


def test_a_stale_score_loses_its_confidence() -> None:
    found = ScoreAcceptance().estimate(signals(score(age=120)), BONUS, Posterior())
    assert found is not None
    assert found.confidence == 0.0
    assert "stale" in found.why
    assert freshness(45) == pytest.approx(0.5)


def test_model_versions_are_read_from_the_score_source() -> None:
    assert model_version(MODEL) == ("propensity", "v0003")
    assert model_version("fallback-rule") is None


@given(
    low=st.floats(0.001, 0.999),
    high=st.floats(0.001, 0.999),
    rate=st.floats(0.001, 0.999),
    churn=st.floats(0, 1),
)
def test_p_accept_is_a_probability_rising_with_propensity_and_falling_with_churn(
    low: float, high: float, rate: float, churn: float
) -> None:
    low, high = min(low, high), max(low, high)
    at_low = p_accept(rate=rate, propensity=low, churn=churn)
    assert 0.0 < at_low < 1.0
    assert at_low <= p_accept(rate=rate, propensity=high, churn=churn) + 1e-12
    assert (
        p_accept(rate=rate, propensity=low, churn=churn)
        <= p_accept(rate=rate, propensity=low, churn=0) + 1e-12
    )


def test_the_recency_churn_estimate_rises_with_idle_days() -> None:
    assert recency_churn(0) == 0.0
    assert recency_churn(30) < 0.6 <= recency_churn(42)
    assert recency_churn(365) > 0.99
