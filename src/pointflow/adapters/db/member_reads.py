"""The console's member 360 reads that the API's views do not have: lots, scores per model, decisions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from pointflow.adapters.db.offer_tables import offer_decisions
from pointflow.adapters.db.offer_views import in_words
from pointflow.adapters.db.tables import accruals, identity_vault, lots, member_scores

SCORE_ROWS = 50  # the newest score rows read to find each model's latest


def customer_id_of(conn: Connection, token: str) -> str | None:
    """The core's id for a member (the identity vault); only used to ask the core for their master record."""
    query = select(identity_vault.c.customer_id).where(identity_vault.c.token == token)
    value = conn.execute(query).scalar_one_or_none()
    return None if value is None else str(value)


def open_lots(conn: Connection, token: str, *, limit: int = 100) -> list[dict[str, Any]]:
    """The member's lots still holding points (pending or available), soonest expiry first."""
    c = lots.c
    query = (
        select(c.id, c.points, c.remaining, c.earned_on, c.expires_on, c.release_on, c.state)
        .where(c.token == token, c.state.in_(["pending", "available"]), c.remaining > 0)
        .order_by(c.expires_on.is_(None), c.expires_on, c.earned_on, c.id)
        .limit(limit)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def latest_scores(conn: Connection, token: str) -> list[dict[str, Any]]:
    """Each model's newest score of the member (ids are time-ordered), by model name."""
    query = (
        select(member_scores)
        .where(member_scores.c.token == token)
        .order_by(member_scores.c.id.desc())
        .limit(SCORE_ROWS)
    )
    newest: dict[str, dict[str, Any]] = {}
    for row in conn.execute(query):
        newest.setdefault(row.model, dict(row._mapping))
    return [newest[model] for model in sorted(newest)]


def member_decisions(conn: Connection, token: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """The member's offer decisions, newest first, each told in words."""
    d = offer_decisions.c
    query = select(offer_decisions).where(d.token == token).order_by(d.at.desc(), d.id.desc()).limit(limit)
    found = []
    for row in conn.execute(query):
        record = dict(row._mapping)
        record["explored"] = bool(row.explored)
        record["in_words"] = in_words(record)
        found.append(record)
    return found


def recent_accruals(conn: Connection, token: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """The member's newest transactions as accrued, earning or not: each opens a "why / why not"."""
    c = accruals.c
    query = (
        select(c.source_system, c.source_id, c.booked_at, c.amount, c.currency, c.points, c.excluded_by)
        .where(c.token == token)
        .order_by(c.booked_at.desc(), c.id.desc())
        .limit(limit)
    )
    return [dict(r._mapping) for r in conn.execute(query)]
