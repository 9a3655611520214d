"""The ground-truth simulator: reproducible, and its tables show the behaviour its latent factors drive."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointflow.adapters.mcc import is_known
from pointflow.sim.personas import PROFILES
from pointflow.sim.truth import Simulation, simulate
from pointflow.sim.truth.catalogue import REWARD_TYPES

MEMBERS = 3_000
MONTHS = 14  # January 2024 to February 2025: one December and one summer
SEED = 23
TRAVEL_MCCS = ("3001", "3005", "4722", "7011")
GIFT_MCCS = ("5311", "5651", "5732")


@pytest.fixture(scope="module")
def sim() -> Simulation:
    return simulate(MEMBERS, MONTHS, seed=SEED, start=date(2024, 1, 1))


def spend_by_month(sim: Simulation, mccs: tuple[str, ...]) -> dict[int, float]:
    """Spend on `mccs` per active member, by month index."""
    active = sim.balances.filter(pl.col("active")).group_by("month").len()
    spend = (
        sim.transactions.filter(pl.col("mcc").cast(pl.String).is_in(mccs))
        .group_by("month")
        .agg(pl.col("amount_cents").sum())
        .join(active, on="month")
    )
    return {row["month"]: row["amount_cents"] / row["len"] for row in spend.iter_rows(named=True)}


def test_the_same_seed_gives_the_same_tables() -> None:
    first, second = simulate(200, 3, seed=5), simulate(200, 3, seed=5)
    for name, table in first.tables().items():
        assert table.equals(second.tables()[name]), name


def test_another_seed_gives_other_transactions() -> None:
    assert not simulate(200, 3, seed=5).transactions.equals(simulate(200, 3, seed=6).transactions)


def test_personas_come_in_their_shares(sim: Simulation) -> None:
    shares = sim.truth["persona"].cast(pl.String).value_counts(normalize=True)
    found = dict(zip(shares["persona"], shares["proportion"], strict=True))
    for profile in PROFILES:
        assert found[profile.name] == pytest.approx(profile.share, abs=0.03)


def test_members_who_stay_are_paid_once_a_month(sim: Simulation) -> None:
    stayers = sim.truth.filter(pl.col("churn_month").is_null() & pl.col("drift_from_month").is_null())
    salaries = sim.transactions.filter(pl.col("transaction_type") == "salary_credit").join(
        stayers.select("customer_id", "salary_cents"), on="customer_id"
    )
    per_month = salaries.group_by("customer_id", "month").len()
    assert per_month["len"].max() == 1
    assert per_month.height == stayers.height * MONTHS
    ratio = salaries["amount_cents"] / salaries["salary_cents"]
    assert ratio.min() >= 0.969
    assert ratio.max() <= 1.031


def test_summer_travel_and_december_gifts_peak(sim: Simulation) -> None:
    travel, gifts = spend_by_month(sim, TRAVEL_MCCS), spend_by_month(sim, GIFT_MCCS)
    assert (travel[6] + travel[7]) / (travel[1] + travel[2]) > 1.5  # July, August against February, March
    assert gifts[11] / gifts[9] > 1.5  # December against October


def test_churned_members_do_nothing_after_they_leave(sim: Simulation) -> None:
    churned = sim.truth.filter(pl.col("churn_month").is_not_null()).select("customer_id", "churned_at")
    assert churned.height > MEMBERS * 0.03
    late = sim.transactions.join(churned, on="customer_id").filter(
        pl.col("booked_at") >= pl.col("churned_at")
    )
    assert late.height == 0
    redeemed = sim.redemptions.join(churned, on="customer_id")
    assert redeemed.filter(pl.col("redeemed_at") >= pl.col("churned_at")).height == 0


def test_the_churn_month_is_when_the_member_became_inactive(sim: Simulation) -> None:
    churned = sim.truth.filter(pl.col("churn_month").is_not_null()).select("customer_id", "churn_month")
    joined = sim.balances.join(churned, on="customer_id")
    assert joined.filter((pl.col("month") >= pl.col("churn_month")) == pl.col("active")).height == 0
    stayed = sim.balances.join(churned, on="customer_id", how="anti")
    assert stayed["active"].all()


def test_drifting_members_decline_before_they_leave(sim: Simulation) -> None:
    counts = (
        sim.transactions.join(
            sim.truth.select("customer_id", "persona", "drift_from_month"), on="customer_id"
        )
        .filter(pl.col("transaction_type") == "purchase")
        .group_by("customer_id", "persona", "month", "drift_from_month")
        .len()
    )
    drifting = counts.filter(pl.col("persona") == "drifting_away")
    before = drifting.filter(pl.col("month") < pl.col("drift_from_month"))["len"].mean()
    long_after = drifting.filter(pl.col("month") >= pl.col("drift_from_month") + 4)["len"].mean()
    assert isinstance(before, float)
    assert isinstance(long_after, float)
    assert long_after < 0.5 * before


def test_riskier_members_churn_more(sim: Simulation) -> None:
    hazard = pl.col("base_churn_hazard")
    low, high = sim.truth["base_churn_hazard"].quantile(0.25), sim.truth["base_churn_hazard"].quantile(0.75)
    churned = pl.col("churn_month").is_not_null().mean()
    safest = sim.truth.filter(hazard <= low).select(churned).item()
    riskiest = sim.truth.filter(hazard >= high).select(churned).item()
    assert riskiest > 2 * safest


def test_reward_choices_follow_affinity(sim: Simulation) -> None:
    chosen = sim.redemptions.join(sim.truth, on="customer_id")
    for reward in REWARD_TYPES:
        high = chosen.filter(pl.col(f"affinity_{reward}") > 0.5)
        low = chosen.filter(pl.col(f"affinity_{reward}") < 0.15)
        high_share = (high["reward_type"] == reward).sum() / high.height
        low_share = (low["reward_type"] == reward).sum() / low.height
        assert high_share > 2 * low_share


def test_every_mcc_is_assigned(sim: Simulation) -> None:
    codes = sim.transactions["mcc"].cast(pl.String).unique().to_list()
    assert len(codes) > 15
    assert all(is_known(code) for code in codes)


def test_balances_add_up(sim: Simulation) -> None:
    signed = (
        pl.when(pl.col("direction") == "credit")
        .then(pl.col("amount_cents"))
        .otherwise(-pl.col("amount_cents"))
    )
    moved = sim.transactions.group_by("customer_id").agg(signed.sum().alias("moved"))
    last = sim.balances.filter(pl.col("month") == MONTHS - 1).select("customer_id", "account_balance_cents")
    check = sim.truth.select("customer_id", "opening_balance_cents").join(last, on="customer_id")
    check = check.join(moved, on="customer_id", how="left").fill_null(0)
    assert (check["opening_balance_cents"] + check["moved"] == check["account_balance_cents"]).all()


def test_points_are_never_overspent(sim: Simulation) -> None:
    assert (sim.balances["points_balance"] >= 0).all()
    redeemed = sim.redemptions.group_by("customer_id").agg(pl.col("points").sum())
    booked = sim.balances.group_by("customer_id").agg(pl.col("points_redeemed").sum())
    assert (
        redeemed.join(booked, on="customer_id").filter(pl.col("points") != pl.col("points_redeemed")).height
        == 0
    )


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), members=st.integers(1, 60), months=st.integers(1, 4))
def test_any_run_keeps_its_books_straight(seed: int, members: int, months: int) -> None:
    run = simulate(members, months, seed=seed, start=date(2023, 11, 1))
    assert run.balances.height == members * months
    assert run.transactions["transaction_no"].to_list() == list(range(run.transactions.height))
    assert run.transactions["booked_at"].is_sorted()
    assert (run.transactions["amount_cents"] > 0).all()
    assert (run.balances["points_balance"] >= 0).all()
    churned = run.truth.select("customer_id", "churned_at").drop_nulls()
    after = run.transactions.join(churned, on="customer_id").filter(
        pl.col("booked_at") >= pl.col("churned_at")
    )
    assert after.height == 0


@pytest.mark.parametrize(("members", "months"), [(0, 3), (3, 0)])
def test_an_empty_run_is_refused(members: int, months: int) -> None:
    with pytest.raises(ValueError, match="at least one member"):
        simulate(members, months)
