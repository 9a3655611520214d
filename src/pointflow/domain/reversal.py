"""How much a reversal, refund or chargeback claws back.

Rule: points are clawed back in proportion to the amount reversed, rounded half-up on the cumulative
total, so that several partial reversals never take back more (or less) than one reversal of their sum:
clawed_so_far = round_half_up(original_points × reversed_so_far ÷ original_amount), capped at the
original points; each reversal takes the difference from what earlier reversals took.
"""

from __future__ import annotations

from decimal import Decimal

from pointflow.domain.errors import InvalidEvent
from pointflow.domain.events import TransactionReversed
from pointflow.domain.members import AccrualRecord
from pointflow.domain.money import round_points


def clawback_points(
    *, original_points: int, original_amount: Decimal, reversed_before: Decimal, reversing: Decimal
) -> int:
    """Points to take back for `reversing`, given what earlier reversals already reversed."""
    if reversing <= 0:
        raise InvalidEvent("a reversal must be for a positive amount", field="amount")
    if reversed_before + reversing > original_amount:
        raise InvalidEvent(
            f"reversing {reversing} would exceed the original amount {original_amount} "
            f"({reversed_before} already reversed)",
            field="amount",
        )
    total_after = _cumulative(original_points, original_amount, reversed_before + reversing)
    return total_after - _cumulative(original_points, original_amount, reversed_before)


def _cumulative(points: int, amount: Decimal, reversed_total: Decimal) -> int:
    return min(points, round_points(Decimal(points) * reversed_total / amount))


def check_reversal(event: TransactionReversed, original: AccrualRecord | None, token: str) -> None:
    """Refuse a reversal of nothing, of another member's transaction, or in another currency."""
    if original is None:
        raise InvalidEvent(
            f"no accrued transaction {event.original_source_id} from {event.source.system}",
            field="original_transaction_id",
        )
    if original.token != token:
        raise InvalidEvent("the reversal names a different customer than the original", field="customer_id")
    if original.currency != event.money.currency:
        raise InvalidEvent(f"the original was in {original.currency}", field="currency")
