"""The saving features' month sums in SQL equal the reference on SQLite and PostgreSQL, pending included."""

from __future__ import annotations

import random
from datetime import date, timedelta

from pointflow.bootstrap import Container
from pointflow.intelligence.serving.saving import months_from_buckets
from tests.integration.test_window_sums import END, random_buckets, read_back, usd_buckets


def test_month_sums_in_sql_equal_the_reference_with_the_unflushed_buckets(container: Container) -> None:
    rng = random.Random(21)
    tokens = [f"tok{i}" for i in range(20)]
    stored = random_buckets(rng, tokens[:16], "USD") | random_buckets(rng, tokens, "EUR")
    pending = random_buckets(random.Random(22), tokens[8:18], "USD")
    # as-of days on the first and last day of a month and in between: month edges fall differently
    as_of = {t: END - timedelta(days=(0, 1, 17, 30)[i % 4]) for i, t in enumerate(tokens)}
    as_of["tok3"] = END - timedelta(days=600)  # every bucket after the as-of day
    read = read_back(
        container, stored, pending, lambda s: s.activity_months(list(as_of.items()), currency="USD")
    )
    assert read == months_from_buckets(as_of, usd_buckets(stored, pending))
    assert {"tok0", "tok17"} <= set(read)  # stored only; pending only
    assert "tok3" not in read  # nothing up to the as-of day
    assert "tok19" not in read  # nothing in USD
    assert as_of["tok1"] == date(2024, 5, 30)
    assert all(len(v) == 12 for v in read.values())
