"""Points earned, redemptions chosen and churn drawn, month by month, from the latent factors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pointflow.sim.truth.catalogue import KINDS, REWARD_TYPES, FloatArray, IntArray
from pointflow.sim.truth.latent import Members

POINTS_PER_DOLLAR = 1
TRAVEL_MULTIPLIER = 2
# Points a reward of each type is bought in steps of, and what a point is worth in cents.
REWARD_STEP = np.array([5_000, 1_000, 2_500, 2_500])
CENTS_PER_POINT = np.array([1.2, 1.0, 0.8, 1.1])
REDEEM_INTERCEPT = -3.0
REDEEM_PER_ENGAGEMENT = 1.0  # per unit of log engagement
REDEEM_PER_BALANCE = 1.5  # per unit of log(points / the member's own threshold)
THRESHOLD_POINTS = 12_000.0  # a member with price sensitivity p aims at THRESHOLD × (1.4 − p)
DRIFT_HAZARD = 6.0  # hazard × (1 + DRIFT_HAZARD × (1 − vigour))
RECENT_REDEMPTION_HAZARD = 0.6  # hazard × this for 3 months after a redemption
RECENT_MONTHS = 3
MAX_HAZARD = 0.9

_EARNING = np.array([k.transaction_type == "purchase" for k in KINDS])
_MULTIPLIER = np.array([TRAVEL_MULTIPLIER if k.travel else POINTS_PER_DOLLAR for k in KINDS])
assert len(REWARD_STEP) == len(REWARD_TYPES)


@dataclass(frozen=True)
class Redemptions:
    """The month's redemptions: member, reward type index, points spent, value in cents."""

    member: IntArray
    reward: IntArray
    points: IntArray
    value_cents: IntArray


def hazard(members: Members, vigour: FloatArray, last_redeemed: IntArray, month: int) -> FloatArray:
    """This month's churn probability: the base hazard raised by drift and lowered by a recent reward."""
    recent = (last_redeemed >= 0) & (month - last_redeemed <= RECENT_MONTHS)
    h = members.base_hazard * (1.0 + DRIFT_HAZARD * (1.0 - vigour))
    result: FloatArray = np.minimum(np.where(recent, h * RECENT_REDEMPTION_HAZARD, h), MAX_HAZARD)
    return result


def churn_draw(
    rng: np.random.Generator, alive: npt.NDArray[np.bool_], h: FloatArray
) -> npt.NDArray[np.bool_]:
    """Who of the members still here leaves this month."""
    leaving: npt.NDArray[np.bool_] = alive & (rng.random(alive.size) < h)
    return leaving


def points_earned(n: int, member: IntArray, kind: IntArray, cents: IntArray) -> IntArray:
    """Points per member for the month's purchases: a point a whole dollar, twice for travel."""
    earning = _EARNING[kind]
    points = (cents[earning] // 100) * _MULTIPLIER[kind[earning]]
    return np.bincount(member[earning], weights=points, minlength=n).astype(np.int64)


def redeem(
    rng: np.random.Generator, members: Members, balance: IntArray, alive: npt.NDArray[np.bool_]
) -> Redemptions:
    """Month-end redemptions: the type from the member's affinity, the timing from balance and engagement."""
    choice = _reward_choice(rng, members.affinity)
    step = REWARD_STEP[choice]
    threshold = THRESHOLD_POINTS * (1.4 - members.price_sensitivity)
    logit = (
        REDEEM_INTERCEPT
        + REDEEM_PER_ENGAGEMENT * np.log(members.engagement)
        + REDEEM_PER_BALANCE * np.log(np.maximum(balance, 1) / threshold)
    )
    wants = rng.random(balance.size) < 1.0 / (1.0 + np.exp(-logit))
    who = np.nonzero(alive & wants & (balance >= step))[0]
    points = (balance[who] // step[who]) * step[who]
    value = np.round(points * CENTS_PER_POINT[choice[who]]).astype(np.int64)
    return Redemptions(who, choice[who], points.astype(np.int64), value)


def _reward_choice(rng: np.random.Generator, affinity: FloatArray) -> IntArray:
    cumulative = np.cumsum(affinity, axis=1)
    u = rng.random(len(affinity))[:, None]
    choice: IntArray = np.minimum((u > cumulative).sum(axis=1), len(REWARD_TYPES) - 1).astype(np.int64)
    return choice
