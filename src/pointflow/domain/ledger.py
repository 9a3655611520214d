"""The double-entry points ledger: accounts, balanced postings and the planning of each movement.

Signs are from the members' side: a positive balance on a member account is points the programme owes.
Issuing points debits `programme_liability` (its balance is minus all points ever issued, net of
clawbacks); `redeemed` and `expired` record how that obligation was settled or released, so the points
outstanding are Σ member accounts = −(liability + redeemed + expired + adjustment).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pointflow.domain.errors import InsufficientPoints, UnbalancedPosting
from pointflow.domain.money import CustomerToken, Points


class AccountKind(StrEnum):
    MEMBER_AVAILABLE = "member_available"
    MEMBER_PENDING = "member_pending"
    MEMBER_DEBT = "member_debt"
    PROGRAMME_LIABILITY = "programme_liability"
    REDEEMED = "redeemed"
    EXPIRED = "expired"
    ADJUSTMENT = "adjustment"

    @property
    def is_member(self) -> bool:
        return self.value.startswith("member_")


class PostingKind(StrEnum):
    EARN = "earn"
    RELEASE = "release"
    REDEEM = "redeem"
    EXPIRE = "expire"
    CLAWBACK = "clawback"
    ADJUST = "adjust"


@dataclass(frozen=True, slots=True)
class Account:
    kind: AccountKind
    token: CustomerToken | None = None

    def __post_init__(self) -> None:
        if self.kind.is_member != (self.token is not None):
            raise ValueError(f"account {self.kind} needs a token exactly when it is a member account")


LIABILITY = Account(AccountKind.PROGRAMME_LIABILITY)
REDEEMED = Account(AccountKind.REDEEMED)
EXPIRED = Account(AccountKind.EXPIRED)
ADJUSTMENT = Account(AccountKind.ADJUSTMENT)


def available(token: CustomerToken) -> Account:
    return Account(AccountKind.MEMBER_AVAILABLE, token)


def pending(token: CustomerToken) -> Account:
    return Account(AccountKind.MEMBER_PENDING, token)


def debt(token: CustomerToken) -> Account:
    return Account(AccountKind.MEMBER_DEBT, token)


@dataclass(frozen=True, slots=True)
class Leg:
    account: Account
    points: int

    def __post_init__(self) -> None:
        if self.points == 0:
            raise UnbalancedPosting("a leg must move a non-zero number of points", field="points")


def balanced(legs: Iterable[Leg]) -> tuple[Leg, ...]:
    """Insist on at least two legs that sum to zero (each leg already refuses zero points)."""
    kept = tuple(legs)
    if len(kept) < 2:
        raise UnbalancedPosting(f"a posting needs at least two legs, got {len(kept)}")
    total = sum(leg.points for leg in kept)
    if total != 0:
        raise UnbalancedPosting(f"legs sum to {total}, not zero")
    return kept


def legs_of(*pairs: tuple[Account, int]) -> tuple[Leg, ...]:
    """Build a balanced leg tuple from (account, points) pairs, skipping zero amounts."""
    return balanced(Leg(account, points) for account, points in pairs if points != 0)


@dataclass(frozen=True, slots=True)
class MemberBalances:
    available: int = 0
    pending: int = 0
    debt: int = 0  # points the member owes (≥ 0); the debt account's balance is its negative

    def apply(self, legs: Iterable[Leg]) -> MemberBalances:
        available, pending, debt = self.available, self.pending, self.debt
        for leg in legs:
            kind = leg.account.kind
            if kind is AccountKind.MEMBER_AVAILABLE:
                available += leg.points
            elif kind is AccountKind.MEMBER_PENDING:
                pending += leg.points
            elif kind is AccountKind.MEMBER_DEBT:
                debt -= leg.points
        return MemberBalances(available, pending, debt)


@dataclass(frozen=True, slots=True)
class LotView:
    """A lot as the planner needs it: what remains of it, when it expires, whether it is held."""

    id: str
    remaining: int
    earned_on: date
    expires_on: date | None
    is_pending: bool = False

    @property
    def fefo_key(self) -> tuple[date, date, str]:
        return (self.expires_on or date.max, self.earned_on, self.id)


@dataclass(frozen=True, slots=True)
class Allocation:
    lot_id: str
    points: int  # points taken out of the lot (> 0)


def allocate_fefo(lots: Iterable[LotView], points: int) -> tuple[Allocation, ...]:
    """Take `points` from available lots, first-expiring-first; raise if they do not suffice."""
    taken: list[Allocation] = []
    left = points
    for lot in sorted((lot for lot in lots if not lot.is_pending), key=lambda lot: lot.fefo_key):
        if left == 0:
            break
        take = min(lot.remaining, left)
        if take > 0:
            taken.append(Allocation(lot.id, take))
            left -= take
    if left:
        raise InsufficientPoints(f"{points} points asked, {points - left} available", field="points")
    return tuple(taken)


@dataclass(frozen=True, slots=True)
class AccrualPlan:
    legs: tuple[Leg, ...]
    lot_points: int  # what the new lot holds after any debt was repaid
    debt_repaid: int


def plan_accrual(token: CustomerToken, points: Points, owed: int, *, hold: bool) -> AccrualPlan:
    """Issue `points`: repay any points debt first, the rest into a new lot (held if `hold`)."""
    repay = min(owed, points) if points > 0 else 0
    into = pending(token) if hold else available(token)
    legs = legs_of((LIABILITY, -points), (debt(token), repay), (into, points - repay))
    return AccrualPlan(legs, points - repay, repay)


def plan_redemption(
    token: CustomerToken, points: int, lots: Sequence[LotView]
) -> tuple[tuple[Leg, ...], tuple[Allocation, ...]]:
    """Move `points` from available to redeemed, consuming lots first-expiring-first."""
    if points <= 0:
        raise InsufficientPoints("a redemption must be for a positive number of points", field="points")
    allocations = allocate_fefo(lots, points)
    return legs_of((available(token), -points), (REDEEMED, points)), allocations


def plan_expiry(token: CustomerToken, lot: LotView) -> tuple[Leg, ...]:
    return legs_of((available(token), -lot.remaining), (EXPIRED, lot.remaining))


def plan_release(token: CustomerToken, lot: LotView) -> tuple[Leg, ...]:
    return legs_of((pending(token), -lot.remaining), (available(token), lot.remaining))


@dataclass(frozen=True, slots=True)
class ClawbackPlan:
    legs: tuple[Leg, ...]
    allocations: tuple[Allocation, ...]
    debt_points: int


def plan_clawback(
    token: CustomerToken, points: int, origin: LotView | None, others: Sequence[LotView]
) -> ClawbackPlan:
    """Take back `points`: from the transaction's own lot, then other available lots FEFO, then debt.

    Points already spent are never silently lost: what no lot can cover becomes a points debt that
    later accruals repay first.
    """
    taken: list[Allocation] = []
    from_pending = from_available = 0
    left = points
    if origin is not None and origin.remaining > 0:
        take = min(origin.remaining, left)
        taken.append(Allocation(origin.id, take))
        from_pending, from_available = (take, 0) if origin.is_pending else (0, take)
        left -= take
    spare = [lot for lot in others if origin is None or lot.id != origin.id]
    covered = min(left, sum(lot.remaining for lot in spare if not lot.is_pending))
    if covered:
        taken.extend(allocate_fefo(spare, covered))
        from_available += covered
    owed = left - covered
    legs = legs_of(
        (LIABILITY, points),
        (pending(token), -from_pending),
        (available(token), -from_available),
        (debt(token), -owed),
    )
    return ClawbackPlan(legs, tuple(taken), owed)
