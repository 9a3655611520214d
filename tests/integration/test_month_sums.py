"""The saving features' month sums, read in the window sums' statement, equal the reference on SQLite and
PostgreSQL, pending included; the window sums read with them are unchanged."""

from __future__ import annotations

import random
from datetime import date, timedelta

from pointflow.bootstrap import Container
from pointflow.intelligence.serving.saving import months_from_buckets
from pointflow.intelligence.serving.windows import windows_from_buckets
from tests.integration.test_window_sums import END, as_dicts, random_buckets, read_back, usd_buckets


def test_month_sums_in_sql_equal_the_reference_with_the_unflushed_buckets(container: Container) -> None:
    rng = random.Random(21)
    tokens = [f"tok{i}" for i in range(20)]
    stored = random_buckets(rng, tokens[:16], "USD") | random_buckets(rng, tokens, "EUR")
    pending = random_buckets(random.Random(22), tokens[8:18], "USD")
    # as-of days on the first and last day of a month and in between: month edges fall differently
    as_of = {t: END - timedelta(days=(0, 1, 17, 30)[i % 4]) for i, t in enumerate(tokens)}
    as_of["tok3"] = END - timedelta(days=600)  # every bucket after the as-of day
    read = read_back(
        container,
        stored,
        pending,
        lambda s: s.activity_windows(list(as_of.items()), currency="USD", months=True),
    )
    buckets = usd_buckets(stored, pending)
    assert read.months == months_from_buckets(as_of, buckets)
    assert as_dicts(read) == as_dicts(windows_from_buckets(as_of, buckets))  # split by month, summed back
    assert {"tok0", "tok17"} <= set(read.months)  # stored only; pending only
    assert "tok3" not in read.months  # nothing up to the as-of day
    assert "tok19" not in read.months  # nothing in USD
    assert as_of["tok1"] == date(2024, 5, 30)
    assert all(len(v) == 12 for v in read.months.values())


def test_without_months_the_window_sums_read_none(container: Container) -> None:
    stored = random_buckets(random.Random(23), ["tok0", "tok1"], "USD")
    as_of = {"tok0": END, "tok1": END}
    read = read_back(container, stored, {}, lambda s: s.activity_windows(list(as_of.items()), currency="USD"))
    assert read.months == {}
    assert as_dicts(read) == as_dicts(windows_from_buckets(as_of, usd_buckets(stored, {})))
