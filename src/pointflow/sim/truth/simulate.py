"""The month loop: churn, movements, balances, points and redemptions for every member, month by month."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np
import numpy.typing as npt
import polars as pl

from pointflow.sim.truth import tables
from pointflow.sim.truth.catalogue import HOME_COUNTRY, KINDS, PERSONA_NAMES, REWARD_TYPES, IntArray
from pointflow.sim.truth.latent import Members, draw_members, vigour
from pointflow.sim.truth.loyalty import churn_draw, hazard, points_earned
from pointflow.sim.truth.redemption import (
    Goals,
    Savers,
    draw_savers,
    month_end,
    opening_points,
    purchase_pull,
)
from pointflow.sim.truth.spend import DAY, HOUR, Movements, Window, month_movements

DEFAULT_START = date(2024, 1, 1)
NEVER = np.iinfo(np.int64).max
_CREDIT = np.array([k.direction == "credit" for k in KINDS])


@dataclass
class _State:
    """What carries from one month to the next."""

    alive: npt.NDArray[np.bool_]
    churned_at: IntArray
    churn_month: IntArray
    account: IntArray
    points: IntArray
    last_redeemed: IntArray
    goals: Goals
    earned: IntArray  # points earned this month
    transactions: list[pl.DataFrame] = field(default_factory=list)
    redemptions: list[pl.DataFrame] = field(default_factory=list)
    balances: list[pl.DataFrame] = field(default_factory=list)
    numbered: int = 0

    @classmethod
    def new(cls, members: Members) -> _State:
        n = members.count
        return cls(
            alive=np.ones(n, dtype=bool),
            churned_at=np.full(n, NEVER, dtype=np.int64),
            churn_month=np.full(n, -1, dtype=np.int64),
            account=members.opening_cents.copy(),
            points=np.zeros(n, dtype=np.int64),
            last_redeemed=np.full(n, -1, dtype=np.int64),
            goals=Goals.none(n),
            earned=np.zeros(n, dtype=np.int64),
        )


@dataclass(frozen=True)
class _World:
    """What is drawn once: the members, their redemption traits, and the redemption draws' generator."""

    crowd: Members
    savers: Savers
    loyalty: np.random.Generator


@dataclass(frozen=True)
class Simulation:
    """The simulator's output: what the bank sees (members, transactions) and the ground truth behind it."""

    members: pl.DataFrame
    truth: pl.DataFrame
    balances: pl.DataFrame
    redemptions: pl.DataFrame
    transactions: pl.DataFrame

    def tables(self) -> dict[str, pl.DataFrame]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def simulate(members: int, months: int, seed: int = 7, start: date = DEFAULT_START) -> Simulation:
    """Simulate `members` members for `months` months from `start`; the same arguments, the same tables."""
    if members < 1 or months < 1:
        raise ValueError(f"need at least one member and one month, not {members} × {months}")
    rng = np.random.default_rng(seed)
    crowd = draw_members(rng, members)
    # Redemption draws come from a stream of their own, so the spending draws keep the main one.
    loyalty = np.random.default_rng((seed, 1))
    world = _World(crowd, draw_savers(loyalty, crowd), loyalty)
    customers, accounts = tables.ids("cust", members), tables.ids("acc", members)
    state = _State.new(crowd)
    for window in windows(start, months):
        _month(rng, world, window, state, customers, accounts)
    return Simulation(
        members=_members_table(customers, accounts),
        truth=_truth_table(world, state, customers),
        balances=pl.concat(state.balances),
        redemptions=pl.concat(state.redemptions),
        transactions=pl.concat(state.transactions, rechunk=False),
    )


def windows(start: date, months: int) -> list[Window]:
    """The simulated months, each starting on the first of a calendar month."""
    found = []
    for index in range(months):
        year, month0 = divmod(start.month - 1 + index, 12)
        first = date(start.year + year, month0 + 1, 1)
        seconds = int(datetime(first.year, first.month, 1, tzinfo=UTC).timestamp())
        days = calendar.monthrange(first.year, first.month)[1]
        found.append(Window(index, seconds, days, first.month))
    return found


def _month(
    rng: np.random.Generator,
    world: _World,
    window: Window,
    state: _State,
    customers: pl.Series,
    accounts: pl.Series,
) -> None:
    crowd = world.crowd
    v = vigour(crowd, window.index)
    leaving = churn_draw(rng, state.alive, hazard(crowd, v, state.last_redeemed, window.index))
    state.churned_at[leaving] = window.start + rng.integers(0, window.days * DAY, int(leaving.sum()))
    state.churn_month[leaving] = window.index
    pull = purchase_pull(world.savers, state.goals, state.points)
    moves = month_movements(rng, crowd, window, v * state.alive, state.account, pull)
    moves = moves.where(moves.at < state.churned_at[moves.member])
    state.alive &= ~leaving
    _book(crowd.count, moves, state)
    state.transactions.append(tables.transactions(moves, window.index, state.numbered, customers, accounts))
    state.numbered += moves.at.size
    _redeem(world, window, state, customers)


def _book(n: int, moves: Movements, state: _State) -> None:
    signed = np.where(_CREDIT[moves.kind], moves.cents, -moves.cents)
    state.account += np.bincount(moves.member, weights=signed, minlength=n).astype(np.int64)
    state.earned = points_earned(n, moves.member, moves.kind, moves.cents)
    state.points += state.earned


def _redeem(world: _World, window: Window, state: _State, customers: pl.Series) -> None:
    crowd, rng = world.crowd, world.loyalty
    if window.index == 0:
        state.points += opening_points(rng, crowd, world.savers, state.goals, state.earned)
    before = state.points.copy()
    chosen, p = month_end(
        rng,
        members=crowd,
        savers=world.savers,
        goals=state.goals,
        balance=before,
        earned=state.earned,
        vigour=vigour(crowd, window.index),
        alive=state.alive,
        calendar_month=window.calendar_month,
    )
    state.points[chosen.member] -= chosen.points
    state.last_redeemed[chosen.member] = window.index
    at = window.start + (window.days - 1) * DAY + 12 * HOUR + rng.integers(0, 6 * HOUR, chosen.member.size)
    state.redemptions.append(
        tables.redemptions(
            chosen.member, chosen.reward, chosen.points, chosen.value_cents, at, window.index, customers
        )
    )
    redeemed = np.bincount(chosen.member, weights=chosen.points, minlength=crowd.count).astype(np.int64)
    state.balances.append(
        pl.DataFrame(
            {
                "customer_id": customers,
                "month": pl.Series(np.full(crowd.count, window.index, dtype=np.int16)),
                "account_balance_cents": state.account.copy(),
                "points_before_redemption": before,
                "points_redeemed": redeemed,
                "points_balance": state.points.copy(),
                "vigour": vigour(crowd, window.index),
                "active": state.alive.copy(),
                "p_redeem": p,
                "goal_reward": tables.reward_types(state.goals.reward),
                "goal_points": state.goals.points.copy(),
                "usual_points": state.goals.usual.copy(),
            }
        )
    )


def _members_table(customers: pl.Series, accounts: pl.Series) -> pl.DataFrame:
    return pl.DataFrame({"customer_id": customers, "account_id": accounts, "home_country": HOME_COUNTRY})


def _truth_table(world: _World, state: _State, customers: pl.Series) -> pl.DataFrame:
    crowd = world.crowd
    churned_at = pl.from_epoch(pl.Series(state.churned_at), time_unit="s").dt.replace_time_zone("UTC")
    churned_at = churned_at.set(pl.Series(state.churn_month < 0), None)
    return pl.DataFrame(
        {
            "customer_id": customers,
            "persona": tables.enum(PERSONA_NAMES).gather(crowd.persona),
            "engagement": crowd.engagement,
            "price_sensitivity": crowd.price_sensitivity,
            **{f"affinity_{name}": crowd.affinity[:, i] for i, name in enumerate(REWARD_TYPES)},
            "redeemer": world.savers.redeemer,
            "saving_horizon_months": world.savers.horizon,
            "base_churn_hazard": crowd.base_hazard,
            "drift_from_month": pl.Series(crowd.drift_from).replace(-1, None),
            "churn_month": pl.Series(state.churn_month).replace(-1, None),
            "churned_at": churned_at,
            "salary_cents": crowd.salary_cents,
            "loan_cents": crowd.loan_cents,
            "opening_balance_cents": crowd.opening_cents,
        }
    )
