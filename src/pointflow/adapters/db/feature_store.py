"""Member features from the database: ledger tables read into Polars frames, and the online feature state.

The online state is `member_activity_days`: the hot path adds each accrued transaction to its member's
bucket for (UTC booking day, currency, MCC) in the accrual's own transaction; features are computed from
the buckets at read time by the same function the batch uses.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, date
from functools import lru_cache
from typing import Any

import iso18245
import polars as pl
from sqlalchemy import Connection, Select, delete, select

from pointflow.adapters.db.activity_store import BUCKET_KEY as _KEY
from pointflow.adapters.db.activity_store import BUCKET_SUMS as _SUMS
from pointflow.adapters.db.activity_store import BucketKey
from pointflow.adapters.db.bulk import bulk_insert
from pointflow.adapters.db.engine import Database
from pointflow.adapters.db.tables import accruals, lots, member_activity_days, members, redemptions
from pointflow.adapters.mcc import mcc_range
from pointflow.intelligence.features import activity_features, daily_buckets, member_features, to_units

BUCKET_SCHEMA: dict[str, Any] = {
    "token": pl.String,
    "day": pl.Date,
    "currency": pl.String,
    "mcc": pl.String,
    "spend_units": pl.Int64,
    "txn_count": pl.Int64,
    "points": pl.Int64,
}
ACCRUAL_SCHEMA: dict[str, Any] = {
    "token": pl.String,
    "booked_on": pl.Date,
    "currency": pl.String,
    "mcc": pl.String,
    "spend_units": pl.Int64,
    "points": pl.Int64,
}


@lru_cache(maxsize=1)
def categories() -> tuple[str, ...]:
    """The ISO 18245 range descriptions, the categories of the spend-share features."""
    return tuple(sorted({str(m.range.description) for m in iso18245.get_all_mccs_in_range("0000", "9999")}))


def category_map(mccs: Iterable[str]) -> dict[str, str]:
    return {mcc: rng for mcc in set(mccs) if mcc and (rng := mcc_range(mcc)) is not None}


def accrual_frame(conn: Connection, *, until: date) -> pl.DataFrame:
    """Accruals booked on or before `until` (UTC), amounts as integer ten-thousandths."""
    query = select(
        accruals.c.token,
        accruals.c.booked_at,
        accruals.c.currency,
        accruals.c.mcc,
        accruals.c.amount,
        accruals.c.points,
    )
    rows = [
        (r.token, day, r.currency, r.mcc, to_units(r.amount), r.points)
        for r in conn.execute(query)
        if (day := r.booked_at.astimezone(UTC).date()) <= until
    ]
    return pl.DataFrame(rows, schema=ACCRUAL_SCHEMA, orient="row")


def bucket_frame(conn: Connection, *, tokens: Collection[str] | None = None) -> pl.DataFrame:
    """The online activity buckets, of every member or of the given ones."""
    query: Select[Any] = select(*(member_activity_days.c[name] for name in _KEY + _SUMS))
    if tokens is not None:
        query = query.where(member_activity_days.c.token.in_(list(tokens)))
    return pl.DataFrame([tuple(r) for r in conn.execute(query)], schema=BUCKET_SCHEMA, orient="row")


def _ledger_frames(conn: Connection) -> dict[str, pl.DataFrame]:
    member_rows = conn.execute(
        select(members.c.token, members.c.tier, members.c.available, members.c.pending, members.c.debt)
    )
    lot_rows = conn.execute(select(lots.c.token, lots.c.remaining, lots.c.expires_on, lots.c.state))
    redemption_rows = conn.execute(
        select(redemptions.c.token, redemptions.c.reward_id, redemptions.c.points, redemptions.c.created_at)
    )
    return {
        "members": _frame(
            member_rows, token=pl.String, tier=pl.String, available=pl.Int64, pending=pl.Int64, debt=pl.Int64
        ),
        "lots": _frame(lot_rows, token=pl.String, remaining=pl.Int64, expires_on=pl.Date, state=pl.String),
        "redemptions": _frame(
            ((t, reward, points, at.astimezone(UTC).date()) for t, reward, points, at in redemption_rows),
            token=pl.String,
            reward_id=pl.String,
            points=pl.Int64,
            created_on=pl.Date,
        ),
    }


def _frame(rows: Iterable[Any], **schema: Any) -> pl.DataFrame:
    return pl.DataFrame([tuple(r) for r in rows], schema=schema, orient="row")


def _activity(buckets: pl.DataFrame, *, as_of: date, currency: str) -> pl.DataFrame:
    return activity_features(
        buckets,
        as_of=as_of,
        currency=currency,
        category_of=category_map(buckets["mcc"].unique().to_list()),
        categories=categories(),
    )


def batch_features(
    db: Database, *, as_of: date, currency: str, reward_kinds: Mapping[str, str] | None = None
) -> pl.DataFrame:
    """Every member's features at `as_of`, recomputed from accruals, members, lots and redemptions."""
    with db.reader.connect() as conn:
        buckets = daily_buckets(accrual_frame(conn, until=as_of))
        frames = _ledger_frames(conn)
    activity = _activity(buckets, as_of=as_of, currency=currency)
    return member_features(activity, as_of=as_of, reward_kinds=reward_kinds, **frames)


def online_features(
    db: Database, *, as_of: date, currency: str, tokens: Collection[str] | None = None
) -> pl.DataFrame:
    """Activity features at `as_of` from the online buckets the hot path keeps (all members or some)."""
    with db.reader.connect() as conn:
        buckets = bucket_frame(conn, tokens=tokens)
    return _activity(buckets, as_of=as_of, currency=currency)


def stored_buckets(db: Database) -> Mapping[BucketKey, tuple[int, int, int]]:
    """The online buckets as a mapping, for checks."""
    with db.reader.connect() as conn:
        return {
            (r.token, r.day, r.currency, r.mcc): (r.spend_units, r.txn_count, r.points)
            for r in conn.execute(select(member_activity_days))
        }


def rebuild_online_state(db: Database) -> int:
    """Recompute the online buckets from the accruals (after the migration, or a repair); returns the rows.

    The table lock makes writers that are mid-batch finish first and later ones wait, so every accrual is
    counted exactly once: either in the snapshot read here or by its own transaction's upsert afterwards.
    """
    with db.write() as conn:
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("LOCK TABLE member_activity_days IN EXCLUSIVE MODE")
        buckets = daily_buckets(accrual_frame(conn, until=date.max))
        conn.execute(delete(member_activity_days))
        if buckets.height:
            bulk_insert(conn, member_activity_days, buckets.to_dicts())
    return buckets.height
