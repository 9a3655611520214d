"""Members and their hidden traits: the latent factors every observed behaviour is drawn from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pointflow.sim.personas import PROFILES
from pointflow.sim.truth.catalogue import REWARD_TYPES, FloatArray, IntArray, expected_outflow

# Per persona, in PROFILES order (frequent_traveller, family_grocery, student, affluent_saver,
# drifting_away). Engagement is lognormal around exp(mu); price sensitivity is Beta(a, b); reward
# affinity is Dirichlet over REWARD_TYPES; opening balance is that many months of salary (median).
_ENGAGEMENT_MU = (0.10, 0.0, -0.05, 0.05, -0.15)
_ENGAGEMENT_SIGMA = 0.35
_PRICE_BETA = ((2.0, 4.0), (4.0, 3.0), (5.0, 2.0), (1.5, 6.0), (3.0, 3.0))
_AFFINITY_ALPHA = (
    (6.0, 1.5, 1.0, 1.5),
    (1.0, 4.0, 2.0, 3.0),
    (1.5, 3.0, 2.0, 3.0),
    (3.0, 1.5, 2.5, 1.5),
    (1.0, 3.0, 2.0, 2.0),
)
_CUSHION_MONTHS = (1.0, 0.5, 0.3, 6.0, 0.5)
# The share of salary (after any loan instalment) a member of their persona's mean engagement spends in a
# month, before seasons; more engaged members spend more, so some overdraw.
_BUDGET_SHARE = (0.75, 0.82, 0.85, 0.5, 0.82)
_OUTFLOW = expected_outflow()
_PERSONA_HAZARD = (0.0, -0.3, 0.3, -0.5, 0.6)
# A member's base monthly churn hazard: logistic in these (intercept, -log engagement, price sensitivity).
HAZARD_INTERCEPT = -5.3
HAZARD_PER_DISENGAGEMENT = 1.2
HAZARD_PER_PRICE_SENSITIVITY = 1.5


@dataclass(frozen=True)
class Members:
    """Everything drawn once per member; arrays are indexed by member number (0-based)."""

    persona: IntArray
    engagement: FloatArray
    price_sensitivity: FloatArray
    affinity: FloatArray  # member × reward type, rows sum to 1
    base_hazard: FloatArray  # monthly churn probability before drift and redemptions
    spend_scale: FloatArray
    salary_cents: IntArray
    payday: IntArray  # day of month, 0-based
    loan_cents: IntArray  # 0 when the member has no loan
    opening_cents: IntArray
    drift_from: IntArray  # month index a drifting-away member starts declining; -1 for the rest
    decay: FloatArray  # monthly factor of a drifting member's activity once it declines

    @property
    def count(self) -> int:
        return len(self.persona)


def draw_members(rng: np.random.Generator, n: int) -> Members:
    """Draw `n` members: persona first, then every trait from that persona's priors."""
    shares = np.array([p.share for p in PROFILES])
    persona = rng.choice(len(PROFILES), size=n, p=shares / shares.sum())
    engagement = rng.lognormal(np.take(_ENGAGEMENT_MU, persona), _ENGAGEMENT_SIGMA)
    beta = np.array(_PRICE_BETA)[persona]
    price = rng.beta(beta[:, 0], beta[:, 1])
    salary = np.take([p.salary for p in PROFILES], persona) * rng.lognormal(0.0, 0.2, n)
    loans = _loans(rng, persona)
    return Members(
        persona=persona.astype(np.int64),
        engagement=engagement,
        price_sensitivity=price,
        affinity=_affinity(rng, persona),
        base_hazard=base_hazard(persona, engagement, price),
        spend_scale=_spend_scale(rng, persona, salary, loans) * (1.15 - 0.3 * price),
        salary_cents=np.round(salary * 100).astype(np.int64),
        payday=rng.integers(0, 28, n),
        loan_cents=loans,
        opening_cents=np.round(
            salary * np.take(_CUSHION_MONTHS, persona) * rng.lognormal(0, 0.5, n) * 100
        ).astype(np.int64),
        drift_from=_drift_from(rng, persona),
        decay=np.take([p.monthly_decay for p in PROFILES], persona).astype(np.float64),
    )


def base_hazard(persona: IntArray, engagement: FloatArray, price: FloatArray) -> FloatArray:
    """The monthly churn probability the latent factors imply (documented in docs/simulator.md)."""
    logit = (
        HAZARD_INTERCEPT
        + np.take(_PERSONA_HAZARD, persona)
        - HAZARD_PER_DISENGAGEMENT * np.log(engagement)
        + HAZARD_PER_PRICE_SENSITIVITY * price
    )
    hazard: FloatArray = 1.0 / (1.0 + np.exp(-logit))
    return hazard


def vigour(members: Members, month: int) -> FloatArray:
    """How much of a member's usual activity is left in `month`: 1, or less once a drifter declines."""
    declining = (members.drift_from >= 0) & (month >= members.drift_from)
    steps = np.where(declining, month - members.drift_from, 0)
    result: FloatArray = members.decay**steps
    return result


def _spend_scale(
    rng: np.random.Generator, persona: IntArray, salary: FloatArray, loans: IntArray
) -> FloatArray:
    """Amounts scale so a typically engaged member spends their persona's share of what salary leaves."""
    budget = np.maximum(np.take(_BUDGET_SHARE, persona) * salary - loans / 100, 0.3 * salary)
    typical = _OUTFLOW[persona] * np.exp(np.take(_ENGAGEMENT_MU, persona) + _ENGAGEMENT_SIGMA**2 / 2)
    scale: FloatArray = budget / typical * rng.lognormal(0.0, 0.15, len(persona))
    return scale


def _affinity(rng: np.random.Generator, persona: IntArray) -> FloatArray:
    alpha = np.array(_AFFINITY_ALPHA)[persona]
    gammas = rng.standard_gamma(alpha)
    affinity: FloatArray = gammas / gammas.sum(axis=1, keepdims=True)
    assert affinity.shape[1] == len(REWARD_TYPES)
    return affinity


def _loans(rng: np.random.Generator, persona: IntArray) -> IntArray:
    has_loan = rng.random(len(persona)) < np.take([p.loan_share for p in PROFILES], persona)
    amount = rng.uniform(150, 900, len(persona))
    return np.where(has_loan, np.round(amount * 100), 0).astype(np.int64)


def _drift_from(rng: np.random.Generator, persona: IntArray) -> IntArray:
    drifting = np.take([p.monthly_decay < 1.0 for p in PROFILES], persona)
    start = rng.integers(0, 6, len(persona))
    return np.where(drifting, start, -1).astype(np.int64)
