"""Console actions that change operational state or read personal data, each with its audit entry in the
same transaction (the hash-chained log)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, update

from pointflow.adapters.db.audit_store import open_appender
from pointflow.adapters.db.engine import Database
from pointflow.adapters.db.tables import outbox


def audit(
    db: Database, *, at: datetime, actor: str, action: str, subject: str, details: Mapping[str, Any]
) -> None:
    """One entry in a transaction of its own: for reads (personal data, the chain check) and for outcomes."""
    with db.write() as conn:
        _append(conn, at=at, actor=actor, action=action, subject=subject, details=details)


def retry_dead_letter(db: Database, message_id: str, *, at: datetime, actor: str) -> bool:
    """Send one dead letter round again with a fresh attempt budget; False (and nothing audited) if it is
    not a dead letter."""
    query = (
        update(outbox)
        .where(outbox.c.id == message_id, outbox.c.state == "dead")
        .values(state="pending", attempts=0, next_attempt_at=at)
    )
    with db.write() as conn:
        if conn.execute(query).rowcount != 1:
            return False
        details = {"message_id": message_id}
        _append(
            conn,
            at=at,
            actor=actor,
            action="console.outbox_retry",
            subject=f"outbox:{message_id}",
            details=details,
        )
    return True


def _append(
    conn: Connection, *, at: datetime, actor: str, action: str, subject: str, details: Mapping[str, Any]
) -> None:
    appender = open_appender(conn)
    appender.add(at=at, actor=actor, action=action, subject=subject, details=details)
    appender.flush(conn)
