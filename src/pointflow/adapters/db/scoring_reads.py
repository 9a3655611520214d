"""The online feature state read for scoring inside the accrual's transaction, its unflushed buckets added.

The accrual buffers its bucket increments until the transaction flushes (`activity_store`), so every read
here adds the pending increments to what the database holds: the score sees the group's own transactions.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, date
from typing import Any

from sqlalchemy import Connection, func, select

from pointflow.adapters.db.activity_store import BucketKey
from pointflow.adapters.db.tables import member_activity_days as buckets
from pointflow.adapters.db.tables import redemptions
from pointflow.service_layer.ports import ActivityRow, OlderTotals, RedemptionTotal

Pending = Mapping[BucketKey, list[int]]  # (token, day, currency, mcc) → [spend units, transactions, points]
_b = buckets.c


def _pending(pending: Pending, tokens: Collection[str], currency: str) -> list[tuple[BucketKey, list[int]]]:
    wanted = set(tokens)
    return [(k, v) for k, v in pending.items() if k[0] in wanted and k[2] == currency]


def _mine(tokens: Collection[str], currency: str) -> Any:
    return (_b.token.in_(list(tokens))) & (_b.currency == currency)


def recent_points(
    conn: Connection, pending: Pending, tokens: Collection[str], *, since: date, until: date, currency: str
) -> dict[str, int]:
    query = (
        select(_b.token, func.sum(_b.points))
        .where(_mine(tokens, currency), _b.day >= since, _b.day <= until)
        .group_by(_b.token)
    )
    points = {token: int(total) for token, total in conn.execute(query)}
    for (token, day, _, _), sums in _pending(pending, tokens, currency):
        if since <= day <= until:
            points[token] = points.get(token, 0) + sums[2]
    return points


def activity_rows(
    conn: Connection, pending: Pending, tokens: Collection[str], *, since: date, currency: str
) -> list[ActivityRow]:
    query = select(_b.token, _b.day, _b.mcc, _b.spend_units, _b.txn_count, _b.points).where(
        _mine(tokens, currency), _b.day >= since
    )
    rows: dict[tuple[str, date, str], list[int]] = {
        (r[0], r[1], r[2]): [r[3], r[4], r[5]] for r in conn.execute(query)
    }
    for (token, day, _, mcc), sums in _pending(pending, tokens, currency):
        if day >= since:
            stored = rows.setdefault((token, day, mcc), [0, 0, 0])
            for i in range(3):
                stored[i] += sums[i]
    return [(*key, *sums) for key, sums in rows.items()]  # type: ignore[misc]


def activity_before(
    conn: Connection, pending: Pending, tokens: Collection[str], *, before: date, currency: str
) -> dict[str, OlderTotals]:
    query = (
        select(
            _b.token,
            func.min(_b.day),
            func.max(_b.day),
            func.sum(_b.txn_count),
            func.sum(_b.spend_units),
            func.sum(_b.points),
        )
        .where(_mine(tokens, currency), _b.day < before)
        .group_by(_b.token)
    )
    totals = {r[0]: (r[1], r[2], int(r[3]), int(r[4]), int(r[5])) for r in conn.execute(query)}
    for (token, day, _, _), (spend, count, points) in _pending(pending, tokens, currency):
        if day < before:
            first, last, n, s, p = totals.get(token, (day, day, 0, 0, 0))
            totals[token] = (min(first, day), max(last, day), n + count, s + spend, p + points)
    return totals


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
