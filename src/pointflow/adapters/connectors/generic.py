"""The `generic` connector: the flat transaction JSON every loyalty-layer integration guide starts with."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from pointflow.adapters.connectors import fields as f
from pointflow.domain.errors import InvalidEvent
from pointflow.domain.events import (
    CanonicalEvent,
    Channel,
    Direction,
    ReversalKind,
    SourceRef,
    TransactionPosted,
    TransactionReversed,
    TransactionType,
)
from pointflow.domain.money import Money
from pointflow.service_layer.ports import DecodeLimits, RawEvent

_REVERSAL_TYPES = {
    "transaction.reversed": ReversalKind.REVERSAL,
    "transaction.refunded": ReversalKind.REFUND,
    "transaction.chargeback": ReversalKind.CHARGEBACK,
}


_NATIVE_NAMES = {
    "source_id": "transaction_id",
    "original_source_id": "original_transaction_id",
    "money": "amount",
    "mcc": "merchant_category_code",
    "booked_at": "timestamp",
    "kind": "reversal_kind",
}


class GenericConnector:
    name = "generic"

    def split(self, body: bytes) -> list[RawEvent]:
        """One JSON object, or a JSON array of them; numbers stay exact (Decimal, never float)."""
        text = body.decode("utf-8", errors="replace")
        try:
            parsed = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as error:
            detail = f"malformed JSON at line {error.lineno} column {error.colno}: {error.msg}"
            return [RawEvent(text, None, detail)]
        if not isinstance(parsed, list):
            return [RawEvent(text, parsed)]
        return [RawEvent(json.dumps(item, default=str), item) for item in parsed]

    def native_field(self, canonical: str) -> str:
        return _NATIVE_NAMES.get(canonical, canonical)

    def source_id(self, payload: Any) -> str | None:
        value = payload.get("transaction_id") if isinstance(payload, Mapping) else None
        return value if isinstance(value, str) else None

    def decode(self, payload: Any, *, limits: DecodeLimits, now: Callable[[], datetime]) -> CanonicalEvent:
        if not isinstance(payload, Mapping):
            raise InvalidEvent("each event must be a JSON object", field="<body>")
        event_type = f.text(payload, "event_type", max_len=40)
        if event_type == "transaction.posted":
            return self._posted(payload, limits, now)
        if event_type in _REVERSAL_TYPES:
            return self._reversed(payload, limits, now, _REVERSAL_TYPES[event_type])
        allowed = ", ".join(["transaction.posted", *_REVERSAL_TYPES])
        raise InvalidEvent(f"event_type {event_type!r} is not one of: {allowed}", field="event_type")

    def _posted(
        self, p: Mapping[str, Any], limits: DecodeLimits, now: Callable[[], datetime]
    ) -> TransactionPosted:
        code = f.currency(p)
        booked = f.timestamp(p, "timestamp", now, limits.max_future_skew_hours)
        return TransactionPosted(
            source=SourceRef(self.name, f.identifier(p, "transaction_id")),
            customer_id=f.identifier(p, "customer_id"),
            account_id=f.identifier(p, "account_id"),
            money=Money(f.amount(p, "amount", code, limits.max_amount), code),
            direction=f.choice(p, "direction", Direction, Direction.DEBIT),
            transaction_type=f.choice(p, "transaction_type", TransactionType, TransactionType.PURCHASE),
            booked_at=booked,
            value_date=f.day(p, "value_date", booked.date()),
            mcc=f.mcc(p, "merchant_category_code"),
            merchant_name=f.text(p, "merchant_name", required=False),
            merchant_country=f.country(p, "merchant_country"),
            channel=f.choice(p, "channel", Channel, Channel.OTHER),
            description=f.text(p, "description", required=False),
        )

    def _reversed(
        self,
        p: Mapping[str, Any],
        limits: DecodeLimits,
        now: Callable[[], datetime],
        kind: ReversalKind,
    ) -> TransactionReversed:
        code = f.currency(p)
        booked = f.timestamp(p, "timestamp", now, limits.max_future_skew_hours)
        return TransactionReversed(
            source=SourceRef(self.name, f.identifier(p, "transaction_id")),
            original_source_id=f.identifier(p, "original_transaction_id"),
            customer_id=f.identifier(p, "customer_id"),
            money=Money(f.amount(p, "amount", code, limits.max_amount), code),
            kind=f.choice(p, "reversal_kind", ReversalKind, kind),
            booked_at=booked,
            value_date=f.day(p, "value_date", booked.date()),
        )
