"""P(accept) of an offer for a member, and the recency churn estimate the offers job stores (decision 0016).

P(accept) starts from the offer's acceptance rate in the member's segment (its bandit counts over a prior at
the offer kind's base rate), then moves on the log-odds scale with the member's redemption propensity
against a typical member's, and down with the member's churn estimate. The constants are stated priors, not
fitted: the programme has no accept/ignore history to fit them on until offers have run for a while.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PRIOR_RESPONSES = 10.0  # the kind's base rate weighs as much as this many accepts and ignores
TYPICAL_PROPENSITY = 0.13  # the propensity model's positive rate in its test months (its model card)
PROPENSITY_ELASTICITY = 0.5  # log-odds of accepting per log-odds of redeeming above the typical member
CHURN_PENALTY = 1.0  # log-odds of accepting lost by a member certain to leave
STALE_AFTER_DAYS = 90  # a score's confidence falls linearly from 1 (scored today) to 0 at this age
RECENCY_SCALE_DAYS = 45.0  # churn estimate 1 − exp(−idle days / scale): 0.6 after about six weeks idle
_EPSILON = 1e-6


@dataclass(frozen=True, slots=True)
class Acceptance:
    p_accept: float
    confidence: float
    why: str  # how the probability was made, for the decision record


def segment_rate(base_rate: float, accepted: int, ignored: int) -> float:
    """The offer's acceptance rate in the segment: its responses over a prior at the kind's base rate."""
    return (PRIOR_RESPONSES * base_rate + accepted) / (PRIOR_RESPONSES + accepted + ignored)


def logit(p: float) -> float:
    p = min(max(p, _EPSILON), 1 - _EPSILON)
    return math.log(p / (1 - p))


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def p_accept(*, rate: float, propensity: float, churn: float | None) -> float:
    """The segment's rate moved by the member's propensity against the typical member's, less churn."""
    lift = PROPENSITY_ELASTICITY * (logit(propensity) - logit(TYPICAL_PROPENSITY))
    return sigmoid(logit(rate) + lift - CHURN_PENALTY * (churn or 0.0))


def freshness(age_days: int) -> float:
    """Confidence in a score scored `age_days` ago."""
    return max(0.0, 1.0 - max(age_days, 0) / STALE_AFTER_DAYS)


def acceptance(
    *, base_rate: float, accepted: int, ignored: int, propensity: float, churn: float | None, age_days: int
) -> Acceptance:
    rate = segment_rate(base_rate, accepted, ignored)
    p = p_accept(rate=rate, propensity=propensity, churn=churn)
    churn_part = "no churn estimate" if churn is None else f"churn {churn:.2f}"
    why = (
        f"segment rate {rate:.3f} ({accepted} accepted, {ignored} ignored over base {base_rate}), "
        f"propensity {propensity:.3f} vs typical {TYPICAL_PROPENSITY}, {churn_part}: P(accept) {p:.3f}"
    )
    return Acceptance(p, freshness(age_days), why)


def recency_churn(idle_days: int) -> float:
    """The churn estimate the offers job stores: rises with the days since the member's last activity."""
    return round(1 - math.exp(-max(idle_days, 0) / RECENCY_SCALE_DAYS), 6)
