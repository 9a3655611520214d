"""The audit explorer's reads: entries filtered by actor, action, subject (each a prefix) and time, paged."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, select

from pointflow.adapters.db.tables import audit_log
from pointflow.governance.audit import AuditEntry

_c = audit_log.c


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Empty fields filter nothing; `since` is inclusive, `until` exclusive."""

    actor: str = ""
    action: str = ""
    subject: str = ""
    since: datetime | None = None
    until: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = [
            column.startswith(value, autoescape=True)
            for column, value in (
                (_c.actor, self.actor),
                (_c.action, self.action),
                (_c.subject, self.subject),
            )
            if value
        ]
        if self.since is not None:
            found.append(_c.at >= self.since)
        if self.until is not None:
            found.append(_c.at < self.until)
        return found


def count_entries(conn: Connection, where: AuditFilter) -> int:
    query = select(func.count()).select_from(audit_log).where(*where.conditions())
    return int(conn.execute(query).scalar_one())


def find_entries(conn: Connection, where: AuditFilter, *, limit: int, offset: int) -> list[AuditEntry]:
    """Matching entries, newest first."""
    query: Select[Any] = select(audit_log).where(*where.conditions()).order_by(_c.seq.desc())
    rows = conn.execute(query.limit(limit).offset(offset)).all()
    return [
        AuditEntry(r.seq, r.at, r.actor, r.action, r.subject, json.loads(r.details), r.prev_hash, r.hash)
        for r in rows
    ]
