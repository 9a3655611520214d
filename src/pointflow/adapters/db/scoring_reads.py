"""The rule's and the redemption reads for scoring inside the accrual's transaction, unflushed buckets added.

The accrual buffers its bucket increments until the transaction flushes (`activity_store`), so every
bucket read adds the pending increments to what the database holds: the score sees the group's own
transactions. The model path's window sums are `window_sums`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, date
from functools import lru_cache

from sqlalchemy import Connection, func, select

from pointflow.adapters.db.activity_store import BucketKey
from pointflow.adapters.db.driver_sql import Driver, driver
from pointflow.adapters.db.tables import redemptions
from pointflow.service_layer.ports import RedemptionEvent, RedemptionTotal

Pending = Mapping[BucketKey, list[int]]  # (token, day, currency, mcc) → [spend units, transactions, points]


def _pending(pending: Pending, tokens: Collection[str], currency: str) -> list[tuple[BucketKey, list[int]]]:
    wanted = set(tokens)
    return [(k, v) for k, v in pending.items() if k[0] in wanted and k[2] == currency]


@lru_cache(maxsize=64)
def _recent_points_sql(postgres: bool, members: int) -> str:
    d = Driver(postgres)
    return (
        f"SELECT token, SUM(points) FROM member_activity_days WHERE token IN ({d.marks('varchar', members)}) "
        f"AND currency = {d.mark('varchar')} AND day >= {d.mark('date')} AND day <= {d.mark('date')} "
        "GROUP BY token"
    )


def recent_points(
    conn: Connection, pending: Pending, tokens: Collection[str], *, since: date, until: date, currency: str
) -> dict[str, int]:
    """One aggregate a group, in driver SQL: SQLAlchemy's expanding IN cost more than the query."""
    d = driver(conn)
    wanted = list(tokens)
    params = (*wanted, currency, d.day(since), d.day(until))
    rows = conn.exec_driver_sql(_recent_points_sql(d.postgres, len(wanted)), params)
    points = {token: int(total) for token, total in rows}
    for (token, day, _, _), sums in _pending(pending, wanted, currency):
        if since <= day <= until:
            points[token] = points.get(token, 0) + sums[2]
    return points


def redemption_totals(conn: Connection, tokens: Collection[str]) -> list[RedemptionTotal]:
    r = redemptions.c
    query = (
        select(r.token, r.reward_id, func.count(), func.sum(r.points), func.max(r.created_at))
        .where(r.token.in_(list(tokens)))
        .group_by(r.token, r.reward_id)
    )
    return [
        (t, reward, int(n), int(p), last.astimezone(UTC).date())
        for t, reward, n, p, last in conn.execute(query)
    ]


def redemption_events(conn: Connection, tokens: Collection[str]) -> list[RedemptionEvent]:
    """Every redemption of the members, oldest first: the saving features' last and first redemption."""
    r = redemptions.c
    query = select(r.token, r.created_at, r.points).where(r.token.in_(list(tokens))).order_by(r.created_at)
    return [(t, at.astimezone(UTC).date(), int(p)) for t, at, p in conn.execute(query)]
