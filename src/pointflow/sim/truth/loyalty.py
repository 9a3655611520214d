"""Points earned and churn drawn, month by month, from the latent factors (redemptions: redemption.py)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from pointflow.sim.truth.catalogue import KINDS, FloatArray, IntArray
from pointflow.sim.truth.latent import Members

POINTS_PER_DOLLAR = 1
TRAVEL_MULTIPLIER = 2
DRIFT_HAZARD = 6.0  # hazard × (1 + DRIFT_HAZARD × (1 − vigour))
RECENT_REDEMPTION_HAZARD = 0.6  # hazard × this for 3 months after a redemption
RECENT_MONTHS = 3
MAX_HAZARD = 0.9

_EARNING = np.array([k.transaction_type == "purchase" for k in KINDS])
_MULTIPLIER = np.array([TRAVEL_MULTIPLIER if k.travel else POINTS_PER_DOLLAR for k in KINDS])


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
