"""Members and lots as the ledger keeps them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pointflow.domain.ledger import LotView, MemberBalances
from pointflow.domain.money import CustomerToken


class LotState(StrEnum):
    PENDING = "pending"  # held while the posting can still be reversed
    AVAILABLE = "available"
    CLOSED = "closed"  # nothing left in it: spent, expired or clawed back


@dataclass(slots=True)
class Member:
    token: CustomerToken
    tier: str
    balances: MemberBalances
    is_new: bool = False


@dataclass(slots=True)
class Lot:
    id: str
    token: CustomerToken
    points: int
    remaining: int
    earned_on: date
    expires_on: date | None
    release_on: date | None
    state: LotState

    def view(self) -> LotView:
        return LotView(
            self.id, self.remaining, self.earned_on, self.expires_on, self.state is LotState.PENDING
        )

    def take(self, points: int) -> None:
        if not 0 < points <= self.remaining:
            raise ValueError(f"cannot take {points} points from lot {self.id} holding {self.remaining}")
        self.remaining -= points
        if self.remaining == 0:
            self.state = LotState.CLOSED


@dataclass(frozen=True, slots=True)
class AccrualRecord:
    """What the ledger remembers of an accrued transaction, for reversals and explanations."""

    id: str
    token: CustomerToken
    source_system: str
    source_id: str
    amount: Decimal
    currency: str
    booked_at: datetime
    points: int
    lot_id: str | None
