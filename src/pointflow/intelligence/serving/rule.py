"""The propensity fallback rule: does the projected points balance cover the smallest reward step?

Pure Python, so that the hot path without a registered model imports no numerical library.
"""

from __future__ import annotations

import math

FALLBACK = "fallback-rule"
REWARD_TYPES = ("travel", "cashback", "merchandise", "partner_voucher")
REDEEM_STEPS = {"travel": 5_000, "cashback": 1_000, "merchandise": 2_500, "partner_voucher": 2_500}
SMALLEST_STEP = min(REDEEM_STEPS.values())
RULE_BELOW_STEP = 0.03  # the fallback's P(redeem) when projected points cover no reward's smallest step
RULE_AT_STEP = 0.15  # … and when they do (the simulator's redemption rate among such members is near this)
RULE_INPUT = "points_projected"
RULE_TEXT = f"{RULE_INPUT} >= {SMALLEST_STEP}: {RULE_AT_STEP}, else {RULE_BELOW_STEP}"


def rule_probability(points_projected: float) -> float:
    """The fallback's P(redeem next month); a missing projection counts as no points."""
    covers = not math.isnan(points_projected) and points_projected >= SMALLEST_STEP
    return RULE_AT_STEP if covers else RULE_BELOW_STEP


def projected_points(balance: int, points_90d: int) -> float:
    """The available balance plus the mean monthly earning of the last three months."""
    return balance + points_90d / 3
