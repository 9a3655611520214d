"""The points ledger's planning: balanced legs, FEFO allocation, accrual, redemption, expiry and clawback."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pointflow.domain.errors import InsufficientPoints, UnbalancedPosting
from pointflow.domain.ledger import (
    ADJUSTMENT,
    EXPIRED,
    LIABILITY,
    REDEEMED,
    Account,
    AccountKind,
    Allocation,
    Leg,
    LotView,
    MemberBalances,
    allocate_fefo,
    available,
    balanced,
    debt,
    legs_of,
    pending,
    plan_accrual,
    plan_clawback,
    plan_expiry,
    plan_redemption,
    plan_release,
)
from pointflow.domain.money import CustomerToken, Points

T = CustomerToken("m_member")
EARNED = date(2024, 1, 10)


def lot(
    id: str,
    remaining: int,
    expires_on: date | None = None,
    *,
    earned_on: date = EARNED,
    is_pending: bool = False,
) -> LotView:
    return LotView(id, remaining, earned_on, expires_on, is_pending)


def moves(legs: tuple[Leg, ...]) -> dict[Account, int]:
    """Net points per account, so assertions do not depend on leg order."""
    total: Counter[Account] = Counter()
    for leg in legs:
        total[leg.account] += leg.points
    return dict(total)


# --- accounts and legs -------------------------------------------------------------------------------


def test_member_accounts_need_a_token_and_programme_accounts_refuse_one() -> None:
    with pytest.raises(ValueError, match="token"):
        Account(AccountKind.MEMBER_AVAILABLE)
    with pytest.raises(ValueError, match="token"):
        Account(AccountKind.PROGRAMME_LIABILITY, T)
    assert available(T).kind is AccountKind.MEMBER_AVAILABLE
    assert pending(T).kind is AccountKind.MEMBER_PENDING
    assert debt(T).kind is AccountKind.MEMBER_DEBT


def test_a_leg_of_zero_points_is_refused_naming_points() -> None:
    with pytest.raises(UnbalancedPosting) as caught:
        Leg(LIABILITY, 0)
    assert caught.value.field == "points"


def test_legs_of_drops_zero_amounts_and_keeps_the_rest_in_order() -> None:
    legs = legs_of((LIABILITY, -5), (debt(T), 0), (available(T), 5), (pending(T), 0))
    assert legs == (Leg(LIABILITY, -5), Leg(available(T), 5))


def test_legs_of_refuses_a_posting_left_with_one_leg_after_dropping_zeros() -> None:
    with pytest.raises(UnbalancedPosting, match="at least two legs"):
        legs_of((LIABILITY, 0), (available(T), 0))
    with pytest.raises(UnbalancedPosting, match="at least two legs"):
        legs_of((LIABILITY, -5), (available(T), 0))


def test_legs_of_refuses_legs_that_do_not_sum_to_zero() -> None:
    with pytest.raises(UnbalancedPosting, match="sum to 1"):
        legs_of((LIABILITY, -5), (available(T), 6))


def test_balanced_accepts_three_legs_summing_to_zero() -> None:
    legs = (Leg(LIABILITY, -10), Leg(debt(T), 4), Leg(available(T), 6))
    assert balanced(iter(legs)) == legs


@pytest.mark.parametrize(
    "legs",
    [
        pytest.param((), id="no legs"),
        pytest.param((Leg(ADJUSTMENT, 3),), id="one leg"),
    ],
)
def test_balanced_refuses_fewer_than_two_legs(legs: tuple[Leg, ...]) -> None:
    with pytest.raises(UnbalancedPosting, match="at least two legs"):
        balanced(legs)


def test_balanced_refuses_a_non_zero_sum() -> None:
    with pytest.raises(UnbalancedPosting, match="sum to -2"):
        balanced((Leg(REDEEMED, 3), Leg(available(T), -5)))


# --- member balances ---------------------------------------------------------------------------------


def test_member_balances_apply_moves_available_and_pending_and_ignores_programme_accounts() -> None:
    legs = (Leg(LIABILITY, -30), Leg(available(T), 20), Leg(pending(T), 10))
    after = MemberBalances(available=5, pending=1, debt=0).apply(legs)
    assert after == MemberBalances(available=25, pending=11, debt=0)


def test_member_balances_count_debt_as_points_owed() -> None:
    # A credit to the debt account repays debt; a debit to it creates debt.
    assert MemberBalances(debt=30).apply([Leg(debt(T), 30), Leg(LIABILITY, -30)]) == MemberBalances()
    assert MemberBalances().apply([Leg(debt(T), -7), Leg(LIABILITY, 7)]) == MemberBalances(debt=7)


def test_member_balances_apply_returns_a_new_value_and_leaves_the_old_one() -> None:
    before = MemberBalances(available=10)
    after = before.apply([Leg(available(T), -10), Leg(REDEEMED, 10)])
    assert before == MemberBalances(available=10)
    assert after == MemberBalances()


# --- FEFO allocation ---------------------------------------------------------------------------------


def test_allocate_fefo_takes_the_first_expiring_lot_first() -> None:
    lots = [lot("late", 10, date(2025, 6, 1)), lot("soon", 10, date(2024, 6, 1))]
    assert allocate_fefo(lots, 15) == (Allocation("soon", 10), Allocation("late", 5))


def test_allocate_fefo_takes_never_expiring_lots_last() -> None:
    lots = [lot("forever", 100, None), lot("dated", 10, date(2099, 1, 1))]
    assert allocate_fefo(lots, 12) == (Allocation("dated", 10), Allocation("forever", 2))


def test_allocate_fefo_breaks_expiry_ties_by_earning_date_then_id() -> None:
    same_day = date(2025, 1, 1)
    lots = [
        lot("b", 5, same_day, earned_on=date(2024, 2, 1)),
        lot("z", 5, same_day, earned_on=date(2024, 1, 1)),
        lot("a", 5, same_day, earned_on=date(2024, 2, 1)),
    ]
    assert [a.lot_id for a in allocate_fefo(lots, 15)] == ["z", "a", "b"]


def test_allocate_fefo_skips_pending_and_empty_lots() -> None:
    lots = [
        lot("held", 50, date(2024, 2, 1), is_pending=True),
        lot("empty", 0, date(2024, 3, 1)),
        lot("open", 50, date(2024, 4, 1)),
    ]
    assert allocate_fefo(lots, 20) == (Allocation("open", 20),)


def test_allocate_fefo_stops_once_the_points_are_covered() -> None:
    lots = [lot("first", 10, date(2024, 2, 1)), lot("second", 10, date(2024, 3, 1))]
    assert allocate_fefo(lots, 10) == (Allocation("first", 10),)


def test_allocate_fefo_of_zero_points_allocates_nothing() -> None:
    assert allocate_fefo([lot("a", 10)], 0) == ()


def test_allocate_fefo_raises_insufficient_points_naming_what_is_available() -> None:
    lots = [lot("a", 10), lot("held", 100, is_pending=True)]
    with pytest.raises(InsufficientPoints, match="11 points asked, 10 available") as caught:
        allocate_fefo(lots, 11)
    assert caught.value.field == "points"


# --- accrual -----------------------------------------------------------------------------------------


def test_accrual_without_debt_issues_all_points_into_available() -> None:
    plan = plan_accrual(T, Points(100), 0, hold=False)
    assert moves(plan.legs) == {LIABILITY: -100, available(T): 100}
    assert (plan.lot_points, plan.debt_repaid) == (100, 0)


def test_accrual_on_hold_issues_points_into_pending() -> None:
    plan = plan_accrual(T, Points(100), 0, hold=True)
    assert moves(plan.legs) == {LIABILITY: -100, pending(T): 100}
    assert MemberBalances().apply(plan.legs) == MemberBalances(pending=100)


def test_accrual_repays_debt_before_filling_a_lot() -> None:
    plan = plan_accrual(T, Points(100), 30, hold=False)
    assert moves(plan.legs) == {LIABILITY: -100, debt(T): 30, available(T): 70}
    assert (plan.lot_points, plan.debt_repaid) == (70, 30)
    assert MemberBalances(debt=30).apply(plan.legs) == MemberBalances(available=70)


def test_accrual_smaller_than_the_debt_goes_wholly_to_the_debt() -> None:
    plan = plan_accrual(T, Points(100), 150, hold=True)
    assert moves(plan.legs) == {LIABILITY: -100, debt(T): 100}
    assert (plan.lot_points, plan.debt_repaid) == (0, 100)
    assert MemberBalances(debt=150).apply(plan.legs) == MemberBalances(debt=50)


def test_accrual_of_exactly_the_debt_leaves_nothing_for_a_lot() -> None:
    plan = plan_accrual(T, Points(40), 40, hold=False)
    assert moves(plan.legs) == {LIABILITY: -40, debt(T): 40}
    assert plan.lot_points == 0


# --- redemption, expiry, release ---------------------------------------------------------------------


def test_redemption_moves_points_from_available_to_redeemed_consuming_lots_fefo() -> None:
    lots = [lot("late", 100, date(2025, 1, 1)), lot("soon", 30, date(2024, 6, 1))]
    legs, allocations = plan_redemption(T, 50, lots)
    assert moves(legs) == {available(T): -50, REDEEMED: 50}
    assert allocations == (Allocation("soon", 30), Allocation("late", 20))


@pytest.mark.parametrize("points", [0, -10])
def test_redemption_of_a_non_positive_number_of_points_is_refused(points: int) -> None:
    with pytest.raises(InsufficientPoints, match="positive") as caught:
        plan_redemption(T, points, [lot("a", 100)])
    assert caught.value.field == "points"


def test_redemption_beyond_available_points_is_refused_even_if_pending_points_would_cover_it() -> None:
    with pytest.raises(InsufficientPoints):
        plan_redemption(T, 60, [lot("a", 50), lot("held", 500, is_pending=True)])


def test_expiry_moves_what_remains_of_the_lot_from_available_to_expired() -> None:
    assert moves(plan_expiry(T, lot("a", 35, date(2024, 6, 1)))) == {available(T): -35, EXPIRED: 35}


def test_release_moves_what_remains_of_the_lot_from_pending_to_available() -> None:
    legs = plan_release(T, lot("a", 35, is_pending=True))
    assert moves(legs) == {pending(T): -35, available(T): 35}
    assert MemberBalances(pending=35).apply(legs) == MemberBalances(available=35)


# --- clawback ----------------------------------------------------------------------------------------


def test_clawback_takes_from_the_transactions_own_lot_first() -> None:
    own = lot("own", 50, date(2026, 1, 1))
    other = lot("other", 50, date(2024, 6, 1))
    plan = plan_clawback(T, 30, own, [own, other])
    assert plan.allocations == (Allocation("own", 30),)
    assert moves(plan.legs) == {LIABILITY: 30, available(T): -30}
    assert plan.debt_points == 0


def test_clawback_takes_a_pending_own_lot_from_the_pending_account() -> None:
    own = lot("own", 50, is_pending=True)
    plan = plan_clawback(T, 30, own, [own, lot("other", 100)])
    assert plan.allocations == (Allocation("own", 30),)
    assert moves(plan.legs) == {LIABILITY: 30, pending(T): -30}


def test_clawback_then_takes_other_available_lots_fefo_skipping_pending_ones() -> None:
    own = lot("own", 20, is_pending=True)
    others = [
        own,
        lot("late", 100, date(2025, 6, 1)),
        lot("held", 100, date(2024, 2, 1), is_pending=True),
        lot("soon", 10, date(2024, 6, 1)),
    ]
    plan = plan_clawback(T, 50, own, others)
    assert plan.allocations == (Allocation("own", 20), Allocation("soon", 10), Allocation("late", 20))
    assert moves(plan.legs) == {LIABILITY: 50, pending(T): -20, available(T): -30}
    assert plan.debt_points == 0


def test_clawback_never_takes_the_own_lot_twice_when_it_is_listed_among_the_others() -> None:
    own = lot("own", 10, date(2024, 2, 1))
    plan = plan_clawback(T, 15, own, [own, lot("other", 10, date(2025, 1, 1))])
    assert plan.allocations == (Allocation("own", 10), Allocation("other", 5))


def test_clawback_of_points_already_spent_becomes_a_points_debt() -> None:
    own = lot("own", 5)
    plan = plan_clawback(T, 40, own, [own, lot("other", 15), lot("held", 99, is_pending=True)])
    assert plan.allocations == (Allocation("own", 5), Allocation("other", 15))
    assert plan.debt_points == 20
    assert moves(plan.legs) == {LIABILITY: 40, available(T): -20, debt(T): -20}
    assert MemberBalances(available=20, pending=99).apply(plan.legs) == MemberBalances(pending=99, debt=20)


def test_clawback_without_an_own_lot_uses_other_lots_then_debt() -> None:
    plan = plan_clawback(T, 12, None, [lot("a", 4)])
    assert plan.allocations == (Allocation("a", 4),)
    assert plan.debt_points == 8


def test_clawback_skips_an_own_lot_that_is_already_used_up() -> None:
    own = lot("own", 0)
    plan = plan_clawback(T, 10, own, [own, lot("other", 30)])
    assert plan.allocations == (Allocation("other", 10),)


def test_clawback_with_no_lots_at_all_is_wholly_debt() -> None:
    plan = plan_clawback(T, 25, None, [])
    assert plan.allocations == ()
    assert plan.debt_points == 25
    assert moves(plan.legs) == {LIABILITY: 25, debt(T): -25}


# --- properties --------------------------------------------------------------------------------------

DAY0 = date(2024, 1, 1)


@st.composite
def lot_views(draw: st.DrawFn, max_size: int = 8) -> list[LotView]:
    """Lots with unique ids, assorted expiry (some never), some pending, some used up."""
    count = draw(st.integers(0, max_size))
    lots = []
    for n in range(count):
        earned = DAY0 + timedelta(days=draw(st.integers(0, 400)))
        lifetime = draw(st.none() | st.integers(0, 800))
        expiry = None if lifetime is None else earned + timedelta(days=lifetime)
        lots.append(
            LotView(
                id=f"lot{n:02d}",
                remaining=draw(st.integers(0, 500)),
                earned_on=earned,
                expires_on=expiry,
                is_pending=draw(st.booleans()),
            )
        )
    return lots


def spendable(lots: list[LotView]) -> int:
    return sum(lot.remaining for lot in lots if not lot.is_pending)


def assert_within_lots(allocations: tuple[Allocation, ...], lots: list[LotView]) -> None:
    by_id = {lot.id: lot for lot in lots}
    assert len({a.lot_id for a in allocations}) == len(allocations)
    for a in allocations:
        assert 0 < a.points <= by_id[a.lot_id].remaining


def leg_sum(legs: tuple[Leg, ...]) -> int:
    return sum(leg.points for leg in legs)


@given(lots=lot_views(), points=st.integers(0, 3000))
def test_fefo_covers_the_points_exactly_from_available_lots_or_raises(
    lots: list[LotView], points: int
) -> None:
    if points > spendable(lots):
        with pytest.raises(InsufficientPoints):
            allocate_fefo(lots, points)
        return
    allocations = allocate_fefo(lots, points)
    by_id = {lot.id: lot for lot in lots}
    assert sum(a.points for a in allocations) == points
    assert_within_lots(allocations, lots)
    assert not any(by_id[a.lot_id].is_pending for a in allocations)
    keys = [by_id[a.lot_id].fefo_key for a in allocations]
    assert keys == sorted(keys)
    # Every lot but the last one touched is drained, and no earlier-expiring lot is left with points.
    assert all(a.points == by_id[a.lot_id].remaining for a in allocations[:-1])
    if allocations:
        untouched = [
            lot
            for lot in lots
            if not lot.is_pending and lot.remaining > 0 and lot.id not in {a.lot_id for a in allocations}
        ]
        assert all(lot.fefo_key > keys[-1] for lot in untouched)


@given(points=st.integers(1, 10_000), owed=st.integers(0, 10_000), hold=st.booleans())
def test_every_accrual_plan_balances_and_splits_points_between_debt_and_lot(
    points: int, owed: int, hold: bool
) -> None:
    plan = plan_accrual(T, Points(points), owed, hold=hold)
    assert leg_sum(plan.legs) == 0
    assert plan.debt_repaid == min(owed, points)
    assert plan.lot_points + plan.debt_repaid == points
    assert plan.lot_points >= 0


@given(lots=lot_views(), points=st.integers(1, 3000))
def test_every_redemption_plan_balances_and_stays_within_the_lots(lots: list[LotView], points: int) -> None:
    if points > spendable(lots):
        with pytest.raises(InsufficientPoints):
            plan_redemption(T, points, lots)
        return
    legs, allocations = plan_redemption(T, points, lots)
    assert leg_sum(legs) == 0
    assert sum(a.points for a in allocations) == points
    assert_within_lots(allocations, lots)


@given(remaining=st.integers(1, 10_000))
def test_every_expiry_and_release_plan_balances(remaining: int) -> None:
    assert leg_sum(plan_expiry(T, lot("a", remaining))) == 0
    assert leg_sum(plan_release(T, lot("a", remaining, is_pending=True))) == 0


@st.composite
def clawback_cases(draw: st.DrawFn) -> tuple[LotView | None, list[LotView], int]:
    lots = draw(lot_views())
    origin = draw(st.none() | st.sampled_from(lots)) if lots else None
    return origin, lots, draw(st.integers(1, 3000))


@given(case=clawback_cases())
def test_every_clawback_balances_and_its_allocations_plus_debt_equal_the_points(
    case: tuple[LotView | None, list[LotView], int],
) -> None:
    origin, lots, points = case
    plan = plan_clawback(T, points, origin, lots)
    assert leg_sum(plan.legs) == 0
    assert sum(a.points for a in plan.allocations) + plan.debt_points == points
    assert plan.debt_points >= 0
    assert_within_lots(plan.allocations, lots)
    others = [lot for lot in lots if origin is None or lot.id != origin.id]
    by_id = {lot.id: lot for lot in lots}
    # Only the own lot may be taken while pending; a debt only arises once every usable lot is drained.
    assert all(
        not by_id[a.lot_id].is_pending for a in plan.allocations if origin is None or a.lot_id != origin.id
    )
    if plan.debt_points:
        own = origin.remaining if origin is not None else 0
        assert sum(a.points for a in plan.allocations) == own + spendable(others)


@given(
    lots=lot_views(),
    owed=st.integers(0, 2000),
    points=st.integers(1, 2000),
    hold=st.booleans(),
)
def test_accrual_then_full_clawback_restores_the_members_net_position(
    lots: list[LotView], owed: int, points: int, hold: bool
) -> None:
    """What holds after earning n points and clawing all n back:

    pending is unchanged; available and debt each fall by c = min(debt the accrual repaid, points in
    the member's other available lots), so available − debt is exactly what it was; and with no debt
    before the accrual the balances are exactly restored.
    """
    before = MemberBalances(
        available=spendable(lots), pending=sum(x.remaining for x in lots if x.is_pending), debt=owed
    )
    accrual = plan_accrual(T, Points(points), owed, hold=hold)
    earned = before.apply(accrual.legs)
    new_lot = [LotView("new", accrual.lot_points, DAY0, None, hold)] if accrual.lot_points else []
    origin = new_lot[0] if new_lot else None
    clawback = plan_clawback(T, points, origin, [*lots, *new_lot])
    after = earned.apply(clawback.legs)

    c = min(accrual.debt_repaid, spendable(lots))
    assert after.pending == before.pending
    assert after.available == before.available - c
    assert after.debt == before.debt - c
    assert after.available - after.debt == before.available - before.debt
    assert moves(accrual.legs + clawback.legs).get(LIABILITY, 0) == 0
    if owed == 0:
        assert after == before
