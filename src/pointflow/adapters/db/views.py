"""Read models for the API and CLI: straight SQL over the ledger, never through the write path."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from pointflow.adapters.db.tables import (
    accruals,
    legs,
    lots,
    member_scores,
    members,
    points_debts,
    postings,
    reversals,
)
from pointflow.service_layer.rule_trace import TRACE_FIELDS


def member_summary(conn: Connection, token: str) -> dict[str, Any] | None:
    member = conn.execute(select(members).where(members.c.token == token)).first()
    if member is None:
        return None
    expiring = conn.execute(
        select(lots.c.expires_on, func.sum(lots.c.remaining).label("points"))
        .where(lots.c.token == token, lots.c.state == "available", lots.c.remaining > 0)
        .group_by(lots.c.expires_on)
        .order_by(lots.c.expires_on)
    ).all()
    debts = conn.execute(
        select(func.count(), func.sum(points_debts.c.points)).where(points_debts.c.token == token)
    ).one()
    return {
        "tier": member.tier,
        "available": member.available,
        "pending": member.pending,
        "debt": member.debt,
        "expiring": [
            {
                "expires_on": None if r.expires_on is None else r.expires_on.isoformat(),
                "points": int(r.points),
            }
            for r in expiring
        ],
        "debt_records": int(debts[0]),
    }


def member_ledger(conn: Connection, token: str, *, limit: int, before: str | None) -> list[dict[str, Any]]:
    """The member's postings, newest first, each with all of its legs."""
    query = select(postings).where(postings.c.token == token)
    if before:
        query = query.where(postings.c.id < before)
    rows = conn.execute(query.order_by(postings.c.id.desc()).limit(limit)).all()
    by_posting: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if rows:
        for leg in conn.execute(
            select(legs).where(legs.c.posting_id.in_([r.id for r in rows])).order_by(legs.c.id)
        ):
            by_posting[leg.posting_id].append(
                {"account": leg.account, "member": leg.token is not None, "points": leg.points}
            )
    return [
        {
            "posting_id": r.id,
            "kind": r.kind,
            "occurred_at": r.occurred_at.isoformat(),
            "memo": r.memo,
            "legs": by_posting[r.id],
        }
        for r in rows
    ]


def explanation(conn: Connection, token: str, source_id: str) -> dict[str, Any] | None:
    accrual = conn.execute(
        select(accruals).where(accruals.c.token == token, accruals.c.source_id == source_id)
    ).first()
    if accrual is None:
        return None
    rules = [dict(zip(TRACE_FIELDS, row, strict=True)) for row in accrual.trace]
    reversed_rows = conn.execute(
        select(reversals).where(reversals.c.accrual_id == accrual.id).order_by(reversals.c.booked_at)
    ).all()
    return {
        "transaction_id": accrual.source_id,
        "source_system": accrual.source_system,
        "amount": str(accrual.amount),
        "currency": accrual.currency,
        "booked_at": accrual.booked_at.isoformat(),
        "mcc": accrual.mcc,
        "points": accrual.points,
        "exact_points": str(accrual.exact_points),
        "excluded_by": accrual.excluded_by,
        "programme_version": accrual.programme_version,
        "rules": rules,
        "summary": _summary(rules, accrual.points, accrual.excluded_by),
        "reversals": [
            {
                "kind": r.kind,
                "amount": str(r.amount),
                "points_clawed_back": r.points,
                "points_debt": r.debt_points,
                "booked_at": r.booked_at.isoformat(),
            }
            for r in reversed_rows
        ],
    }


def _summary(trace: list[dict[str, Any]], points: int, excluded_by: str | None) -> str:
    if excluded_by:
        return f"Earned nothing: excluded by rule {excluded_by}."
    applied = [t["rule_id"] for t in trace if t["outcome"] in ("applied", "capped") and t["rule_id"]]
    capped = [t["rule_id"] for t in trace if t["outcome"] == "capped"]
    text = f"Earned {points} points from: {', '.join(applied) or 'no rule'}."
    return text + (f" Capped: {', '.join(capped)}." if capped else "")


def ledger_totals(conn: Connection) -> dict[str, int]:
    rows = conn.execute(select(legs.c.account, func.sum(legs.c.points)).group_by(legs.c.account)).all()
    return {account: int(total) for account, total in rows}


def lots_expiring_between(conn: Connection, start: date, end: date) -> int:
    total = conn.execute(
        select(func.coalesce(func.sum(lots.c.remaining), 0)).where(
            lots.c.state == "available", and_(lots.c.expires_on >= start, lots.c.expires_on <= end)
        )
    ).scalar_one()
    return int(total)


def open_lot_totals(conn: Connection) -> dict[str, int]:
    rows = conn.execute(
        select(lots.c.state, func.sum(lots.c.remaining))
        .where(or_(lots.c.state == "available", lots.c.state == "pending"))
        .group_by(lots.c.state)
    ).all()
    return {state: int(total) for state, total in rows}


def latest_score(conn: Connection, token: str) -> dict[str, Any] | None:
    """The member's newest score record (ids are time-ordered), or None if never scored."""
    row = conn.execute(
        select(member_scores)
        .where(member_scores.c.token == token)
        .order_by(member_scores.c.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    r = row._mapping
    return {
        "model": r["model"],
        "source": r["source"],
        "fallback": r["source"] == "fallback-rule",
        "probability": r["probability"],
        "low_confidence": r["low_confidence"],
        "reasons": r["reasons"],
        "contributions": r["contributions"],
        "explained_by": r["explained_by"],
        "imputed": r["imputed"],
        "as_of": r["as_of"].isoformat(),
        "scored_at": r["scored_at"].isoformat(),
        "caused_by": {"source_system": r["source_system"], "source_id": r["source_id"]},
    }
