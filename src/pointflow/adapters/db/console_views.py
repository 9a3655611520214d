"""Read models for the console's overview: postings per day and per minute, offer counts; straight SQL over
the ledger, never through the write path."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Connection, and_, case, func, select

from pointflow.adapters.db.offer_tables import offers
from pointflow.adapters.db.tables import postings
from pointflow.domain.offers import OfferState


def postings_per_day(conn: Connection, *, days: int) -> list[tuple[date, int]]:
    """Postings per booking day over the `days` days up to the newest posting (ids are time-ordered)."""
    newest = conn.execute(select(postings.c.occurred_at).order_by(postings.c.id.desc()).limit(1)).scalar()
    if newest is None:
        return []
    start = datetime.combine(newest.date() - timedelta(days=days - 1), datetime.min.time(), newest.tzinfo)
    column = postings.c.occurred_at
    # PostgreSQL's date() of a timestamptz follows the session's time zone; the day is UTC's.
    day = func.date(func.timezone("UTC", column) if conn.dialect.name == "postgresql" else column)
    rows = conn.execute(
        select(day, func.count()).where(postings.c.occurred_at >= start).group_by(day).order_by(day)
    ).all()
    counts = {_as_date(d): int(n) for d, n in rows}
    first = start.date()
    return [(first + timedelta(days=i), counts.get(first + timedelta(days=i), 0)) for i in range(days)]


def _as_date(value: object) -> date:
    # SQLite's date() gives text, PostgreSQL's a date.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def postings_per_minute(conn: Connection, *, minutes: int) -> list[tuple[datetime, int]]:
    """Postings per minute (UTC) over the `minutes` minutes up to the newest posting."""
    newest = conn.execute(select(postings.c.occurred_at).order_by(postings.c.id.desc()).limit(1)).scalar()
    if newest is None:
        return []
    end = newest.replace(second=0, microsecond=0)
    start = end - timedelta(minutes=minutes - 1)
    column = postings.c.occurred_at
    if conn.dialect.name == "postgresql":
        minute = func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24:MI")
    else:
        minute = func.strftime("%Y-%m-%d %H:%M", column)
    rows = conn.execute(
        select(minute, func.count()).where(column >= start).group_by(minute).order_by(minute)
    ).all()
    counts = {str(m): int(n) for m, n in rows}
    slots = [start + timedelta(minutes=i) for i in range(minutes)]
    return [(slot, counts.get(slot.strftime("%Y-%m-%d %H:%M"), 0)) for slot in slots]


def offer_counts(conn: Connection) -> dict[str, int]:
    """Offers proposed (every offer), waiting for a person, approved by one, rejected, and issued."""
    c = offers.c
    person_approved = and_(c.decided_by.is_not(None), c.state != OfferState.REJECTED.value)
    row = conn.execute(
        select(
            func.count(),
            _count(c.state == OfferState.PENDING_APPROVAL.value),
            _count(person_approved),
            _count(c.state == OfferState.REJECTED.value),
            _count(c.issued_at.is_not(None)),
        )
    ).one()
    names = ("proposed", "pending", "approved", "rejected", "issued")
    return {name: int(value or 0) for name, value in zip(names, row, strict=True)}


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))
