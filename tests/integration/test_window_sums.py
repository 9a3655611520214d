"""The model path's set-based read equals the reference sums on SQLite and PostgreSQL, pending buckets too."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, TypeVar

from sqlalchemy import insert

from pointflow.adapters.db.ledger_session import SqlLedgerSession
from pointflow.adapters.db.tables import member_activity_days
from pointflow.bootstrap import Container
from pointflow.intelligence.serving.windows import Bucket, MemberWindows, windows_from_buckets

END = date(2024, 5, 31)
MCCS = ("5411", "4111", "5812", "5999", "")


def as_dicts(windows: MemberWindows) -> tuple[dict[str, Any], dict[tuple[str, str], tuple[int, ...]]]:
    members = {
        t: (f, last, *(windows.sums[name][i] for name in windows.sums))
        for i, (t, f, last) in enumerate(
            zip(windows.tokens, windows.first_day, windows.last_day, strict=True)
        )
    }
    return members, {(r[0], r[1]): tuple(r[2:]) for r in windows.by_mcc}


def random_buckets(rng: random.Random, tokens: list[str], currency: str) -> dict[tuple[Any, ...], list[int]]:
    found: dict[tuple[Any, ...], list[int]] = {}
    for _ in range(1_500):
        key = (rng.choice(tokens), END - timedelta(days=rng.randrange(-5, 500)), currency, rng.choice(MCCS))
        sums = found.setdefault(key, [0, 0, 0])
        for i, high in enumerate((4_000_000, 3, 400)):
            sums[i] += rng.randrange(1, high)
    return found


def test_window_sums_in_sql_equal_the_reference_with_the_unflushed_buckets(container: Container) -> None:
    rng = random.Random(11)
    tokens = [f"tok{i}" for i in range(20)]
    stored = random_buckets(rng, tokens[:16], "USD") | random_buckets(rng, tokens, "EUR")
    # pending: on days the database holds (same and new MCC), on new days, for members with nothing stored
    pending = random_buckets(random.Random(12), tokens[8:18], "USD")
    as_of = {t: END - timedelta(days=i % 4) for i, t in enumerate(tokens)}
    as_of["tok3"] = END - timedelta(days=600)  # every bucket after the as-of day: no activity row
    read = read_back(
        container, stored, pending, lambda s: s.activity_windows(list(as_of.items()), currency="USD")
    )
    expected = windows_from_buckets(as_of, usd_buckets(stored, pending))
    assert as_dicts(read) == as_dicts(expected)
    assert "tok3" not in read.tokens  # every bucket after the as-of day
    assert "tok19" not in read.tokens  # nothing in USD
    assert {"tok0", "tok17"} <= set(read.tokens)  # stored only; pending only
    overlapping = {(k[0], k[1]) for k in pending} & {(k[0], k[1]) for k in stored if k[2] == "USD"}
    assert overlapping  # the distinct-day counts were tested where pending and stored share a day


Buckets = dict[tuple[Any, ...], list[int]]
T = TypeVar("T")


def read_back(
    container: Container, stored: Buckets, pending: Buckets, read: Callable[[SqlLedgerSession], T]
) -> T:
    """`read` in a transaction holding `stored` in the table and `pending` as the session's own increments."""
    with container.db.write() as conn:
        names = ("token", "day", "currency", "mcc", "spend_units", "txn_count", "points")
        rows = [dict(zip(names, (*k, *v), strict=True)) for k, v in stored.items()]
        conn.execute(insert(member_activity_days), rows)
        session = SqlLedgerSession(conn)
        session.activity.pending.update({k: list(v) for k, v in pending.items()})
        found = read(session)
        conn.rollback()
    return found


def usd_buckets(stored: Buckets, pending: Buckets) -> list[Bucket]:
    """Every USD bucket, stored or pending, as the plain-Python references take them."""
    return [
        (k[0], k[1], k[3], *v) for source in (stored, pending) for k, v in source.items() if k[2] == "USD"
    ]
