"""What the liability forecast reads from the ledger (every lot with its outflows, what points cost) and where
its result is kept for the console (job_runs)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select

from pointflow.adapters.db.engine import Database
from pointflow.adapters.db.tables import job_runs, lot_allocations, lots, postings, redemptions
from pointflow.intelligence.liability.model import LotHistory, Outflow

FORECAST_JOB = "liability_forecast"
_KINDS = {"redeem": "redeem", "expire": "expire"}  # clawbacks and adjustments are "other"


def lot_histories(db: Database) -> list[LotHistory]:
    """Every lot, open or closed, with the dated outflows the lot allocations record."""
    flows = select(
        lot_allocations.c.lot_id, lot_allocations.c.points, postings.c.kind, postings.c.occurred_at
    ).join(postings, postings.c.id == lot_allocations.c.posting_id)
    by_lot: dict[str, list[Outflow]] = defaultdict(list)
    with db.reader.connect() as conn:
        for lot_id, points, kind, at in conn.execute(flows):
            by_lot[lot_id].append(Outflow(at.date(), int(points), _KINDS.get(kind, "other")))
        rows = conn.execute(select(lots.c.id, lots.c.points, lots.c.earned_on, lots.c.expires_on)).all()
    return [LotHistory(int(p), earned, expires, tuple(by_lot.get(i, ()))) for i, p, earned, expires in rows]


def value_per_point(db: Database, *, since: datetime) -> Decimal | None:
    """Money per point over the redemptions since `since` (what the mix of rewards actually cost)."""
    query = select(func.sum(redemptions.c.value), func.sum(redemptions.c.points)).where(
        redemptions.c.created_at >= since
    )
    with db.reader.connect() as conn:
        value, points = conn.execute(query).one()
    if not points:
        return None
    return Decimal(str(value)) / Decimal(int(points))


def record_forecast(db: Database, report: Mapping[str, Any], *, at: datetime) -> None:
    """Keep the forecast (`liability.report.summary`) in job_runs, replacing the same as-of date's, so the
    console shows the latest one without recomputing it."""
    as_of = date.fromisoformat(str(report["as_of"]))
    j = job_runs.c
    with db.write() as conn:
        conn.execute(delete(job_runs).where(j.job == FORECAST_JOB, j.as_of == as_of))
        conn.execute(
            insert(job_runs).values(job=FORECAST_JOB, as_of=as_of, started_at=at, result=dict(report))
        )


def latest_forecast(conn: Connection) -> dict[str, Any] | None:
    """The newest stored forecast (by as-of date, then run), with when it was computed; None if never run."""
    j = job_runs.c
    row = conn.execute(
        select(j.started_at, j.result)
        .where(j.job == FORECAST_JOB)
        .order_by(j.as_of.desc(), j.id.desc())
        .limit(1)
    ).first()
    return None if row is None else {**dict(row.result), "computed_at": row.started_at}
