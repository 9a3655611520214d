"""The outbox table: due messages are leased to one dispatcher at a time; outcomes are recorded per try."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Row, func, select, update

from pointflow.adapters.db.engine import Database
from pointflow.adapters.db.tables import identity_vault, outbox
from pointflow.service_layer.outbox import OutboxMessage

# A dispatcher that dies mid-delivery leaves its messages leased; they fall due again when the lease ends,
# so a crash delays a message by at most this long and never loses it.
LEASE = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: str
    key: str
    kind: str
    state: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_error: str | None


class SqlOutbox:
    def __init__(self, db: Database, *, lease: timedelta = LEASE) -> None:
        self.db = db
        self.lease = lease

    def due(self, *, now: datetime, limit: int) -> list[OutboxMessage]:
        """Lease up to `limit` due messages, oldest first, so that no other dispatcher takes them."""
        due = (outbox.c.state == "pending") & (outbox.c.next_attempt_at <= now)
        query = select(outbox).where(due).order_by(outbox.c.next_attempt_at, outbox.c.id).limit(limit)
        if not self.db.is_sqlite:
            query = query.with_for_update(skip_locked=True)
        with self.db.write() as conn:
            rows = conn.execute(query).all()
            if rows:
                ids = [r.id for r in rows]
                conn.execute(
                    update(outbox).where(outbox.c.id.in_(ids)).values(next_attempt_at=now + self.lease)
                )
        return [OutboxMessage(r.id, r.key, r.kind, r.token, r.body, r.attempts) for r in rows]

    def settle(
        self,
        message_id: str,
        *,
        state: str,
        attempts: int,
        at: datetime,
        next_at: datetime,
        error: str | None,
    ) -> None:
        values = {"state": state, "attempts": attempts, "next_attempt_at": next_at, "last_error": error}
        if state == "delivered":
            values["delivered_at"] = at
        with self.db.write() as conn:
            conn.execute(update(outbox).where(outbox.c.id == message_id).values(**values))

    def customer_id(self, token: str) -> str | None:
        """The core's id for a member: only the delivery boundary reads it, to address the core."""
        query = select(identity_vault.c.customer_id).where(identity_vault.c.token == token)
        with self.db.reader.connect() as conn:
            value = conn.execute(query).scalar_one_or_none()
        return str(value) if value is not None else None

    def rows(self, *, state: str | None = None, limit: int = 50) -> list[OutboxRow]:
        query = select(outbox).order_by(outbox.c.created_at, outbox.c.id).limit(limit)
        if state:
            query = query.where(outbox.c.state == state)
        with self.db.reader.connect() as conn:
            return [_row(r) for r in conn.execute(query).all()]

    def counts(self) -> dict[str, int]:
        query = select(outbox.c.state, func.count()).group_by(outbox.c.state)
        with self.db.reader.connect() as conn:
            return {str(state): int(n) for state, n in conn.execute(query).all()}

    def retry(self, *, ids: Sequence[str] | None, now: datetime) -> int:
        """Send dead letters (all, or `ids`) round again with a fresh attempt budget."""
        where = outbox.c.state == "dead"
        if ids is not None:
            where = where & outbox.c.id.in_(list(ids))
        values = {"state": "pending", "attempts": 0, "next_attempt_at": now}
        with self.db.write() as conn:
            return int(conn.execute(update(outbox).where(where).values(**values)).rowcount)


def _row(r: Row[tuple[object, ...]]) -> OutboxRow:
    m = r._mapping
    return OutboxRow(
        m["id"],
        m["key"],
        m["kind"],
        m["state"],
        m["attempts"],
        m["created_at"],
        m["next_attempt_at"],
        m["delivered_at"],
        m["last_error"],
    )
