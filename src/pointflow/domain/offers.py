"""An offer's life cycle, its terms as issued, and the hash that ties an approval to the exact proposal."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from pointflow.domain.errors import DomainError
from pointflow.domain.offer_programme import OfferDefinition


class OfferState(StrEnum):
    PROPOSED = "proposed"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    ISSUED = "issued"
    ACCEPTED = "accepted"
    IGNORED = "ignored"
    REDEEMED = "redeemed"


_NEXT: dict[OfferState, frozenset[OfferState]] = {
    # PROPOSED → REJECTED: a guardrail checked at issue (a budget, a type cap) refused it.
    OfferState.PROPOSED: frozenset({OfferState.PENDING_APPROVAL, OfferState.APPROVED, OfferState.REJECTED}),
    OfferState.PENDING_APPROVAL: frozenset({OfferState.APPROVED, OfferState.REJECTED, OfferState.EXPIRED}),
    OfferState.APPROVED: frozenset({OfferState.ISSUED}),
    OfferState.ISSUED: frozenset({OfferState.ACCEPTED, OfferState.IGNORED, OfferState.EXPIRED}),
    OfferState.ACCEPTED: frozenset({OfferState.REDEEMED, OfferState.EXPIRED}),
    OfferState.REJECTED: frozenset(),
    OfferState.EXPIRED: frozenset(),
    OfferState.IGNORED: frozenset(),
    OfferState.REDEEMED: frozenset(),
}
# An offer a member still holds: it counts against their liability cap and their open offers.
OPEN_STATES = frozenset(
    {OfferState.PENDING_APPROVAL, OfferState.APPROVED, OfferState.ISSUED, OfferState.ACCEPTED}
)


class OfferStateError(DomainError):
    """The offer cannot move from its state to the one asked for."""

    title = "Offer state"

    def __init__(self, current: OfferState, wanted: OfferState) -> None:
        super().__init__(f"an offer that is {current.value} cannot become {wanted.value}", field="state")


def check_transition(current: OfferState, wanted: OfferState) -> None:
    """Raise OfferStateError unless the life cycle allows current → wanted."""
    if wanted not in _NEXT[current]:
        raise OfferStateError(current, wanted)


def can_move(current: OfferState, wanted: OfferState) -> bool:
    return wanted in _NEXT[current]


@dataclass(frozen=True, slots=True)
class OfferTerms:
    """What the member is offered, exactly: every number and date a message or the core receives."""

    offer_code: str
    kind: str
    campaign: str
    valid_from: datetime
    valid_until: datetime
    points: int | None
    multiplier: Decimal | None
    category: str | None
    cashback_percent: Decimal | None
    discount_percent: Decimal | None
    reward: str | None
    product: str | None
    partner: str | None
    expected_points: int
    cost_to_bank: Decimal
    value_to_member: Decimal

    def values(self) -> dict[str, str]:
        """The terms as strings, omitting the ones this kind of offer does not have."""
        found = {
            "offer_code": self.offer_code,
            "kind": self.kind,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat(),
            "points": self.points,
            "multiplier": self.multiplier,
            "category": self.category,
            "cashback_percent": self.cashback_percent,
            "discount_percent": self.discount_percent,
            "reward": self.reward,
            "product": self.product,
            "partner": self.partner,
        }
        return {key: str(value) for key, value in found.items() if value is not None}


def terms_of(offer: OfferDefinition, at: datetime) -> OfferTerms:
    """The terms of `offer` if issued at `at`: valid for its validity days from then."""
    return OfferTerms(
        offer_code=offer.id,
        kind=offer.kind,
        campaign=offer.campaign,
        valid_from=at,
        valid_until=at + timedelta(days=offer.validity_days),
        points=offer.points,
        multiplier=offer.multiplier,
        category=offer.category,
        cashback_percent=offer.cashback_percent,
        discount_percent=offer.discount_percent,
        reward=offer.reward,
        product=offer.product,
        partner=offer.partner,
        expected_points=offer.expected_points,
        cost_to_bank=offer.cost_to_bank,
        value_to_member=offer.value_to_member,
    )


def proposal_terms(terms: OfferTerms) -> dict[str, str]:
    """The terms as stored with a proposal: what the member sees plus what the bank expects it to cost."""
    return {
        **terms.values(),
        "expected_points": str(terms.expected_points),
        "cost_to_bank": format(terms.cost_to_bank.normalize(), "f"),
        "value_to_member": format(terms.value_to_member.normalize(), "f"),
    }


def proposal_hash(*, offer_id: str, token: str, channel: str, terms: Mapping[str, str]) -> str:
    """sha256 of the exact proposal: an approval is valid only for a proposal with this hash."""
    body = {**terms, "offer_id": offer_id, "token": token, "channel": channel}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class UnknownOffer(DomainError):
    """No offer with that id (for that member)."""

    title = "Unknown offer"


class SelfApproval(DomainError):
    """Whoever proposed an offer may not approve or reject it."""

    title = "Approver is the proposer"


class ProposalChanged(DomainError):
    """The proposal is not the one the approver saw: its hash differs."""

    title = "Proposal changed"


class OfferRefused(DomainError):
    """A guardrail checked at issue (a campaign budget, a type cap) refused the offer."""

    title = "Offer refused by a guardrail"
