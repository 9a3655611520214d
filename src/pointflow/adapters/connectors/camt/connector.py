"""The `camt` connector: ISO 20022 camt.052, .053 and .054 (versions .02, .04, .08), one item per entry."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from typing import Any

from pointflow.adapters.connectors.camt import entries, reader
from pointflow.adapters.connectors.camt.payload import CamtEntry, CamtRefusal
from pointflow.domain.errors import InvalidEvent
from pointflow.domain.events import CanonicalEvent
from pointflow.service_layer.ports import DecodeLimits, RawEvent

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024

_NATIVE_NAMES = {
    "source_id": "Ntry/AcctSvcrRef",
    "original_source_id": "Ntry/NtryDtls/TxDtls/Refs/Prtry/Ref",
    "customer_id": "Acct/Ownr/Id",
    "account_id": "Acct/Id",
    "money": "Ntry/Amt",
    "amount": "Ntry/Amt",
    "currency": "Ntry/Amt/@Ccy",
    "direction": "Ntry/CdtDbtInd",
    "kind": "Ntry/RvslInd",
    "booked_at": "Ntry/BookgDt",
    "value_date": "Ntry/ValDt",
    "transaction_type": "Ntry/BkTxCd",
    "channel": "Ntry/BkTxCd",
    "mcc": "Ntry/BkTxCd/Prtry/Cd",
    "merchant_name": "Ntry/NtryDtls/TxDtls/RltdPties",
    "merchant_country": "Ntry/NtryDtls/TxDtls/RltdPties",
    "description": "Ntry/NtryDtls/TxDtls/RmtInf/Ustrd",
}


class CamtConnector:
    """Reads bank-to-customer cash management messages; each booked entry becomes one transaction."""

    name = "camt"

    def __init__(
        self,
        *,
        max_document_bytes: int = MAX_DOCUMENT_BYTES,
        original_reference_types: Collection[str] = entries.ORIGINAL_REFERENCE_TYPES,
    ) -> None:
        self.max_document_bytes = max_document_bytes
        self.original_reference_types = tuple(original_reference_types)

    def split(self, body: bytes) -> list[RawEvent]:
        return reader.split(body, self.max_document_bytes)

    def decode(self, payload: Any, *, limits: DecodeLimits, now: Callable[[], datetime]) -> CanonicalEvent:
        if isinstance(payload, CamtRefusal):
            raise InvalidEvent(payload.detail, field=payload.field)
        if not isinstance(payload, CamtEntry):
            raise InvalidEvent(
                "the item is not a camt entry read by this connector's split()", field="<body>"
            )
        return entries.decode(payload, limits=limits, now=now, original_types=self.original_reference_types)

    def native_field(self, canonical: str) -> str:
        return _NATIVE_NAMES.get(canonical, canonical)

    def source_id(self, payload: Any) -> str | None:
        if not isinstance(payload, CamtEntry):
            return None
        try:
            return entries.source_id(payload.fields, entries.account_id(payload.fields))
        except InvalidEvent:
            return payload.fields.get("Ntry/AcctSvcrRef")
