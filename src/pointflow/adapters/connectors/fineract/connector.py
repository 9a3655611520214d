"""The `fineract` connector: external events (`MessageV1` Avro binary or its JSON rendering), hook bodies and
REST savings transactions → canonical events."""

from __future__ import annotations

import base64
import binascii
import io
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

import fastavro

from pointflow.adapters.connectors import fields as f
from pointflow.adapters.connectors.fineract import clients, hooks, jsontext, loans, savings
from pointflow.adapters.connectors.fineract import values as v
from pointflow.adapters.connectors.fineract.envelope import PART_MARK, expand, payload_error, read_message
from pointflow.adapters.connectors.fineract.postings import Context
from pointflow.adapters.connectors.fineract.schemas import (
    BULK_PAYLOAD,
    CLIENT,
    LOAN_ADJUSTMENT,
    LOAN_TRANSACTION,
    SAVINGS_TRANSACTION,
    AvroReadError,
    FineractSchemas,
)
from pointflow.domain.core import CustomerMaster
from pointflow.domain.errors import InvalidEvent, NotATransaction
from pointflow.domain.events import CanonicalEvent, TransactionType
from pointflow.service_layer.ports import DecodeLimits, RawEvent

AVRO_CONTAINER_MAGIC = b"Obj\x01"  # an Avro object container file, as a topic dump is written
DATA_URL = "data:avro/binary;base64,"  # how an unreadable binary message is kept as text for the quarantine
_TRANSACTION_SCHEMAS = (SAVINGS_TRANSACTION, LOAN_TRANSACTION, LOAN_ADJUSTMENT)
_VERSION = re.compile(r"\.v\d+\.|V\d+$")
_NATIVE_NAMES = {
    "source_id": "data.id",
    "original_source_id": "data.originalTransactionId",
    "customer_id": "data.accountId",
    "account_id": "data.accountId",
    "amount": "data.amount",
    "money": "data.amount",
    "currency": "data.currency.code",
    "direction": "data.transactionType",
    "transaction_type": "data.transactionType",
    "kind": "data.isReversal",
    "booked_at": "createdAt",
    "value_date": "data.date",
    "description": "data.note",
    "extra.idempotency_key": "idempotencyKey",
    "extra.payment_type": "data.paymentDetailData.paymentType.name",
}


class FineractConnector:
    """Reads what Fineract sends; without `schemas` it reads JSON only (renderings, hooks, REST records)."""

    name = "fineract"

    def __init__(
        self,
        schemas: FineractSchemas | None = None,
        *,
        currency: str | None = None,
        payment_types: Mapping[str, TransactionType] | None = None,
    ) -> None:
        self.schemas = schemas
        self._currency = currency  # hooks carry none: the tenant's currency
        self._payment_types = dict(payment_types or {})

    def split(self, body: bytes) -> list[RawEvent]:
        """A JSON document (one item, an array, a rendering) or one `MessageV1` binary; bulk messages and
        loan adjustments are cut into their items, each item's raw being its JSON rendering."""
        start = body.lstrip(b" \t\r\n").removeprefix(b"\xef\xbb\xbf")
        if start[:1] in (b"{", b"["):
            return self._split_json(body.decode("utf-8", errors="replace").lstrip(" \t\r\n\ufeff"))
        if start.startswith(DATA_URL.encode()):
            try:
                body = base64.b64decode(start[len(DATA_URL) :].strip(), validate=True)
            except binascii.Error:
                text = body.decode("utf-8", errors="replace")
                return [RawEvent(text, None, "the data: URL does not hold base64")]
        if body.startswith(AVRO_CONTAINER_MAGIC):
            return self._split_container(body)
        return self._split_binary(body)

    def decode(self, payload: Any, *, limits: DecodeLimits, now: Callable[[], datetime]) -> CanonicalEvent:
        if not isinstance(payload, Mapping):
            raise InvalidEvent("each Fineract item must be a JSON object", field="<body>")
        ctx = Context(limits, now, payment_types=self._payment_types)
        if hooks.is_hook(payload):
            return hooks.decode(payload, ctx, self._currency)
        if "dataschema" in payload:
            return self._message(payload, ctx)
        if "transactionType" in payload:
            return savings.decode(payload, ctx)
        raise InvalidEvent(
            "not a Fineract external event (dataschema), hook body (entityName, actionName) "
            "or savings transaction (transactionType)",
            field="<body>",
        )

    def native_field(self, canonical: str) -> str:
        return _NATIVE_NAMES.get(canonical, canonical)

    def source_id(self, payload: Any) -> str | None:
        if not isinstance(payload, Mapping):
            return None
        if hooks.is_hook(payload):
            return hooks.source_id(payload)
        schema, data = payload.get("dataschema"), payload.get("data")
        if schema is None and "transactionType" in payload:
            schema, data = SAVINGS_TRANSACTION, payload
        if not isinstance(data, Mapping) or schema not in (SAVINGS_TRANSACTION, LOAN_TRANSACTION):
            return None
        number = data.get("id")
        kind = "savings" if schema == SAVINGS_TRANSACTION else "loan"
        return f"{kind}:{number}" if isinstance(number, int) and not isinstance(number, bool) else None

    def customer_master(self, payload: Any) -> CustomerMaster:
        """The customer-master update a `ClientDataV1` event carries (decode says it is not a posting)."""
        if not isinstance(payload, Mapping) or payload.get("dataschema") != CLIENT:
            raise InvalidEvent(f"not a message with dataschema {CLIENT}", field="dataschema")
        data = payload.get("data")
        if not isinstance(data, Mapping):
            raise InvalidEvent(payload_error(payload, self.schemas), field="data")
        with v.within("data"):
            return clients.customer_master(data)

    def _split_binary(self, body: bytes) -> list[RawEvent]:
        kept = DATA_URL + base64.b64encode(body).decode("ascii")
        if self.schemas is None:
            reason = (
                "binary Avro needs the schemas: set POINTFLOW_FINERACT_SCHEMA_DIR to fineract-avro-schemas"
            )
            return [RawEvent(kept, None, reason)]
        try:
            message = read_message(body, self.schemas)
        except AvroReadError as error:
            return [RawEvent(kept, None, f"neither JSON nor a Fineract message: {error}")]
        return [_item(jsontext.render(m)) for m in expand(message, self.schemas)]

    def _split_container(self, body: bytes) -> list[RawEvent]:
        """An Avro object container file of `MessageV1` records (a topic dumped for replay): it carries the
        envelope's schema itself; the payloads inside still need the configured schemas."""
        try:
            records = list(fastavro.reader(io.BytesIO(body)))
        except Exception as error:  # fastavro signals a damaged file with many types; each means unreadable
            kept = DATA_URL + base64.b64encode(body).decode("ascii")
            return [
                RawEvent(kept, None, f"not a readable Avro container file: {type(error).__name__}: {error}")
            ]
        # A record that is not a message becomes an item that decode refuses, naming what it lacks.
        return [_item(jsontext.render(m)) for record in records for m in self._expanded(record)]

    def _split_json(self, text: str) -> list[RawEvent]:
        try:
            parsed = jsontext.parse(text)
        except json.JSONDecodeError as error:
            return [
                RawEvent(
                    text, None, f"malformed JSON at line {error.lineno} column {error.colno}: {error.msg}"
                )
            ]
        except ValueError as error:
            return [RawEvent(text, None, f"malformed JSON: {error}")]
        try:
            if isinstance(parsed, list):
                return [_item(_element_text(m)) for element in parsed for m in self._expanded(element)]
            expanded = self._expanded(parsed)
            if expanded == [parsed]:
                return [RawEvent(text, parsed)]
            return [_item(jsontext.render(m)) for m in expanded]
        except ValueError as error:  # too deep to render as items: the document stays whole
            return [RawEvent(text, None, str(error))]

    def _expanded(self, element: Any) -> list[Any]:
        if isinstance(element, Mapping) and "dataschema" in element:
            return expand(element, self.schemas)
        return [element]

    def _message(self, payload: Mapping[str, Any], ctx: Context) -> CanonicalEvent:
        schema = f.text(payload, "dataschema", max_len=200)
        event_type = f.text(payload, "type", max_len=200)
        assert schema is not None
        assert event_type is not None
        if schema not in _TRANSACTION_SCHEMAS:
            raise _not_read(schema, event_type, payload)
        data = payload.get("data")
        if not isinstance(data, Mapping):
            raise InvalidEvent(payload_error(payload, self.schemas), field="data")
        key = f.text(payload, "idempotencyKey", required=False, max_len=128)
        booked = v.utc_local(payload, "createdAt", ctx.now, ctx.limits.max_future_skew_hours)
        ctx = replace(ctx, booked_at=booked, extra={"idempotency_key": key} if key else {})
        with v.within("data"):
            if schema == SAVINGS_TRANSACTION:
                return savings.decode(data, ctx)
            if schema == LOAN_TRANSACTION:
                return loans.decode(data, ctx)
        return _adjustment(payload, data, ctx)


def _adjustment(payload: Mapping[str, Any], data: Mapping[str, Any], ctx: Context) -> CanonicalEvent:
    part = payload.get(PART_MARK)
    if part not in (None, loans.TO_ADJUST, loans.NEW_DETAIL):
        raise InvalidEvent(f"{PART_MARK} must be {loans.TO_ADJUST} or {loans.NEW_DETAIL}", field=PART_MARK)
    with v.within("data"):
        return loans.decode_adjustment(data, ctx, part)


def _not_read(schema: str, event_type: str, payload: Mapping[str, Any]) -> Exception:
    """Why a message is not read as a posting: ignored, or refused when it should have been one."""
    if schema == CLIENT:
        return NotATransaction(f"{event_type}: a client record (customer-master data), not a posting")
    if schema == BULK_PAYLOAD:
        data = payload.get("data")
        if isinstance(data, Mapping) and data.get("datas") == []:
            return NotATransaction("an empty bulk message")
        return InvalidEvent("the bulk message's items could not be read", field="data.datas")
    if _family(schema) in {_family(s) for s in _TRANSACTION_SCHEMAS}:  # e.g. a V2 after a Fineract upgrade
        return InvalidEvent(
            f"{event_type} arrived with dataschema {schema}, which this connector does not read "
            f"(it reads {', '.join(s.rsplit('.', 1)[-1] for s in _TRANSACTION_SCHEMAS)})",
            field="dataschema",
        )
    category = payload.get("category")
    return NotATransaction(f"{event_type} ({category or 'no category'}, {schema}) is not a posting")


def _family(schema: str) -> str:
    return _VERSION.sub(".", schema)


def _element_text(element: Any) -> str:
    """An array element as text that splits back into it: objects alone, anything else still in an array."""
    text = jsontext.render(element)
    return text if isinstance(element, Mapping) else f"[{text}]"


def _item(text: str) -> RawEvent:
    return RawEvent(text, jsontext.parse(text))
