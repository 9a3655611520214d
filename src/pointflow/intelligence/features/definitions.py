"""Shared definitions of the feature set: money as integer units, windows, category column names."""

from __future__ import annotations

import re

# Money in Polars is Int64 in ten-thousandths of the currency unit (domain.money.to_units): exact for every
# ISO 4217 minor unit and summable in SQL on both SQLite and PostgreSQL, which Decimal text is not.
from pointflow.domain.money import UNITS_PER_MAJOR as UNITS_PER_MAJOR
from pointflow.domain.money import to_units as to_units

ACTIVITY_WINDOWS = (30, 90, 365)  # days, the as-of date included
VELOCITY_WINDOW = 30
UNKNOWN_CATEGORY = "Unknown"  # no MCC, or an MCC outside the assigned ISO 18245 ranges


def category_column(category: str, window: int) -> str:
    """The column holding a category's share of spend over a window: `share_retail_outlets_90d`."""
    slug = re.sub(r"[^a-z0-9]+", "_", category.lower()).strip("_")
    return f"share_{slug}_{window}d"
