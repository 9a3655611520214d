"""Fineract's message envelope: `MessageV1` binary to a message with its payload nested, and the items one
message stands for (each item of a bulk message, each side of a loan transaction adjustment)."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from pointflow.adapters.connectors.fineract.loans import NEW_DETAIL, TO_ADJUST
from pointflow.adapters.connectors.fineract.schemas import (
    BULK_PAYLOAD,
    LOAN_ADJUSTMENT,
    MESSAGE,
    AvroReadError,
    FineractSchemas,
)

ENVELOPE_FIELDS = (
    "id",
    "source",
    "type",
    "category",
    "createdAt",
    "businessDate",
    "tenantId",
    "idempotencyKey",
    "dataschema",
    "data",
)
BULK_MARK = "bulkMessageId"  # on an item cut out of a bulk message: the bulk message's id
PART_MARK = "adjustmentPart"  # on an item cut out of a loan adjustment: which side it is
_BULK_ITEM_FIELDS = ("id", "type", "category", "dataschema", "data")


def read_message(body: bytes, schemas: FineractSchemas) -> dict[str, Any]:
    """A `MessageV1` binary as a message whose `data` is the decoded payload (or base64 text if it is not)."""
    return with_payload(schemas.read(MESSAGE, body), schemas)


def expand(message: Mapping[str, Any], schemas: FineractSchemas | None) -> list[dict[str, Any]]:
    """The messages `message` stands for, payloads decoded where they can be."""
    whole = with_payload(message, schemas)
    data = whole.get("data")
    if whole.get("dataschema") == BULK_PAYLOAD and BULK_MARK not in whole and isinstance(data, Mapping):
        return _bulk_items(whole, data, schemas)
    return _adjustment_parts(whole)


def with_payload(message: Mapping[str, Any], schemas: FineractSchemas | None) -> dict[str, Any]:
    data, schema = message.get("data"), message.get("dataschema")
    raw = _payload_bytes(data)
    if raw is None:
        return dict(message)
    record = _decoded(raw, schema, schemas)
    if record is not None:
        return {**message, "data": record}
    if isinstance(data, bytes | bytearray):
        return {**message, "data": base64.b64encode(data).decode("ascii")}
    return dict(message)


def payload_error(message: Mapping[str, Any], schemas: FineractSchemas | None) -> str:
    """Why `data` is not a nested record: said in terms an operator can act on."""
    data, schema = message.get("data"), message.get("dataschema")
    if data is None:
        return "data is required"
    raw = _payload_bytes(data)
    if raw is None:
        return "data must be the payload: a nested object, or its Avro binary in base64"
    if schemas is None:
        return "data is Avro binary; set POINTFLOW_FINERACT_SCHEMA_DIR to the fineract-avro-schemas directory"
    try:
        schemas.read(str(schema), raw)
    except AvroReadError as error:
        return f"data cannot be read as {schema}: {error}"
    return "data could not be read"


def _bulk_items(
    message: dict[str, Any], data: Mapping[str, Any], schemas: FineractSchemas | None
) -> list[dict[str, Any]]:
    datas = data.get("datas")
    if not isinstance(datas, list) or not datas or not all(isinstance(i, Mapping) for i in datas):
        return [message]
    envelope = {k: message.get(k) for k in ENVELOPE_FIELDS}
    items: list[dict[str, Any]] = []
    for item in datas:
        inner = {**envelope, **{k: item.get(k) for k in _BULK_ITEM_FIELDS}, BULK_MARK: message.get("id")}
        items.extend(_adjustment_parts(with_payload(inner, schemas)))
    return items


def _adjustment_parts(message: dict[str, Any]) -> list[dict[str, Any]]:
    data = message.get("data")
    if (
        message.get("dataschema") != LOAN_ADJUSTMENT
        or PART_MARK in message
        or not isinstance(data, Mapping)
        or not isinstance(data.get(NEW_DETAIL), Mapping)
    ):
        return [message]
    return [{**message, PART_MARK: TO_ADJUST}, {**message, PART_MARK: NEW_DETAIL}]


def _payload_bytes(data: Any) -> bytes | None:
    if isinstance(data, bytes | bytearray):
        return bytes(data)
    if not isinstance(data, str):
        return None
    try:
        return base64.b64decode(data, validate=True)
    except ValueError:  # binascii.Error, and non-ASCII text
        return None


def _decoded(raw: bytes, schema: Any, schemas: FineractSchemas | None) -> dict[str, Any] | None:
    if schemas is None or not isinstance(schema, str):
        return None
    try:
        return schemas.read(schema, raw)
    except AvroReadError:
        return None
