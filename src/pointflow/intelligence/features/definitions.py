"""Shared definitions of the feature set: money as integer units, windows, category column names."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, Decimal

# Money in Polars is Int64 in ten-thousandths of the currency unit: exact for every ISO 4217 minor unit
# (at most 4 decimals) and summable in SQL on both SQLite and PostgreSQL, which Decimal text is not.
UNITS_PER_MAJOR = 10_000
_QUANTUM = Decimal(1).scaleb(-4)

ACTIVITY_WINDOWS = (30, 90, 365)  # days, the as-of date included
VELOCITY_WINDOW = 30
UNKNOWN_CATEGORY = "Unknown"  # no MCC, or an MCC outside the assigned ISO 18245 ranges


def to_units(amount: Decimal) -> int:
    """An amount as integer ten-thousandths, rounded half-even beyond the fourth decimal."""
    return int(amount.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN).scaleb(4))


def category_column(category: str, window: int) -> str:
    """The column holding a category's share of spend over a window: `share_retail_outlets_90d`."""
    slug = re.sub(r"[^a-z0-9]+", "_", category.lower()).strip("_")
    return f"share_{slug}_{window}d"
