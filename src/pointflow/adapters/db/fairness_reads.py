"""The offer outcomes that the fairness job measures, read into Polars frames for one window.

Only tokens, segments, states and values are read; the age band is joined from `member_attributes`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, or_, select

from pointflow.adapters.db.governance_store import band_rows
from pointflow.adapters.db.offer_tables import offer_decisions, offers
from pointflow.governance.fairness import APPROVED_STATES

UNITS_PER_MONEY = 10_000  # offers keep money in ten-thousandths (domain.money.to_units)
GUARDRAILS = "guardrails"  # the decider of an offer the guardrails refused at issue, not a person
OFFER_SCHEMA: dict[str, Any] = {
    "token": pl.String,
    "segment": pl.String,
    "proposed_at": pl.Datetime("us", "UTC"),
    "proposed": pl.Boolean,
    "needs_approval": pl.Boolean,
    "decided": pl.Boolean,
    "approved": pl.Boolean,
    "issued": pl.Boolean,
    "value": pl.Float64,
}

DECISION_SCHEMA: dict[str, Any] = {
    "token": pl.String,
    "segment": pl.String,
    "at": pl.Datetime("us", "UTC"),
    "id": pl.String,
}


def decided_members(conn: Connection, *, since: datetime, until: datetime) -> pl.DataFrame:
    """The tokens an offer decision was taken for in [since, until), each with the segment its latest
    decision recorded (null for records from before migration 0009)."""
    d = offer_decisions.c
    query = select(d.token, d.segment, d.at, d.id).where(d.at >= since, d.at < until)
    rows = [(str(r.token), r.segment, r.at, r.id) for r in conn.execute(query)]
    frame = pl.DataFrame(rows, schema=DECISION_SCHEMA, orient="row")
    return frame.sort("at", "id").group_by("token").agg(pl.col("segment").last())


def offer_frame(conn: Connection, *, since: datetime, until: datetime) -> pl.DataFrame:
    """Offers proposed, decided or issued in [since, until), each with what happened to it in the window."""
    o = offers.c
    inside = [(col >= since) & (col < until) for col in (o.proposed_at, o.decided_at, o.issued_at)]
    query = select(
        o.token,
        o.segment,
        o.proposed_at,
        o.state,
        o.approval_reasons,
        o.decided_by,
        o.decided_at,
        o.issued_at,
        o.value_units,
    ).where(or_(*inside))
    rows = [_row(r, since, until) for r in conn.execute(query)]
    return pl.DataFrame(rows, schema=OFFER_SCHEMA, orient="row")


def _within(at: datetime | None, since: datetime, until: datetime) -> bool:
    return at is not None and since <= at < until


def _row(r: Any, since: datetime, until: datetime) -> tuple[Any, ...]:
    human = r.decided_by is not None and r.decided_by != GUARDRAILS
    return (
        r.token,
        r.segment,
        r.proposed_at,
        _within(r.proposed_at, since, until),
        bool(r.approval_reasons),
        human and _within(r.decided_at, since, until),
        r.state in APPROVED_STATES,
        _within(r.issued_at, since, until),
        r.value_units / UNITS_PER_MONEY,
    )


def band_frame(conn: Connection) -> pl.DataFrame:
    rows = band_rows(conn)
    return pl.DataFrame(rows, schema={"token": pl.String, "age_band": pl.String}, orient="row")
