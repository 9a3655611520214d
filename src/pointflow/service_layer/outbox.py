"""The transactional outbox: messages for other systems, written in the transaction of their cause,
then delivered at least once by the dispatcher with the receiver's idempotency key."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import orjson

from pointflow.domain.core import WriteBack, WriteBackKind
from pointflow.domain.delivery import Backoff, Verdict
from pointflow.domain.ids import new_id
from pointflow.service_layer.ports import LedgerSession

ACCOUNT_PREFIX = "account:"  # how an account number is kept in the vault, beside customer ids


def enqueue(
    session: LedgerSession,
    *,
    kind: WriteBackKind,
    key: str,
    token: str,
    at: datetime,
    account_id: str | None = None,
    account_ref: str | None = None,
    values: Mapping[str, str],
) -> None:
    """Add a write-back to the current transaction: it exists if and only if its cause commits.

    `account_ref` names the account by its vault token (`account:<id>` in the vault), so the outbox keeps
    no account number; the dispatcher resolves it at delivery.
    """
    body: dict[str, object] = {"account_id": account_id, "values": dict(values)}
    if account_ref is not None:
        body["account_ref"] = account_ref
    session.add_row(
        "outbox",
        {
            "id": new_id(),
            "key": key,
            "kind": kind.value,
            "token": token,
            "body": orjson.dumps(body).decode(),
            "created_at": at,
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": at,
        },
    )


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    id: str
    key: str
    kind: str
    token: str
    body: str
    attempts: int


@dataclass(frozen=True, slots=True)
class Delivery:
    verdict: Verdict
    detail: str = ""


class OutboxPort(Protocol):
    def due(self, *, now: datetime, limit: int) -> list[OutboxMessage]: ...
    def settle(
        self,
        message_id: str,
        *,
        state: str,
        attempts: int,
        at: datetime,
        next_at: datetime,
        error: str | None,
    ) -> None: ...


class Receiver(Protocol):
    """The other side of the outbox: the core's write-back API, or a channel."""

    def deliver(self, message: WriteBack) -> Delivery: ...


@dataclass
class DispatchResult:
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


def dispatch_due(
    *,
    outbox: OutboxPort,
    receiver: Receiver,
    customer_id: Callable[[str], str | None],
    clock: Callable[[], datetime],
    backoff: Backoff,
    limit: int = 100,
    spread: Callable[[], float] = random.random,
) -> DispatchResult:
    """Deliver every due message once; each outcome is recorded before the next message is tried."""
    result = DispatchResult()
    for message in outbox.due(now=clock(), limit=limit):
        delivery = _deliver(message, receiver, customer_id)
        attempts = message.attempts + 1
        state = backoff.next_state(attempts, delivery.verdict)
        now = clock()
        error = None if state == "delivered" else delivery.detail
        next_at = backoff.next_attempt(now, attempts, spread()) if state == "pending" else now
        outbox.settle(message.id, state=state, attempts=attempts, at=now, next_at=next_at, error=error)
        _count(result, state, message, error)
    return result


def _deliver(
    message: OutboxMessage, receiver: Receiver, customer_id: Callable[[str], str | None]
) -> Delivery:
    customer = customer_id(message.token)
    if customer is None:
        return Delivery(Verdict.REFUSED, "the member's customer id is no longer in the identity vault")
    body = orjson.loads(message.body)
    account = body.get("account_id")
    if body.get("account_ref"):
        resolved = customer_id(body["account_ref"]) or ""
        if not resolved.startswith(ACCOUNT_PREFIX):
            return Delivery(Verdict.REFUSED, "the account to credit is no longer in the identity vault")
        account = resolved.removeprefix(ACCOUNT_PREFIX)
    write_back = WriteBack(
        kind=WriteBackKind(message.kind),
        key=message.key,
        customer_id=customer,
        account_id=account,
        values=dict(body.get("values", {})),
    )
    return receiver.deliver(write_back)


def _count(result: DispatchResult, state: str, message: OutboxMessage, error: str | None) -> None:
    if state == "delivered":
        result.delivered += 1
    elif state == "dead":
        result.dead += 1
    else:
        result.retried += 1
    if error:
        result.errors.append(f"{message.key}: {error}")
