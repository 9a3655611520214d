"""Member features for the models: pure Polars computations over ledger frames, keyed by member token."""

from pointflow.intelligence.features.activity import activity_features, daily_buckets
from pointflow.intelligence.features.definitions import (
    ACTIVITY_WINDOWS,
    UNITS_PER_MAJOR,
    category_column,
    to_units,
)
from pointflow.intelligence.features.ledger import member_features

__all__ = [
    "ACTIVITY_WINDOWS",
    "UNITS_PER_MAJOR",
    "activity_features",
    "category_column",
    "daily_buckets",
    "member_features",
    "to_units",
]
