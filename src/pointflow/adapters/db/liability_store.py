"""What the liability forecast reads from the ledger: every lot with its outflows, and what points cost."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from pointflow.adapters.db.engine import Database
from pointflow.adapters.db.tables import lot_allocations, lots, postings, redemptions
from pointflow.intelligence.liability.model import LotHistory, Outflow

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
