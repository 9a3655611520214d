"""The saving features' month sums in SQL equal the reference on SQLite and PostgreSQL, pending included."""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import insert

from pointflow.adapters.db.ledger_session import SqlLedgerSession
from pointflow.adapters.db.tables import member_activity_days
from pointflow.bootstrap import Container
from pointflow.intelligence.serving.saving import months_from_buckets
from pointflow.intelligence.serving.windows import Bucket
from tests.integration.test_window_sums import END, random_buckets


def test_month_sums_in_sql_equal_the_reference_with_the_unflushed_buckets(container: Container) -> None:
    rng = random.Random(21)
    tokens = [f"tok{i}" for i in range(20)]
    stored = random_buckets(rng, tokens[:16], "USD") | random_buckets(rng, tokens, "EUR")
    pending = random_buckets(random.Random(22), tokens[8:18], "USD")
    # as-of days on the first and last day of a month and in between: month edges fall differently
    as_of = {t: END - timedelta(days=(0, 1, 17, 30)[i % 4]) for i, t in enumerate(tokens)}
    as_of["tok3"] = END - timedelta(days=600)  # every bucket after the as-of day
    with container.db.write() as conn:
        names = ("token", "day", "currency", "mcc", "spend_units", "txn_count", "points")
        rows = [dict(zip(names, (*k, *v), strict=True)) for k, v in stored.items()]
        conn.execute(insert(member_activity_days), rows)
        session = SqlLedgerSession(conn)
        session.activity.pending.update({k: list(v) for k, v in pending.items()})
        read = session.activity_months(list(as_of.items()), currency="USD")
        conn.rollback()
    usd: list[Bucket] = [
        (k[0], k[1], k[3], *v)  # type: ignore[misc]
        for source in (stored, pending)
        for k, v in source.items()
        if k[2] == "USD"
    ]
    assert read == months_from_buckets(as_of, usd)
    assert {"tok0", "tok17"} <= set(read)  # stored only; pending only
    assert "tok3" not in read  # nothing up to the as-of day
    assert "tok19" not in read  # nothing in USD
    assert as_of["tok1"] == date(2024, 5, 30)
    assert all(len(v) == 12 for v in read.values())
