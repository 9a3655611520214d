"""Redeem points for a reward in the catalogue, once per idempotency key."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pointflow.domain.core import WriteBackKind
from pointflow.domain.errors import IdempotencyConflict, InsufficientPoints, UnknownReward
from pointflow.domain.ids import new_id
from pointflow.domain.ledger import plan_redemption
from pointflow.domain.members import Member
from pointflow.domain.programme import Reward
from pointflow.service_layer.accrual import ActiveProgramme, LedgerDeps
from pointflow.service_layer.lots import consume
from pointflow.service_layer.outbox import enqueue
from pointflow.service_layer.ports import LedgerSession


@dataclass(frozen=True, slots=True)
class Redeem:
    customer_id: str
    reward_id: str
    quantity: int
    idempotency_key: str
    account_id: str | None = None  # where a cashback reward is credited at the core


@dataclass(frozen=True, slots=True)
class Redemption:
    id: str
    reward_id: str
    quantity: int
    points: int
    value: Decimal
    currency: str
    available_after: int | None
    replayed: bool


def redeem(
    command: Redeem,
    *,
    deps: LedgerDeps,
    actor: str,
) -> Redemption:
    """Move points from the member's available lots to `redeemed`, first-expiring-first."""
    sessions, active, tokenise, clock = deps.sessions, deps.programme(), deps.tokenise, deps.clock
    token = tokenise(command.customer_id)
    reward = _reward(active, command.reward_id)
    request = f"{command.reward_id}|{command.quantity}" + (
        f"|{command.account_id}" if command.account_id else ""
    )
    request_hash = hashlib.sha256(request.encode()).hexdigest()
    with sessions.begin() as session:
        member = session.members([token]).get(token)
        earlier = session.redemption(token, command.idempotency_key)
        if earlier is not None:
            return _replay(earlier, request_hash)
        if member is None:
            raise InsufficientPoints("the member has no points yet", field="customer_id")
        return _apply(
            session,
            member,
            reward,
            command,
            request_hash,
            clock(),
            actor,
            active.programme.currency,
            tokenise(f"account:{command.account_id}") if command.account_id else None,
        )


def _reward(active: ActiveProgramme, reward_id: str) -> Reward:
    for reward in active.programme.rewards:
        if reward.id == reward_id and reward.active:
            return reward
    raise UnknownReward(f"no active reward {reward_id!r} in the catalogue", field="reward_id")


def _replay(earlier: dict[str, Any] | Any, request_hash: str) -> Redemption:
    if earlier["request_hash"] != request_hash:
        raise IdempotencyConflict(
            "this Idempotency-Key was used for a different redemption", field="Idempotency-Key"
        )
    return Redemption(
        earlier["id"],
        earlier["reward_id"],
        earlier["quantity"],
        earlier["points"],
        earlier["value"],
        earlier["currency"],
        None,
        replayed=True,
    )


def _apply(
    session: LedgerSession,
    member: Member,
    reward: Reward,
    command: Redeem,
    request_hash: str,
    now: datetime,
    actor: str,
    currency: str,
    account_ref: str | None,
) -> Redemption:
    points = reward.points * command.quantity
    lots = {lot.id: lot for lot in session.open_lots(member.token)}
    legs, allocations = plan_redemption(member.token, points, [lot.view() for lot in lots.values()])
    posting_id, redemption_id = new_id(), new_id()
    session.add_posting(
        id=posting_id,
        kind="redeem",
        key=f"redeem:{member.token}:{command.idempotency_key}",
        token=member.token,
        at=now,
        memo=f"{command.quantity} × {reward.id}",
        legs=legs,
    )
    consume(session, lots, allocations, posting_id=posting_id)
    member.balances = member.balances.apply(legs)
    session.save_member(member)
    value = reward.value * command.quantity
    session.add_row(
        "redemptions",
        {
            "id": redemption_id,
            "token": member.token,
            "idempotency_key": command.idempotency_key,
            "request_hash": request_hash,
            "reward_id": reward.id,
            "quantity": command.quantity,
            "points": points,
            "value": value,
            "currency": currency,
            "posting_id": posting_id,
            "created_at": now,
        },
    )
    if account_ref is not None and command.account_id is not None:
        # the outbox names the account by a vault token; only the delivery boundary reads the number
        session.remember_identity(account_ref, f"account:{command.account_id}")
    _write_back(
        session, member.token, reward, command, points, value, currency, redemption_id, now, account_ref
    )
    session.audit(
        at=now,
        actor=actor,
        action="points.redeemed",
        subject=f"member:{member.token}",
        details={
            "reward_id": reward.id,
            "quantity": command.quantity,
            "points": points,
            "posting_id": posting_id,
        },
    )
    return Redemption(
        redemption_id,
        reward.id,
        command.quantity,
        points,
        value,
        currency,
        member.balances.available,
        replayed=False,
    )


def _write_back(
    session: LedgerSession,
    token: str,
    reward: Reward,
    command: Redeem,
    points: int,
    value: Decimal,
    currency: str,
    redemption_id: str,
    now: datetime,
    account_ref: str | None,
) -> None:
    """Tell the core about the reward in the same transaction, so it is told if and only if it happened.

    A cashback reward with an account to credit carries the money as `amount`: the core books it.
    """
    values = {
        "redemption_id": redemption_id,
        "reward_id": reward.id,
        "reward_name": reward.name,
        "reward_kind": reward.kind,
        "quantity": str(command.quantity),
        "points": str(points),
        "value": str(value),
        "currency": currency,
    }
    if reward.kind == "cashback" and command.account_id is not None:
        values["amount"] = str(value)
    enqueue(
        session,
        kind=WriteBackKind.POINTS_CREDITED,
        key=f"pointflow-redemption-{redemption_id}",
        token=token,
        at=now,
        account_ref=account_ref,
        values=values,
    )
