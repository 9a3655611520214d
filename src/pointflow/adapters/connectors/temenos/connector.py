"""The `temenos` connector: Transact journal-entry business events, one canonical event per STMT entry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pointflow.adapters.connectors.temenos import envelope
from pointflow.adapters.connectors.temenos.config import TemenosConfig
from pointflow.adapters.connectors.temenos.entries import decode_entry
from pointflow.domain.errors import DomainError
from pointflow.domain.events import CanonicalEvent
from pointflow.service_layer.ports import DecodeLimits, RawEvent

_NATIVE_NAMES = {
    "source_id": "entryReference",
    "customer_id": "customerId",
    "account_id": "arrangementId",
    "money": "transactionAmount",
    "amount": "transactionAmount",
    "currency": "currency",
    "direction": "creditDebitIndicator",
    "transaction_type": "transactionCode",
    "channel": "transactionCode",
    "booked_at": "time",
    "value_date": "valueDate",
    "mcc": "narratives",
    "merchant_name": "narratives",
    "merchant_country": "narratives",
    "description": "narratives",
    "kind": "reversalMarker",
}


class TemenosConnector:
    """Reads the `accountingJournalEntriesUpdated` CloudEvent, bare or inside an Event Store record."""

    name = "temenos"

    def __init__(self, config: TemenosConfig | None = None) -> None:
        self.config = config or TemenosConfig()

    def split(self, body: bytes) -> list[RawEvent]:
        return envelope.split(body)

    def decode(self, payload: Any, *, limits: DecodeLimits, now: Callable[[], datetime]) -> CanonicalEvent:
        item = envelope.unwrap(payload)
        return decode_entry(
            item.entry, item.attributes, config=self.config, limits=limits, now=now, system=self.name
        )

    def native_field(self, canonical: str) -> str:
        if canonical == "original_source_id":
            return self.config.original_reference_field
        return _NATIVE_NAMES.get(canonical, canonical)

    def source_id(self, payload: Any) -> str | None:
        try:
            entry = envelope.unwrap(payload).entry
        except DomainError:
            return None
        value = entry.get("entryReference") if isinstance(entry, Mapping) else None
        return value if isinstance(value, str) else None
