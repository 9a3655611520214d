"""Offer messages as composed: read back by id so that a redelivery carries the same words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from pointflow.adapters.db.engine import Database
from pointflow.adapters.db.tables import offer_messages
from pointflow.domain.offer_terms import Notice
from pointflow.intelligence.messages.compose import Composed


@dataclass(frozen=True, slots=True)
class MessageRow:
    id: str
    token: str
    offer_id: str
    channel: str
    locale: str
    template: str
    source: str
    note: str | None
    subject: str
    body: str
    created_at: datetime


class SqlMessages:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, key: str) -> Composed | None:
        row = self.row(key)
        if row is None:
            return None
        source: Literal["template", "rewrite"] = "rewrite" if row.source == "rewrite" else "template"
        return Composed(row.subject, row.body, row.template, row.locale, source, row.note)

    def add(self, *, key: str, token: str, notice: Notice, composed: Composed, at: datetime) -> None:
        """Record once: a second dispatcher that composed the same message concurrently keeps the first."""
        row = {
            "id": key,
            "token": token,
            "offer_id": notice.terms.offer_id,
            "channel": notice.channel,
            "locale": composed.locale,
            "template": composed.template,
            "source": composed.source,
            "note": composed.note,
            "subject": composed.subject,
            "body": composed.body,
            "created_at": at,
        }
        with self.db.write() as conn:
            conn.execute(_insert_once(conn.dialect.name).values(**row))

    def row(self, key: str) -> MessageRow | None:
        with self.db.reader.connect() as conn:
            found = conn.execute(select(offer_messages).where(offer_messages.c.id == key)).first()
        return MessageRow(**found._mapping) if found else None

    def for_offer(self, offer_id: str) -> list[MessageRow]:
        query = select(offer_messages).where(offer_messages.c.offer_id == offer_id)
        with self.db.reader.connect() as conn:
            return [MessageRow(**r._mapping) for r in conn.execute(query.order_by(offer_messages.c.id))]


def _insert_once(dialect: str) -> Any:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(offer_messages).on_conflict_do_nothing(index_elements=["id"])
