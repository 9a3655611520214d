"""What the hot path's set-based read sums per member at their as-of day: the contract of SQL and features.

`windows_from_buckets` is the definition in plain Python, on bucket rows; the database adapter computes the
same sums in one SQL statement per commit group (a test holds the two equal on SQLite and PostgreSQL), and
`features.window_columns` turns them into the model's columns. No numerical library here: the rule path
imports the service layer's ports, which name these types.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from itertools import pairwise

from pointflow.intelligence.features.definitions import ACTIVITY_WINDOWS, VELOCITY_WINDOW

# (token, day, mcc, spend_units, txn_count, points) of one bucket in the programme's currency
Bucket = tuple[str, date, str, int, int, int]
# (token, mcc, spend units of the last 30, 90 and 365 days): the category shares' input
MccSpend = tuple[str, str, int, int, int]

END = 1 << 30  # an age no bucket reaches: "every day up to the as-of day"
# Each sum is of one measure over the buckets whose age (days before the as-of day) is in [first, end).
SUM_SPEC: dict[str, tuple[str, int, int]] = {
    "txn_count": ("txn_count", 0, END),
    "spend_units": ("spend_units", 0, END),
    "points": ("points", 0, END),
    **{
        f"{measure}_{w}d": (measure, 0, w)
        for w in ACTIVITY_WINDOWS
        for measure in ("txn_count", "spend_units", "active_days")
    },
    "txn_count_prev_30d": ("txn_count", VELOCITY_WINDOW, 2 * VELOCITY_WINDOW),
    "spend_units_prev_30d": ("spend_units", VELOCITY_WINDOW, 2 * VELOCITY_WINDOW),
    "points_30d": ("points", 0, 30),
    "points_90d": ("points", 0, 90),
}
SUMS = tuple(SUM_SPEC)
# The ages where some sum starts or ends cut the days into disjoint bands; a sum is a sum over bands.
_CUTS = sorted({0, END} | {age for _, first, end in SUM_SPEC.values() for age in (first, end)})
BANDS: tuple[tuple[int, int], ...] = tuple(pairwise(_CUTS))
SINCE_DAYS = tuple(end for _, end in BANDS[:-1])  # the windows ending on the as-of day that bound a band


def bands_of(name: str) -> tuple[int, ...]:
    """The positions in BANDS of the bands a sum covers."""
    _, first, end = SUM_SPEC[name]
    return tuple(i for i, (low, high) in enumerate(BANDS) if first <= low and high <= end)


@lru_cache(maxsize=64)
def since(as_of: date) -> tuple[date, ...]:
    """The first day of each window in SINCE_DAYS that ends on `as_of` (`as_of` itself is the 1-day one)."""
    return tuple(as_of - timedelta(days=w - 1) for w in SINCE_DAYS)


@dataclass
class MemberWindows:
    """Per member with a bucket on or before their as-of day: first and last day, the SUMS; by MCC, spend."""

    tokens: list[str] = field(default_factory=list)
    first_day: list[date] = field(default_factory=list)
    last_day: list[date] = field(default_factory=list)
    sums: dict[str, list[int]] = field(default_factory=lambda: {name: [] for name in SUMS})
    by_mcc: list[MccSpend] = field(default_factory=list)
    # points by calendar month, [the as-of month, the one before, …], when asked for (the saving features)
    months: dict[str, list[int]] = field(default_factory=dict)

    def add_member(self, token: str, first: date, last: date, sums: Sequence[int]) -> None:
        self.tokens.append(token)
        self.first_day.append(first)
        self.last_day.append(last)
        for name, value in zip(SUMS, sums, strict=True):
            self.sums[name].append(int(value))


def windows_from_buckets(as_of: dict[str, date], buckets: Iterable[Bucket]) -> MemberWindows:
    """The reference: the sums of each member's buckets at their as-of day, one bucket at a time."""
    kept: dict[str, list[Bucket]] = {}
    for bucket in buckets:
        if bucket[0] in as_of and bucket[1] <= as_of[bucket[0]]:
            kept.setdefault(bucket[0], []).append(bucket)
    out = MemberWindows()
    spend: dict[tuple[str, str], list[int]] = {}
    for token, rows in kept.items():
        out.add_member(
            token, min(r[1] for r in rows), max(r[1] for r in rows), _member_sums(as_of[token], rows)
        )
        for _, day, mcc, units, _, _ in rows:
            age = (as_of[token] - day).days
            if age < max(ACTIVITY_WINDOWS):
                cells = spend.setdefault((token, mcc), [0] * len(ACTIVITY_WINDOWS))
                for i, w in enumerate(ACTIVITY_WINDOWS):
                    cells[i] += units if age < w else 0
    out.by_mcc = [(t, m, *cells) for (t, m), cells in spend.items()]  # type: ignore[misc]
    return out


def _member_sums(as_of: date, rows: list[Bucket]) -> list[int]:
    found: list[int] = []
    for measure, first, end in SUM_SPEC.values():
        inside = [r for r in rows if first <= (as_of - r[1]).days < end]
        totals = {
            "active_days": len({r[1] for r in inside}),
            "spend_units": sum(r[3] for r in inside),
            "txn_count": sum(r[4] for r in inside),
            "points": sum(r[5] for r in inside),
        }
        found.append(totals[measure])
    return found
