"""Appending to and reading the hash-chained audit log in SQL."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, text, update

from pointflow.adapters.db.bulk import bulk_insert
from pointflow.adapters.db.tables import audit_head, audit_log
from pointflow.governance.audit import GENESIS, AuditEntry, canonical, entry_hash

_HEAD_ID = 1


@dataclass(slots=True)
class AuditAppender:
    """Chains entries onto the head read under lock; `flush` writes them and moves the head."""

    seq: int
    prev_hash: str
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, *, at: datetime, actor: str, action: str, subject: str, details: Mapping[str, Any]) -> None:
        body = canonical(details)
        seq = self.seq + 1
        digest = entry_hash(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            details=body,
            prev_hash=self.prev_hash,
        )
        self.rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": actor,
                "action": action,
                "subject": subject,
                "details": body,
                "prev_hash": self.prev_hash,
                "hash": digest,
            }
        )
        self.seq, self.prev_hash = seq, digest

    def flush(self, conn: Connection) -> None:
        if not self.rows:
            return
        bulk_insert(conn, audit_log, self.rows)
        conn.execute(
            update(audit_head).where(audit_head.c.id == _HEAD_ID).values(seq=self.seq, hash=self.prev_hash)
        )
        self.rows.clear()


def open_appender(conn: Connection) -> AuditAppender:
    """Lock the chain head for this transaction (PostgreSQL) and start appending after it."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(7301)"))
    head = conn.execute(
        select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == _HEAD_ID)
    ).first()
    if head is None:
        conn.execute(insert(audit_head).values(id=_HEAD_ID, seq=0, hash=GENESIS))
        return AuditAppender(0, GENESIS)
    return AuditAppender(int(head.seq), str(head.hash))


def read_head(conn: Connection) -> tuple[int, str]:
    head = conn.execute(
        select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == _HEAD_ID)
    ).first()
    return (0, GENESIS) if head is None else (int(head.seq), str(head.hash))


def iter_entries(conn: Connection, batch: int = 5000) -> Iterator[AuditEntry]:
    """Every entry in sequence order, read in keyset pages so memory stays flat."""
    after = 0
    while True:
        rows = conn.execute(
            select(audit_log).where(audit_log.c.seq > after).order_by(audit_log.c.seq).limit(batch)
        ).all()
        for r in rows:
            yield AuditEntry(
                r.seq,
                r.at,
                r.actor,
                r.action,
                r.subject,
                json.loads(r.details),
                r.prev_hash,
                r.hash,
            )
        if len(rows) < batch:
            return
        after = rows[-1].seq
