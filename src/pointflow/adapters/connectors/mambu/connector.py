"""The `mambu` connector: Mambu API v2 deposit transactions, webhooks and Streaming API batches."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any

from pointflow.adapters.connectors.mambu.kinds import ChannelRule, default_channel_rules
from pointflow.adapters.connectors.mambu.split import is_batch, split
from pointflow.adapters.connectors.mambu.streaming import body_of, decode_stream_event
from pointflow.adapters.connectors.mambu.transaction import Settings, decode_transaction
from pointflow.domain.errors import InvalidEvent
from pointflow.domain.events import CanonicalEvent
from pointflow.service_layer.ports import DecodeLimits, RawEvent

_NATIVE_NAMES = {
    "source_id": "encodedKey",
    "original_source_id": "originalTransactionKey",
    "customer_id": "accountHolderId",
    "account_id": "parentAccountKey",
    "money": "amount",
    "currency": "currencyCode",
    "direction": "type",
    "transaction_type": "type",
    "kind": "type",
    "booked_at": "bookingDate",
    "value_date": "valueDate",
    "mcc": "cardTransaction.cardAcceptor.mcc",
    "merchant_name": "cardTransaction.cardAcceptor.name",
    "merchant_country": "cardTransaction.cardAcceptor.country",
    "channel": "transactionDetails.transactionChannelId",
    "description": "notes",
}


class MambuConnector:
    """Decodes Mambu deposit transactions; `channels` maps the bank's transaction channel ids to meanings."""

    name = "mambu"

    def __init__(
        self,
        *,
        channels: Mapping[str, ChannelRule] | None = None,
        organisation_tz: tzinfo | None = None,
    ) -> None:
        rules = default_channel_rules()
        rules.update({key.upper(): rule for key, rule in (channels or {}).items()})
        self.settings = Settings(self.name, rules, organisation_tz)

    def split(self, body: bytes) -> list[RawEvent]:
        return split(body)

    def decode(self, payload: Any, *, limits: DecodeLimits, now: Callable[[], datetime]) -> CanonicalEvent:
        if not isinstance(payload, Mapping):
            raise InvalidEvent("each item must be a JSON object", field="<body>")
        if is_batch(payload):
            return decode_stream_event(payload, self.settings, limits, now)
        return decode_transaction(payload, self.settings, limits, now)

    def native_field(self, canonical: str) -> str:
        return _NATIVE_NAMES.get(canonical, canonical)

    def source_id(self, payload: Any) -> str | None:
        try:
            return _source_id(payload)
        except (InvalidEvent, ValueError, RecursionError):
            return None


def _source_id(payload: Any) -> str | None:
    if not isinstance(payload, Mapping):
        return None
    if is_batch(payload):
        events = payload.get("events")
        if not isinstance(events, list) or len(events) != 1 or not isinstance(events[0], Mapping):
            return None
        return _stream_source_id(events[0])
    return _text(payload.get("encodedKey"))


def _stream_source_id(event: Mapping[str, Any]) -> str | None:
    try:
        key = _text(body_of(event).get("encodedKey"))
    except InvalidEvent:
        key = None
    return key or _text(_metadata_eid(event))


def _metadata_eid(event: Mapping[str, Any]) -> Any:
    metadata = event.get("metadata")
    return metadata.get("eid") if isinstance(metadata, Mapping) else None


def _text(value: Any) -> str | None:
    return value.strip()[:128] if isinstance(value, str) and value.strip() else None
