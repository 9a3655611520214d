"""Commands on offers: approve or reject a pending proposal, accept an issued offer, and the job that expires
pending approvals and marks unanswered offers ignored (idempotent for an as-of time). All audited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pointflow.domain.money import CustomerToken
from pointflow.domain.offers import (
    OfferRefused,
    OfferState,
    OfferStateError,
    ProposalChanged,
    SelfApproval,
    UnknownOffer,
    proposal_hash,
)
from pointflow.service_layer.accrual import ActiveProgramme
from pointflow.service_layer.offer_credit import CREDITED_AT_ACCEPTANCE, credit_bonus
from pointflow.service_layer.offer_issue import issue_offer
from pointflow.service_layer.offer_ports import OfferStore, OfferStores, StoredOffer
from pointflow.service_layer.ports import LedgerSession, LedgerSessions


@dataclass(frozen=True, slots=True)
class OfferDeps:
    sessions: LedgerSessions
    stores: OfferStores
    programme: Callable[[], ActiveProgramme]
    tokenise: Callable[[str], CustomerToken]
    clock: Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Decide:
    """Approve or reject a pending offer; `proposal_hash` is the hash of the proposal the approver saw."""

    offer_id: str
    approver: str
    reason: str
    proposal_hash: str | None = None


def approve(command: Decide, deps: OfferDeps) -> StoredOffer:
    """Approve and issue the offer in one transaction, or raise naming why not (nothing changes then)."""
    offers = deps.programme().programme.offers
    if offers is None:
        raise UnknownOffer("the active programme has no offers", field="offer_id")
    now = deps.clock()
    with deps.sessions.begin() as session:
        store = _open(session, deps)
        offer = _pending(store, command, now)
        _check_hash(offer, command.proposal_hash)
        _decide(store, offer, command, now, OfferState.APPROVED)
        refusal = issue_offer(
            session, store, offers, offer.id, at=now, actor=command.approver, expected=OfferState.APPROVED
        )
        if refusal is not None:
            raise OfferRefused(refusal, field="offer_id")  # rolls the approval back: the offer stays pending
        _audit(session, now, command.approver, "offer.approved", offer, reason=command.reason)
        return _reread(store, offer.id)


def reject(command: Decide, deps: OfferDeps) -> StoredOffer:
    """Reject the pending offer with a reason."""
    now = deps.clock()
    with deps.sessions.begin() as session:
        store = _open(session, deps)
        offer = _pending(store, command, now)
        _check_hash(offer, command.proposal_hash)
        _decide(store, offer, command, now, OfferState.REJECTED)
        _audit(session, now, command.approver, "offer.rejected", offer, reason=command.reason)
        return _reread(store, offer.id)


def accept(customer_id: str, offer_id: str, deps: OfferDeps, *, actor: str) -> StoredOffer:
    """The member takes an issued offer: a multiplier or cashback offer becomes their temporary earn rule,
    a flat bonus is credited now (its posting cited by the offer)."""
    now, token = deps.clock(), deps.tokenise(customer_id)
    with deps.sessions.begin() as session:
        store = _open(session, deps)
        offer = store.offer(offer_id, lock=True)
        if offer is None or offer.token != token:
            raise UnknownOffer(f"no offer {offer_id} for this member", field="offer_id")
        if offer.state == OfferState.ACCEPTED.value:
            return offer  # accepting twice has the effect of accepting once
        if offer.state == OfferState.ISSUED.value and offer.valid_until <= now:
            raise OfferStateError(OfferState.EXPIRED, OfferState.ACCEPTED)
        if offer.state != OfferState.ISSUED.value:
            raise OfferStateError(OfferState(offer.state), OfferState.ACCEPTED)
        credited = None
        if offer.kind in CREDITED_AT_ACCEPTANCE:
            credited = credit_bonus(session, offer, deps.programme().programme, at=now, actor=actor)
        store.update_offer(
            offer.id,
            expected_state=OfferState.ISSUED.value,
            state=OfferState.ACCEPTED.value,
            responded_at=now,
            posting_id=credited,
        )
        store.learn(offer.offer_code, offer.segment, accepted=1, ignored=0)
        _audit(session, now, actor, "offer.accepted", offer, posting_id=credited)
        return _reread(store, offer.id)


@dataclass(frozen=True, slots=True)
class ExpiryResult:
    approvals_expired: int
    offers_ignored: int

    def as_dict(self) -> dict[str, Any]:
        return {"approvals_expired": self.approvals_expired, "offers_ignored": self.offers_ignored}


def expire_offers(as_of: datetime, deps: OfferDeps, *, limit: int = 1000) -> ExpiryResult:
    """Expire approvals due by `as_of`, and mark issued offers whose validity ended by then ignored."""
    with deps.sessions.begin() as session:
        store = _open(session, deps)
        expired = 0
        for offer in store.due_approvals(as_of, limit):
            if store.update_offer(
                offer.id,
                expected_state=OfferState.PENDING_APPROVAL.value,
                state=OfferState.EXPIRED.value,
                decided_at=as_of,
            ):
                _audit(session, as_of, "job:offers-expire", "offer.approval_expired", offer)
                expired += 1
        ignored = 0
        for offer in store.unanswered(as_of, limit):
            if store.update_offer(
                offer.id,
                expected_state=OfferState.ISSUED.value,
                state=OfferState.IGNORED.value,
                responded_at=offer.valid_until,
            ):
                store.learn(offer.offer_code, offer.segment, accepted=0, ignored=1)
                _audit(session, as_of, "job:offers-expire", "offer.ignored", offer)
                ignored += 1
        return ExpiryResult(expired, ignored)


def _open(session: LedgerSession, deps: OfferDeps) -> OfferStore:
    return deps.stores.open(session)


def _pending(store: OfferStore, command: Decide, now: datetime) -> StoredOffer:
    offer = store.offer(command.offer_id, lock=True)
    if offer is None:
        raise UnknownOffer(f"no offer {command.offer_id}", field="offer_id")
    if offer.state != OfferState.PENDING_APPROVAL.value:
        raise OfferStateError(OfferState(offer.state), OfferState.APPROVED)
    if offer.approval_due is not None and offer.approval_due <= now:
        raise OfferStateError(OfferState.EXPIRED, OfferState.APPROVED)
    if offer.proposed_by == command.approver:
        raise SelfApproval("the proposer of an offer cannot approve or reject it", field="Authorization")
    return offer


def _check_hash(offer: StoredOffer, seen: str | None) -> None:
    current = proposal_hash(offer_id=offer.id, token=offer.token, channel=offer.channel, terms=offer.terms)
    if current != offer.proposal_hash:
        raise ProposalChanged("the stored proposal no longer matches its hash", field="proposal_hash")
    if seen is not None and seen != current:
        raise ProposalChanged(
            "the proposal changed since it was shown; review it again", field="proposal_hash"
        )


def _decide(store: OfferStore, offer: StoredOffer, command: Decide, now: datetime, to: OfferState) -> None:
    store.update_offer(
        offer.id,
        expected_state=OfferState.PENDING_APPROVAL.value,
        state=to.value,
        decided_by=command.approver,
        decided_reason=command.reason,
        decided_at=now,
    )


def _reread(store: OfferStore, offer_id: str) -> StoredOffer:
    found = store.offer(offer_id, lock=False)
    assert found is not None
    return found


def _audit(
    session: LedgerSession, at: datetime, actor: str, action: str, offer: StoredOffer, **details: Any
) -> None:
    session.audit(
        at=at,
        actor=actor,
        action=action,
        subject=f"member:{offer.token}",
        details={
            "offer_id": offer.id,
            "offer_code": offer.offer_code,
            "proposal_hash": offer.proposal_hash,
            **details,
        },
    )
