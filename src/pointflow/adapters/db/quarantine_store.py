"""The quarantine: raw input that could not be applied, kept with the reason until an operator replays it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, insert, select, tuple_, update

from pointflow.adapters.db.engine import Database
from pointflow.adapters.db.tables import quarantine
from pointflow.domain.ids import new_id


@dataclass(frozen=True, slots=True)
class QuarantinedItem:
    id: str
    received_at: datetime
    connector: str
    source_id: str | None
    field: str | None
    reason: str
    raw: str
    status: str
    attempts: int


class SqlQuarantine:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(
        self,
        *,
        connector: str,
        raw: str,
        reason: str,
        field: str | None,
        source_id: str | None,
        at: datetime,
    ) -> str:
        item_id = new_id()
        with self.db.write() as conn:
            conn.execute(
                insert(quarantine).values(
                    id=item_id,
                    received_at=at,
                    connector=connector,
                    source_id=source_id,
                    field=field,
                    reason=reason,
                    raw=raw,
                    status="open",
                    attempts=0,
                )
            )
        return item_id

    def items(
        self, *, status: str | None = "open", limit: int = 50, offset: int = 0
    ) -> list[QuarantinedItem]:
        query = select(quarantine).order_by(quarantine.c.received_at, quarantine.c.id)
        if status:
            query = query.where(quarantine.c.status == status)
        with self.db.reader.connect() as conn:
            rows = conn.execute(query.limit(limit).offset(offset)).all()
        return [_item(r) for r in rows]

    def count(self, status: str | None = "open") -> int:
        query = select(func.count()).select_from(quarantine)
        if status:
            query = query.where(quarantine.c.status == status)
        with self.db.reader.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def iter_open(self, ids: list[str] | None = None, page: int = 500) -> Iterator[QuarantinedItem]:
        """Open items oldest first (or just `ids`), read in keyset pages so replays can change them."""
        after: tuple[datetime, str] | None = None
        while True:
            query = select(quarantine).where(quarantine.c.status == "open")
            if ids is not None:
                query = query.where(quarantine.c.id.in_(ids))
            if after is not None:
                query = query.where(tuple_(quarantine.c.received_at, quarantine.c.id) > after)
            with self.db.reader.connect() as conn:
                rows = conn.execute(
                    query.order_by(quarantine.c.received_at, quarantine.c.id).limit(page)
                ).all()
            yield from (_item(r) for r in rows)
            if len(rows) < page:
                return
            after = (rows[-1].received_at, rows[-1].id)

    def resolve(self, item_id: str, *, status: str, at: datetime) -> None:
        self._update(item_id, status=status, resolved_at=at, attempts=quarantine.c.attempts + 1)

    def failed_again(self, item_id: str, *, reason: str, field: str | None) -> None:
        self._update(item_id, reason=reason, field=field, attempts=quarantine.c.attempts + 1)

    def _update(self, item_id: str, **values: object) -> None:
        with self.db.write() as conn:
            conn.execute(update(quarantine).where(quarantine.c.id == item_id).values(**values))


def _item(row: Row[Any]) -> QuarantinedItem:
    return QuarantinedItem(**{k: getattr(row, k) for k in QuarantinedItem.__slots__})
