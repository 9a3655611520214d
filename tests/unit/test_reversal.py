"""How many points a reversal, refund or chargeback claws back: cumulative half-up, never more than earned."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pointflow.domain.errors import InvalidEvent
from pointflow.domain.reversal import clawback_points

CENT = Decimal("0.01")


def claw(points: int, amount: str, before: str, reversing: str) -> int:
    return clawback_points(
        original_points=points,
        original_amount=Decimal(amount),
        reversed_before=Decimal(before),
        reversing=Decimal(reversing),
    )


def claw_in_parts(points: int, amount: Decimal, parts: list[Decimal]) -> list[int]:
    """Reverse `parts` one after another, each knowing what the earlier ones reversed."""
    taken, reversed_so_far = [], Decimal(0)
    for part in parts:
        taken.append(
            clawback_points(
                original_points=points,
                original_amount=amount,
                reversed_before=reversed_so_far,
                reversing=part,
            )
        )
        reversed_so_far += part
    return taken


def test_a_full_reversal_takes_back_every_point() -> None:
    assert claw(300, "149.99", "0", "149.99") == 300


def test_a_partial_reversal_is_proportional_to_the_amount() -> None:
    assert claw(300, "150.00", "0", "50.00") == 100


def test_a_half_point_is_rounded_up() -> None:
    # 3 points × 1.00 / 2.00 = 1.5 → 2
    assert claw(3, "2.00", "0", "1.00") == 2


def test_just_under_a_half_point_is_rounded_down() -> None:
    # 3 points × 0.99 / 2.00 = 1.485 → 1
    assert claw(3, "2.00", "0", "0.99") == 1


def test_a_later_reversal_takes_the_difference_of_the_cumulative_totals() -> None:
    # Cumulative: round(1.5) = 2 after the first half, round(3) = 3 after both: 2 then 1.
    assert claw(3, "2.00", "0", "1.00") == 2
    assert claw(3, "2.00", "1.00", "1.00") == 1


def test_four_quarter_reversals_follow_the_rounded_cumulative_total() -> None:
    # 5 points over four equal parts: cumulative 1.25→1, 2.5→3, 3.75→4, 5→5.
    parts = [Decimal("1.00")] * 4
    assert claw_in_parts(5, Decimal("4.00"), parts) == [1, 2, 1, 1]


def test_a_reversal_too_small_to_round_to_a_point_takes_nothing() -> None:
    assert claw(100, "1000.00", "0", "0.01") == 0


def test_a_transaction_that_earned_nothing_claws_back_nothing() -> None:
    assert claw(0, "25.00", "0", "25.00") == 0


@pytest.mark.parametrize("reversing", ["0", "-0.01", "-25.00"])
def test_a_non_positive_reversal_is_refused_naming_amount(reversing: str) -> None:
    with pytest.raises(InvalidEvent, match="positive") as caught:
        claw(100, "50.00", "0", reversing)
    assert caught.value.field == "amount"


@pytest.mark.parametrize(
    ("before", "reversing"),
    [
        pytest.param("0", "50.01", id="one reversal over the original"),
        pytest.param("30.00", "20.01", id="cumulative reversals over the original"),
        pytest.param("50.00", "0.01", id="anything after a full reversal"),
    ],
)
def test_reversing_more_than_the_original_amount_is_refused_naming_amount(
    before: str, reversing: str
) -> None:
    with pytest.raises(InvalidEvent, match="exceed the original amount") as caught:
        claw(100, "50.00", before, reversing)
    assert caught.value.field == "amount"


@st.composite
def split_amounts(draw: st.DrawFn) -> tuple[int, Decimal, list[Decimal], bool]:
    """An earned transaction and its amount cut into positive cent parts, whole or leaving a remainder."""
    points = draw(st.integers(0, 100_000))
    total_cents = draw(st.integers(1, 10_000_000))
    whole = draw(st.booleans())
    reversed_cents = total_cents if whole else draw(st.integers(1, total_cents))
    cuts = (
        draw(st.lists(st.integers(1, reversed_cents - 1), max_size=12, unique=True))
        if reversed_cents > 1
        else []
    )
    bounds = [0, *sorted(cuts), reversed_cents]
    parts = [Decimal(hi - lo) * CENT for lo, hi in pairwise(bounds)]
    return points, Decimal(total_cents) * CENT, parts, whole


@given(case=split_amounts())
def test_partial_reversals_add_up_to_one_reversal_of_their_sum(
    case: tuple[int, Decimal, list[Decimal], bool],
) -> None:
    points, amount, parts, whole = case
    taken = claw_in_parts(points, amount, parts)
    in_one_go = clawback_points(
        original_points=points, original_amount=amount, reversed_before=Decimal(0), reversing=sum(parts)
    )
    assert all(t >= 0 for t in taken)
    assert sum(taken) == in_one_go
    assert sum(taken) <= points
    if whole:
        assert sum(taken) == points


@given(case=split_amounts(), extra_cents=st.integers(1, 10_000))
def test_no_reversal_may_take_the_total_past_the_original_amount(
    case: tuple[int, Decimal, list[Decimal], bool], extra_cents: int
) -> None:
    points, amount, parts, _ = case
    already = sum(parts, Decimal(0))
    overshoot = amount - already + Decimal(extra_cents) * CENT
    with pytest.raises(InvalidEvent) as caught:
        clawback_points(
            original_points=points, original_amount=amount, reversed_before=already, reversing=overshoot
        )
    assert caught.value.field == "amount"
