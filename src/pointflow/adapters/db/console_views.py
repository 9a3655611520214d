"""Read models for the console's overview: straight SQL over the ledger, never through the write path."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Connection, func, select

from pointflow.adapters.db.tables import postings


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
