"""Month-end reward redemptions: each member saves towards a goal reward of their own and redeems, with a
chance, once the points reach it (the goal-gradient and stockpiling behaviour the literature documents)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pointflow.sim.truth.catalogue import REWARD_TYPES, FloatArray, IntArray
from pointflow.sim.truth.latent import Members

BoolArray = npt.NDArray[np.bool_]

# Points a reward of each type is bought in steps of, and what a point is worth in cents.
REWARD_STEP = np.array([5_000, 1_000, 2_500, 2_500])
CENTS_PER_POINT = np.array([1.2, 1.0, 0.8, 1.1])
CASHBACK = REWARD_TYPES.index("cashback")
SMALLEST_STEP = int(REWARD_STEP.min())
# Members who never redeem, whatever they hold (Smith & Sparks 2009's non-redeemers).
NON_REDEEMER_SHARE = 0.10
# A goal costs about this many months of the member's usual earning (per persona, in PROFILES order:
# traveller, family, student, affluent, drifting), × (1.4 − price sensitivity) × LogNormal(0, 0.4) once per
# member (their saving horizon) and × LogNormal(0, 0.3) per goal; rounded to whole steps, at least one.
GOAL_MONTHS = (8.0, 6.0, 5.0, 10.0, 5.0)
HORIZON_SIGMA = 0.4
GOAL_SIGMA = 0.3
# The month's redemption log-odds: intercept + engagement · ln(e·v) + momentum · ln((earned + 100) / (usual
# + 100)) + season[type, month], and below the goal + EARLY + GRADIENT · progress.
REDEEM_INTERCEPT = 0.3
REDEEM_PER_ENGAGEMENT = 1.0
REDEEM_PER_MOMENTUM = 0.5
MOMENTUM_LIMITS = (-2.0, 1.0)
EARLY_OFFSET = -5.5
GOAL_GRADIENT = 3.5
# Card purchases × (1 + PURCHASE_PULL · progress) on the way to a goal (Kivetz, Urminsky & Zheng 2006).
PURCHASE_PULL = 0.2
# "Usual" earning: an exponentially weighted mean of monthly points, this weight on the latest month.
USUAL_WEIGHT = 0.3
# Log-odds added in the month of the redemption (calendar months 1..12; index 0 unused), per goal type.
SEASON = np.array(
    [
        (0, -0.3, 0.0, 0.2, 0.4, 0.5, 0.3, 0.0, -0.2, -0.2, 0.0, 0.3, 0.2),  # travel: before summer, Xmas
        (0, 0.3, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.2, 0.0, 0.0, 0.0),  # cashback: January bills, school
        (0, -0.3, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 0.6),  # merchandise: gifts
        (0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.3),  # partner vouchers: December
    ]
)
assert len(REWARD_STEP) == len(REWARD_TYPES) == len(SEASON)


@dataclass(frozen=True)
class Savers:
    """Each member's redemption traits, drawn once: whether they redeem at all and their saving horizon."""

    redeemer: BoolArray
    horizon: FloatArray  # months of usual earning a goal costs, before the per-goal noise


@dataclass
class Goals:
    """What each member is saving for now, and their usual monthly earning (−1 before the first month)."""

    reward: IntArray
    points: IntArray  # 0 while no goal has been set
    usual: FloatArray

    @classmethod
    def none(cls, n: int) -> Goals:
        return cls(np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64), np.full(n, -1.0))


@dataclass(frozen=True)
class Redemptions:
    """The month's redemptions: member, reward type index, points spent, value in cents."""

    member: IntArray
    reward: IntArray
    points: IntArray
    value_cents: IntArray


def draw_savers(rng: np.random.Generator, members: Members) -> Savers:
    """Who redeems at all, and each member's saving horizon from persona and price sensitivity."""
    n = members.count
    noise = rng.lognormal(0.0, HORIZON_SIGMA, n)
    horizon = np.take(GOAL_MONTHS, members.persona) * (1.4 - members.price_sensitivity) * noise
    return Savers(rng.random(n) >= NON_REDEEMER_SHARE, horizon)


def set_goals(
    rng: np.random.Generator, who: IntArray, members: Members, savers: Savers, goals: Goals
) -> None:
    """New goals for `who`: a reward type from their affinity, a cost from their horizon and earning."""
    reward = _reward_choice(rng, members.affinity[who])
    step = REWARD_STEP[reward]
    wanted = savers.horizon[who] * np.maximum(goals.usual[who], 0.0) * rng.lognormal(0, GOAL_SIGMA, who.size)
    goals.reward[who] = reward
    goals.points[who] = np.maximum(np.round(wanted / step), 1).astype(np.int64) * step


def progress(goals: Goals, balance: IntArray) -> FloatArray:
    """Points held as a share of the goal (0 without a goal)."""
    share: FloatArray = np.where(goals.points > 0, balance / np.maximum(goals.points, 1), 0.0)
    return share


def purchase_pull(savers: Savers, goals: Goals, balance: IntArray) -> FloatArray:
    """The card-purchase rate multiplier: faster as a redeemer nears their goal, flat once it is reached."""
    near = np.where(savers.redeemer, np.minimum(progress(goals, balance), 1.0), 0.0)
    pull: FloatArray = 1.0 + PURCHASE_PULL * near
    return pull


def momentum(earned: IntArray, usual: FloatArray) -> FloatArray:
    """Log of this month's points against the usual month's, clipped (0 before a usual exists)."""
    ratio = np.log((earned + 100.0) / (np.maximum(usual, 0.0) + 100.0))
    result: FloatArray = np.where(usual < 0, 0.0, np.clip(ratio, *MOMENTUM_LIMITS))
    return result


def probability(
    *,
    goals: Goals,
    balance: IntArray,
    engagement: FloatArray,
    redeemer: BoolArray,
    push: FloatArray,
    calendar_month: int,
) -> FloatArray:
    """P(redeem at this month end); `engagement` is e × vigour, `push` the month's momentum."""
    share = progress(goals, balance)
    logit = (
        REDEEM_INTERCEPT
        + REDEEM_PER_ENGAGEMENT * np.log(engagement)
        + REDEEM_PER_MOMENTUM * push
        + SEASON[goals.reward, calendar_month]
        + np.where(share >= 1.0, 0.0, EARLY_OFFSET + GOAL_GRADIENT * share)
    )
    able = redeemer & (goals.points > 0) & (balance >= SMALLEST_STEP)
    p: FloatArray = np.where(able, 1.0 / (1.0 + np.exp(-logit)), 0.0)
    return p


def redeem(rng: np.random.Generator, p: FloatArray, goals: Goals, balance: IntArray) -> Redemptions:
    """Draw who redeems; the goal if reached, else whole steps of its type or, failing that, cashback."""
    who = np.nonzero(rng.random(p.size) < p)[0]
    held, goal, kind = balance[who], goals.points[who], goals.reward[who]
    early_kind = np.where(held >= REWARD_STEP[kind], kind, CASHBACK)
    early = (held // REWARD_STEP[early_kind]) * REWARD_STEP[early_kind]
    reached = held >= goal
    reward = np.where(reached, kind, early_kind)
    points = np.where(reached, goal, early).astype(np.int64)
    value = np.round(points * CENTS_PER_POINT[reward]).astype(np.int64)
    return Redemptions(who, reward.astype(np.int64), points, value)


def _reward_choice(rng: np.random.Generator, affinity: FloatArray) -> IntArray:
    cumulative = np.cumsum(affinity, axis=1)
    u = rng.random(len(affinity))[:, None]
    choice: IntArray = np.minimum((u > cumulative).sum(axis=1), len(REWARD_TYPES) - 1).astype(np.int64)
    return choice


def opening_points(
    rng: np.random.Generator, members: Members, savers: Savers, goals: Goals, earned: IntArray
) -> IntArray:
    """Points already held when the simulation starts: a uniform share of the way to a first goal.

    The programme is not new: members joined at different times, so at the start they stand anywhere
    between two redemptions. Their usual earning starts as the first month's.
    """
    goals.usual = earned.astype(np.float64)
    set_goals(rng, np.arange(members.count), members, savers, goals)
    held: IntArray = np.round(rng.random(members.count) * goals.points).astype(np.int64)
    return held


def month_end(
    rng: np.random.Generator,
    *,
    members: Members,
    savers: Savers,
    goals: Goals,
    balance: IntArray,
    earned: IntArray,
    vigour: FloatArray,
    alive: BoolArray,
    calendar_month: int,
) -> tuple[Redemptions, FloatArray]:
    """The month's redemptions and each member's probability of one; goals and usual earning move on."""
    push = momentum(earned, goals.usual)
    goals.usual = np.where(goals.usual < 0, earned.astype(np.float64), goals.usual)
    set_goals(rng, np.nonzero(savers.redeemer & alive & (goals.points == 0))[0], members, savers, goals)
    p = alive * probability(
        goals=goals,
        balance=balance,
        engagement=members.engagement * vigour,
        redeemer=savers.redeemer,
        push=push,
        calendar_month=calendar_month,
    )
    chosen = redeem(rng, p, goals, balance)
    set_goals(rng, chosen.member, members, savers, goals)
    goals.usual = (1 - USUAL_WEIGHT) * goals.usual + USUAL_WEIGHT * earned
    return chosen, p
