"""Manual point adjustments by an administrator: a credit into a new lot, or a debit from lots FEFO."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pointflow.domain.errors import IdempotencyConflict, InsufficientPoints, InvalidEvent
from pointflow.domain.ids import new_id
from pointflow.domain.ledger import ADJUSTMENT, MemberBalances, allocate_fefo, available, debt, legs_of
from pointflow.domain.members import Lot, LotState, Member
from pointflow.domain.programme import expiry_date
from pointflow.service_layer.accrual import ActiveProgramme, LedgerDeps
from pointflow.service_layer.lots import consume
from pointflow.service_layer.ports import LedgerSession


@dataclass(frozen=True, slots=True)
class Adjust:
    customer_id: str
    points: int  # positive credits the member, negative debits
    reason: str
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class Adjusted:
    posting_id: str | None
    points: int
    available_after: int | None
    replayed: bool


def adjust(
    command: Adjust,
    *,
    deps: LedgerDeps,
    actor: str,
) -> Adjusted:
    """Post an audited adjustment once per idempotency key."""
    sessions, active, tokenise, clock = deps.sessions, deps.programme(), deps.tokenise, deps.clock
    if command.points == 0:
        raise InvalidEvent("an adjustment moves a non-zero number of points", field="points")
    token = tokenise(command.customer_id)
    memo = f"adjust {command.points:+d}: {command.reason}"
    key = f"adjust:{token}:{command.idempotency_key}"
    with sessions.begin() as session:
        member = session.members([token]).get(token)
        earlier = session.posting_memo(key)
        if earlier is not None:
            if earlier != memo:
                raise IdempotencyConflict(
                    "this Idempotency-Key was used for another adjustment", field="Idempotency-Key"
                )
            return Adjusted(None, command.points, None, replayed=True)
        if member is None:
            member = Member(token, active.programme.tiers[0].name, MemberBalances(), is_new=True)
            session.add_member(member, command.customer_id, clock())
        posting_id = _post(session, member, command, key, memo, active, clock())
        session.audit(
            at=clock(),
            actor=actor,
            action="points.adjusted",
            subject=f"member:{token}",
            details={"points": command.points, "reason": command.reason, "posting_id": posting_id},
        )
        return Adjusted(posting_id, command.points, member.balances.available, replayed=False)


def _post(
    session: LedgerSession,
    member: Member,
    command: Adjust,
    key: str,
    memo: str,
    active: ActiveProgramme,
    now: datetime,
) -> str:
    posting_id, token = new_id(), member.token
    if command.points > 0:
        repay = min(member.balances.debt, command.points)
        legs = legs_of(
            (ADJUSTMENT, -command.points), (debt(token), repay), (available(token), command.points - repay)
        )
        if command.points > repay:
            today = now.date()
            lot = Lot(
                new_id(),
                token,
                command.points - repay,
                command.points - repay,
                today,
                expiry_date(active.programme.lots.expiry, today),
                None,
                LotState.AVAILABLE,
            )
            session.add_lot(lot, posting_id=posting_id, accrual_id=None)
    else:
        lots = {lot.id: lot for lot in session.open_lots(token)}
        try:
            allocations = allocate_fefo([lot.view() for lot in lots.values()], -command.points)
        except InsufficientPoints as short:
            raise InsufficientPoints(short.detail, field="points") from None
        legs = legs_of((available(token), command.points), (ADJUSTMENT, -command.points))
        consume(session, lots, allocations, posting_id=posting_id)
    session.add_posting(id=posting_id, kind="adjust", key=key, token=token, at=now, memo=memo, legs=legs)
    member.balances = member.balances.apply(legs)
    session.save_member(member)
    return posting_id
