"""A commit group's points by calendar month, summed in SQL at each member's as-of day: one statement a group.

The saving features (`intelligence.serving.saving`) read each member's points in the as-of month and the
eleven before it. As `window_sums` does for the day windows, the statement labels each bucket with its
month (a CASE on the member's month starts, bound parameters) and sums per member and month, reading the
buckets through the primary key; the group's unflushed increments are a UNION ALL branch. Only a model
that reads the saving features runs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache

from sqlalchemy import Connection

from pointflow.adapters.db.driver_sql import Driver, driver
from pointflow.adapters.db.window_sums import PendingBuckets
from pointflow.intelligence.serving.saving import SINCE_WINDOW, month_starts


@lru_cache(maxsize=16)
def _statement(postgres: bool, members: int, pending: int) -> str:
    d = Driver(postgres)
    starts = [f"c{k}" for k in range(SINCE_WINDOW)]
    member = d.row("varchar", "date", *("date" for _ in starts))
    ctes = [f"m (token, as_of, {', '.join(starts)}) AS (VALUES {', '.join([member] * members)})"]
    if pending:
        bucket = d.row("varchar", "date", "bigint")
        ctes.append(f"p (token, day, points) AS (VALUES {', '.join([bucket] * pending)})")
    month = " ".join(f"WHEN {{t}}.day >= m.{c} THEN {k}" for k, c in enumerate(starts))
    day = "b.day" if postgres else "+b.day"  # as in window_sums: no affinity conversion on SQLite
    stored = (
        f"SELECT m.token, CASE {month.format(t='b')} END AS back, b.points FROM m "
        f"JOIN member_activity_days b ON b.token = m.token AND b.currency = {d.mark('varchar')} "
        f"AND {day} <= m.as_of AND {day} >= m.{starts[-1]}"
    )
    if pending:
        stored += (
            f" UNION ALL SELECT m.token, CASE {month.format(t='p')} END, p.points FROM m "
            f"JOIN p ON p.token = m.token AND p.day <= m.as_of AND p.day >= m.{starts[-1]}"
        )
    return (
        f"WITH {', '.join(ctes)}, j AS ({stored}) SELECT token, back, SUM(points) FROM j GROUP BY token, back"
    )


def month_sums(
    conn: Connection, pending: PendingBuckets, members: Sequence[tuple[str, date]], *, currency: str
) -> dict[str, list[int]]:
    """Per member (token, as-of day) with points in the window: [the as-of month, the month before, …]."""
    if not members:
        return {}
    d = driver(conn)
    wanted = {token for token, _ in members}
    params: list[object] = []
    for token, as_of in members:
        params += [token, d.day(as_of), *(d.day(s) for s in month_starts(as_of))]
    waiting = [(k, v) for k, v in pending.items() if k[0] in wanted and k[2] == currency]
    for (token, day, _, _), sums in waiting:
        params += [token, d.day(day), sums[2]]
    params.append(currency)
    out: dict[str, list[int]] = {}
    for token, back, points in conn.exec_driver_sql(
        _statement(d.postgres, len(members), len(waiting)), tuple(params)
    ):
        out.setdefault(token, [0] * SINCE_WINDOW)[int(back)] += int(points)
    return out
