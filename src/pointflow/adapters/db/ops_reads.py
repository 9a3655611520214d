"""The console's outbox and quarantine lists: filters and pages over the tables the CLI lists whole."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, select

from pointflow.adapters.db.outbox_store import OutboxRow, _row
from pointflow.adapters.db.quarantine_store import QuarantinedItem, _item
from pointflow.adapters.db.tables import outbox, quarantine


@dataclass(frozen=True, slots=True)
class Page:
    rows: list[Any]
    total: int


def outbox_page(
    conn: Connection, *, state: str = "", kind: str = "", key: str = "", limit: int, offset: int
) -> Page:
    """Outbox messages, newest first, by state, kind and key prefix."""
    c = outbox.c
    where: list[ColumnElement[bool]] = []
    if state:
        where.append(c.state == state)
    if kind:
        where.append(c.kind == kind)
    if key:
        where.append(c.key.startswith(key, autoescape=True))
    total = conn.execute(select(func.count()).select_from(outbox).where(*where)).scalar_one()
    query = select(outbox).where(*where).order_by(c.created_at.desc(), c.id.desc())
    rows: list[OutboxRow] = [_row(r) for r in conn.execute(query.limit(limit).offset(offset))]
    return Page(rows, int(total))


def quarantine_page(
    conn: Connection, *, status: str = "", connector: str = "", limit: int, offset: int
) -> Page:
    """Quarantined items, oldest first (the order a replay takes), by status and connector."""
    c = quarantine.c
    where: list[ColumnElement[bool]] = []
    if status:
        where.append(c.status == status)
    if connector:
        where.append(c.connector == connector)
    total = conn.execute(select(func.count()).select_from(quarantine).where(*where)).scalar_one()
    query = select(quarantine).where(*where).order_by(c.received_at, c.id)
    rows: list[QuarantinedItem] = [_item(r) for r in conn.execute(query.limit(limit).offset(offset))]
    return Page(rows, int(total))


def outbox_kinds(conn: Connection) -> list[str]:
    return [str(k) for k in conn.execute(select(outbox.c.kind).distinct().order_by(outbox.c.kind)).scalars()]
