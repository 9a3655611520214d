"""A commit group's online activity summed in SQL at each member's as-of day: two statements a group.

The model path needs, per member, sums over the 30/90/365-day windows ending on that member's as-of day
(`intelligence.serving.windows.SUMS`) and, per member and MCC, the spend of each window. Reading every
bucket row into Python cost about 50 rows a member; here the database sums them, reading each member's
buckets through the primary key, which starts with the token. The member statement labels each bucket
with its age band (`windows.BANDS`: one CASE a row, not one a sum) and sums per member and band; the
bands are disjoint, so every window's sum, distinct days included, is a sum of band rows, added here.
The group's own unflushed increments are a second branch after UNION ALL (a VALUES list joined to the
members), so a pending bucket on a day the database already holds is still one active day.

Driver-level SQL (`exec_driver_sql`): the text depends only on the dialect and on how many members and
pending buckets there are; every value is a bound parameter, converted here for the driver (dates as the
ISO text SQLAlchemy's `Date` stores on SQLite; typed casts on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
from sqlalchemy import Connection

from pointflow.adapters.db.driver_sql import Driver, as_date, driver
from pointflow.intelligence.features.definitions import ACTIVITY_WINDOWS
from pointflow.intelligence.serving.saving import SINCE_WINDOW, month_starts
from pointflow.intelligence.serving.windows import (
    BANDS,
    SINCE_DAYS,
    SUM_SPEC,
    SUMS,
    MemberWindows,
    bands_of,
    since,
)

PendingBuckets = Mapping[tuple[str, date, str, str], list[int]]  # (token, day, currency, mcc) → sums


@lru_cache(maxsize=16)  # the pending count varies by group: few hits, and each text is large
def _statements(postgres: bool, members: int, pending: int, months: bool) -> tuple[str, str]:
    """The per-member-and-band and the per-MCC statement for this many members and pending buckets.

    With `months`, the band rows are also split by calendar month over the as-of month and the
    SINCE_WINDOW − 1 before it (`back`, null for older buckets): the saving features' month sums come
    from the same pass over the buckets.
    """
    d = Driver(postgres)
    starts = [f"s{w}" for w in SINCE_DAYS]
    month_cols = [f"c{k}" for k in range(SINCE_WINDOW)] if months else []
    member = d.row("varchar", "date", *("date" for _ in (*starts, *month_cols)))
    columns = ", ".join((*starts, *month_cols))
    ctes = [f"m (token, as_of, {columns}) AS (VALUES {', '.join([member] * members)})"]
    if pending:
        bucket = d.row("varchar", "date", "varchar", "bigint", "bigint", "bigint")
        ctes.append(
            f"p (token, day, mcc, spend_units, txn_count, points) AS (VALUES {', '.join([bucket] * pending)})"
        )
    band = " ".join(f"WHEN {{t}}.day >= m.{s} THEN {i}" for i, s in enumerate(starts))
    band = f"CASE {band} ELSE {len(starts)} END"
    month = " ".join(f"WHEN {{t}}.day >= m.{c} THEN {k}" for k, c in enumerate(month_cols))
    month = f"CASE {month} END" if months else "NULL"

    def joined(extra: str, back: str = "") -> str:
        # `+day` on SQLite: a value without the column's NUMERIC affinity compares with the ISO text
        # parameters without a conversion attempt on every comparison.
        day = "b.day" if postgres else "+b.day"
        stored = (
            f"SELECT m.token, {day} AS day, b.mcc, b.spend_units, b.txn_count, b.points, "
            f"{band.format(t='b')} AS band{back.format(t='b')} FROM m JOIN member_activity_days b "
            f"ON b.token = m.token "
            f"AND b.currency = {d.mark('varchar')} AND b.day <= m.as_of{extra.format(t='b')}"
        )
        if pending:
            stored += (
                " UNION ALL SELECT m.token, p.day, p.mcc, p.spend_units, p.txn_count, p.points, "
                f"{band.format(t='p')}{back.format(t='p')} FROM m JOIN p ON p.token = m.token "
                "AND p.day <= m.as_of"
                f"{extra.format(t='p')}"
            )
        return f"WITH {', '.join(ctes)}, j AS ({stored}) "

    per_band = (
        joined("", f", {month} AS back")
        + "SELECT token, band, back, MIN(day), MAX(day), COUNT(DISTINCT day), SUM(txn_count), "
        "SUM(spend_units), SUM(points) FROM j GROUP BY token, band, back"
    )
    last = [max(bands_of(f"spend_units_{w}d")) for w in ACTIVITY_WINDOWS]
    spend = ", ".join(f"SUM(CASE WHEN band <= {i} THEN spend_units ELSE 0 END)" for i in last)
    per_mcc = (
        joined(f" AND {{t}}.day >= m.s{max(ACTIVITY_WINDOWS)}")
        + f"SELECT token, mcc, {spend} FROM j GROUP BY token, mcc"
    )
    return per_band, per_mcc


def window_sums(
    conn: Connection,
    pending: PendingBuckets,
    members: Sequence[tuple[str, date]],
    *,
    currency: str,
    months: bool = False,
) -> MemberWindows:
    """The SUMS of each member (token, as-of day) over the stored buckets and this transaction's pending;
    with `months`, also each member's points by calendar month (`MemberWindows.months`)."""
    out = MemberWindows()
    if not members:
        return out
    d = driver(conn)
    wanted = {token for token, _ in members}
    params: list[object] = []
    for token, as_of in members:
        params += [token, d.day(as_of), *(d.day(s) for s in since(as_of))]
        if months:
            params += [d.day(s) for s in month_starts(as_of)]
    waiting = [(k, v) for k, v in pending.items() if k[0] in wanted and k[2] == currency]
    for (token, day, _, mcc), sums in waiting:
        params += [token, d.day(day), mcc, *sums]
    params.append(currency)
    per_band, per_mcc = _statements(d.postgres, len(members), len(waiting), months)
    values = tuple(params)
    _add_members(out, conn.exec_driver_sql(per_band, values).fetchall())
    by_mcc: Any = conn.exec_driver_sql(per_mcc, values).fetchall()
    # PostgreSQL sums BIGINT into NUMERIC, which the driver hands back as Decimal; SQLite gives ints
    out.by_mcc = [(t, m, int(a), int(b), int(c)) for t, m, a, b, c in by_mcc] if d.postgres else by_mcc
    return out


def _add_members(out: MemberWindows, rows: Sequence[Sequence[Any]]) -> None:
    """The band rows (token, band, month back or null, first, last, days, transactions, spend, points)
    summed into SUMS, and where the month is known into the points by month. A band's rows of different
    months add up, distinct days included: a day falls in one month."""
    index: dict[str, int] = {}
    days: dict[str, list[Any]] = {}
    for token, _, back, first, last, *_, points in rows:
        index.setdefault(token, len(index))
        seen = days.setdefault(token, [first, last])
        seen[0], seen[1] = min(seen[0], first), max(seen[1], last)  # ISO text on SQLite: ordered as dates
        if back is not None:  # only with `months`: a member with no bucket in the window has no entry
            out.months.setdefault(token, [0] * SINCE_WINDOW)[int(back)] += int(points)
    cube = np.zeros((len(index), len(BANDS), len(_MEASURE)), dtype=np.int64)
    if rows:
        at = np.array([index[r[0]] for r in rows], dtype=np.int64)
        band = np.array([r[1] for r in rows], dtype=np.int64)
        np.add.at(cube, (at, band), np.array([[int(v) for v in r[5:]] for r in rows], dtype=np.int64))
    out.tokens = list(index)
    out.first_day = [as_date(days[t][0]) for t in index]
    out.last_day = [as_date(days[t][1]) for t in index]
    out.sums = {name: cube[:, list(bands), k].sum(axis=1).tolist() for name, (k, bands) in _PLAN.items()}


_MEASURE = {"active_days": 0, "txn_count": 1, "spend_units": 2, "points": 3}  # the band row after the days
_PLAN = {name: (_MEASURE[SUM_SPEC[name][0]], bands_of(name)) for name in SUMS}
