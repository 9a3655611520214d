"""The simulator's transactions as canonical events: generic-connector payloads, decoded (and so validated)
by the generic connector, ready for any sandbox platform's native documents."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import polars as pl

from pointflow.adapters.connectors.generic import GenericConnector
from pointflow.domain.events import CanonicalEvent
from pointflow.service_layer.ports import DecodeLimits

_LIMITS = DecodeLimits(Decimal(10) ** 9, 24 * 365 * 100)
_GENERIC = GenericConnector()
_SLICE = 20_000


def transaction_id(number: int) -> str:
    """The source id a simulated transaction travels under."""
    return f"sim_{number:010d}"


def payload(row: dict[str, Any]) -> dict[str, object]:
    """One transactions-table row as the JSON event the generic connector accepts (amount exact, in text)."""
    booked: datetime = row["booked_at"]
    return {
        "event_type": "transaction.posted",
        "transaction_id": transaction_id(row["transaction_no"]),
        "account_id": row["account_id"],
        "customer_id": row["customer_id"],
        "amount": str(Decimal(row["amount_cents"]).scaleb(-2)),
        "currency": row["currency"],
        "direction": row["direction"],
        "transaction_type": row["transaction_type"],
        "merchant_category_code": row["mcc"],
        "merchant_name": row["merchant_name"],
        "merchant_country": row["merchant_country"],
        "channel": row["channel"],
        "timestamp": booked.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "value_date": row["value_date"].isoformat(),
    }


def payloads(transactions: pl.DataFrame) -> Iterator[dict[str, object]]:
    """Every row's payload, in table order, a slice at a time so memory stays flat."""
    for part in transactions.iter_slices(_SLICE):
        for row in part.iter_rows(named=True):
            yield payload(row)


def canonical_events(transactions: pl.DataFrame) -> Iterator[CanonicalEvent]:
    """Every row decoded by the generic connector; a row it rejects raises its InvalidEvent."""
    now = datetime.now(UTC)
    for item in payloads(transactions):
        yield _GENERIC.decode(item, limits=_LIMITS, now=lambda: now)
