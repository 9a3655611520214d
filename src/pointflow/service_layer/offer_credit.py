"""What taking an offer pays at once: a flat-bonus offer's points, posted through the ledger into a new lot
with its own idempotency key (`offer:<offer id>`), audited, and cited by the offer (`offers.posting_id`)."""

from __future__ import annotations

from datetime import datetime

from pointflow.domain.ids import new_id
from pointflow.domain.ledger import PostingKind, plan_accrual
from pointflow.domain.members import Lot, LotState
from pointflow.domain.money import CustomerToken, Points
from pointflow.domain.programme import Programme, expiry_date
from pointflow.service_layer.offer_ports import StoredOffer
from pointflow.service_layer.ports import LedgerSession

CREDITED_AT_ACCEPTANCE = frozenset({"bonus_points"})


def credit_bonus(
    session: LedgerSession, offer: StoredOffer, programme: Programme, *, at: datetime, actor: str
) -> str:
    """Credit the offer's points to its member (any points debt repaid first); the posting's id."""
    token, points = CustomerToken(offer.token), Points(int(offer.terms["points"]))
    member = session.members([token])[token]
    plan = plan_accrual(token, points, member.balances.debt, hold=False)
    posting_id = new_id()
    session.add_posting(
        id=posting_id,
        kind=PostingKind.EARN.value,
        key=f"offer:{offer.id}",  # one credit per offer, whatever retries the acceptance sees
        token=token,
        at=at,
        memo=f"{points} points for offer {offer.offer_code} ({offer.id})",
        legs=plan.legs,
    )
    if plan.lot_points > 0:
        today = at.date()
        expires = expiry_date(programme.lots.expiry, today)
        lot = Lot(new_id(), token, plan.lot_points, plan.lot_points, today, expires, None, LotState.AVAILABLE)
        session.add_lot(lot, posting_id=posting_id, accrual_id=None)
    member.balances = member.balances.apply(plan.legs)
    session.save_member(member)
    session.audit(
        at=at,
        actor=actor,
        action="offer.points_credited",
        subject=f"member:{token}",
        details={
            "offer_id": offer.id,
            "offer_code": offer.offer_code,
            "points": int(points),
            "posting_id": posting_id,
            "debt_repaid": plan.debt_repaid,
        },
    )
    return posting_id
