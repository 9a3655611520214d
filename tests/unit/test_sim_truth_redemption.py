"""The simulator's redemption process: goals, the goal gradient, seasons, non-redeemers, purchase pull."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
import pytest

from pointflow.sim.truth import Simulation, simulate
from pointflow.sim.truth.catalogue import REWARD_TYPES
from pointflow.sim.truth.latent import draw_members
from pointflow.sim.truth.redemption import (
    PURCHASE_PULL,
    REWARD_STEP,
    Goals,
    Savers,
    draw_savers,
    opening_points,
    probability,
    purchase_pull,
)

TRAVEL, CASHBACK, MERCHANDISE = (REWARD_TYPES.index(k) for k in ("travel", "cashback", "merchandise"))


def chance(
    balance: int, *, goal: int = 20_000, reward: int = TRAVEL, month: int = 9, redeemer: bool = True
) -> float:
    """P(redeem) of one member of engagement 1 with no momentum."""
    goals = Goals(np.array([reward]), np.array([goal]), np.array([1_000.0]))
    p = probability(
        goals=goals,
        balance=np.array([balance]),
        engagement=np.ones(1),
        redeemer=np.array([redeemer]),
        push=np.zeros(1),
        calendar_month=month,
    )
    return float(p[0])


@pytest.fixture(scope="module")
def sim() -> Simulation:
    return simulate(2_000, 12, seed=31, start=date(2024, 1, 1))


def test_the_closer_to_the_goal_the_likelier_a_redemption() -> None:
    chances = [chance(points) for points in (2_000, 8_000, 14_000, 19_000, 20_000, 40_000)]
    assert chances == sorted(chances)
    assert chances[0] < 0.02
    assert chances[4] > 0.5  # past the goal, more likely than not (Stourm, Bradlow & Fader 2015)
    assert chances[4] > 2 * chances[3]


def test_too_few_points_for_any_reward_or_a_non_redeemer_never_redeems() -> None:
    assert chance(999, goal=1_000, reward=CASHBACK) == 0.0
    assert chance(50_000, redeemer=False) == 0.0


def test_travel_is_redeemed_before_summer_and_merchandise_before_christmas() -> None:
    assert chance(20_000, month=5) > chance(20_000, month=9)
    assert chance(20_000, reward=MERCHANDISE, month=12) > chance(20_000, reward=MERCHANDISE, month=6)
    assert chance(20_000, reward=CASHBACK, month=12) == chance(20_000, reward=CASHBACK, month=6)


def test_purchases_speed_up_on_the_way_to_a_goal_and_not_for_non_redeemers() -> None:
    savers = Savers(np.array([True, True, True, False]), np.ones(4))
    goals = Goals(np.zeros(4, dtype=np.int64), np.full(4, 10_000), np.zeros(4))
    pull = purchase_pull(savers, goals, np.array([0, 5_000, 30_000, 9_000]))
    assert pull.tolist() == pytest.approx([1.0, 1.0 + PURCHASE_PULL / 2, 1.0 + PURCHASE_PULL, 1.0])


def test_members_start_part_way_to_a_first_goal_in_whole_steps() -> None:
    rng = np.random.default_rng(3)
    members = draw_members(rng, 4_000)
    goals = Goals.none(members.count)
    earned = rng.integers(0, 8_000, members.count)
    held = opening_points(rng, members, draw_savers(rng, members), goals, earned)
    assert (goals.usual == earned).all()
    assert (goals.points % REWARD_STEP[goals.reward] == 0).all()
    assert ((held >= 0) & (held <= goals.points)).all()
    assert (held / goals.points).mean() == pytest.approx(0.5, abs=0.03)


def test_non_redeemers_never_redeem_and_most_members_do(sim: Simulation) -> None:
    counts = sim.truth.join(
        sim.redemptions.group_by("customer_id").len(), on="customer_id", how="left"
    ).with_columns(pl.col("len").fill_null(0))
    assert counts.filter(~pl.col("redeemer"))["len"].sum() == 0
    assert 0.05 < (~counts["redeemer"]).mean() < 0.15
    assert (counts.filter(pl.col("redeemer"))["len"] > 0).mean() > 0.5


def test_a_reached_goal_is_what_is_redeemed(sim: Simulation) -> None:
    months = sim.balances.sort("customer_id", "month").with_columns(
        pl.col("goal_points").shift(1).over("customer_id").alias("goal_before")
    )
    reached = months.filter(
        (pl.col("points_before_redemption") >= pl.col("goal_before")) & (pl.col("points_redeemed") > 0)
    )
    assert reached.height > 100
    assert (reached["points_redeemed"] == reached["goal_before"]).all()


def test_the_recorded_probability_matches_the_redemption_rate(sim: Simulation) -> None:
    rows = sim.balances.filter(pl.col("month") > 0)
    redeemed = (rows["points_redeemed"] > 0).to_numpy()
    p = rows["p_redeem"].to_numpy()
    assert redeemed.mean() == pytest.approx(p.mean(), abs=0.01)
    high, low = p >= 0.4, p < 0.05
    assert redeemed[high].mean() > 0.4
    assert redeemed[low].mean() < 0.05
