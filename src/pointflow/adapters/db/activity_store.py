"""The online activity buckets the hot path adds to: per member, UTC day, currency and MCC.

Kept apart from the feature store so that the ledger's write path loads no dataframe library.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import Connection

from pointflow.adapters.db.bulk import OnConflict, bulk_insert_values
from pointflow.adapters.db.tables import member_activity_days
from pointflow.domain.money import to_units

BUCKET_KEY = ("token", "day", "currency", "mcc")
BUCKET_SUMS = ("spend_units", "txn_count", "points")
BucketKey = tuple[str, date, str, str]


@dataclass
class ActivityBuckets:
    """One transaction's increments to the online buckets, summed in memory and added in SQL at flush."""

    pending: dict[BucketKey, list[int]] = field(default_factory=dict)

    def add(
        self, token: str, booked_at: datetime, currency: str, mcc: str | None, amount: Decimal, points: int
    ) -> None:
        key = (token, booked_at.astimezone(UTC).date(), currency, mcc or "")
        sums = self.pending.setdefault(key, [0, 0, 0])
        sums[0] += to_units(amount)
        sums[1] += 1
        sums[2] += points

    def flush(self, conn: Connection) -> None:
        if not self.pending:
            return
        # Sorted keys: concurrent writers touch rows in the same order, so they cannot deadlock.
        rows = [(*key, *sums) for key, sums in sorted(self.pending.items())]
        bulk_insert_values(conn, member_activity_days, BUCKET_KEY + BUCKET_SUMS, rows, on_conflict=_ADDITIVE)
        self.pending.clear()


_ADDITIVE = OnConflict(keys=BUCKET_KEY, add=BUCKET_SUMS)
