"""The wrappers around Transact journal entries: CloudEvents 1.0 (one or a batch) and Event Store records.

`split` cuts a document into one item per journal entry, each re-wrapped in its own envelope so that the
item's text is a complete event that splits back to itself; `unwrap` reads one item back to its entry.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pointflow.adapters.connectors.jsontext import dumps as dump
from pointflow.adapters.connectors.jsontext import loads as parse
from pointflow.domain.errors import InvalidEvent, NotATransaction
from pointflow.service_layer.ports import RawEvent

JOURNAL_EVENT = "financialAccounting.updateAccountingJournalEntries.accountingJournalEntriesUpdated"
ENTRIES = "journalEntries"
_EVENT_STORE_KEYS = ("eventId", "eventType")


@dataclass(frozen=True, slots=True)
class Envelope:
    """One item read back: the CloudEvent attributes and its single journal entry."""

    attributes: Mapping[str, Any]
    entry: Any


# --- split -------------------------------------------------------------------------------------------


def split(body: bytes) -> list[RawEvent]:
    text = body.decode("utf-8", errors="replace")
    try:
        document = parse(text)
        if isinstance(document, list):
            return [item for element in document for item in _split_element(element)]
        return _split_top(text, document)
    except (ValueError, RecursionError) as error:
        return [RawEvent(text, None, _reason(error))]


def _reason(error: Exception) -> str:
    if isinstance(error, json.JSONDecodeError):
        return f"malformed JSON at line {error.lineno} column {error.colno}: {error.msg}"
    if isinstance(error, RecursionError):
        return "JSON nested too deeply to read"
    return f"malformed JSON: {error}"


def _split_top(text: str, document: Any) -> list[RawEvent]:
    """A top-level object keeps its own text when it already holds a single entry."""
    pieces = _rewrap(document)
    if pieces is None:
        return [RawEvent(text, document)]
    return [RawEvent(dump(piece), piece) for piece in pieces]


def _split_element(element: Any) -> list[RawEvent]:
    """One element of a batch array; a nested array is kept wrapped so that its text splits to itself."""
    if isinstance(element, list):
        return [RawEvent(dump([element]), element)]
    pieces = _rewrap(element)
    return [RawEvent(dump(piece), piece) for piece in pieces or [element]]


def _rewrap(document: Any) -> list[Any] | None:
    """One envelope per entry when `document` holds two or more; None when it is already one item."""
    if not isinstance(document, Mapping):
        return None
    if _is_event_store(document):
        return _rewrap_record(document)
    entries = _entries_of(document)
    if entries is None or len(entries) < 2:
        return None
    data = document["data"]
    return [{**document, "data": {**data, ENTRIES: [entry]}} for entry in entries]


def _rewrap_record(record: Mapping[str, Any]) -> list[Any] | None:
    inner_text = record.get("payload")
    if not isinstance(inner_text, str):
        return None
    try:
        inner = parse(inner_text)
    except (ValueError, RecursionError):
        return None
    pieces = _rewrap(inner) if not _is_event_store(inner) else None
    if pieces is None:
        return None
    return [{**record, "payload": dump(piece)} for piece in pieces]


def _entries_of(document: Mapping[str, Any]) -> list[Any] | None:
    data = document.get("data")
    if not isinstance(data, Mapping):
        return None
    entries = data.get(ENTRIES)
    return entries if isinstance(entries, list) else None


def _is_event_store(document: Any) -> bool:
    return isinstance(document, Mapping) and all(key in document for key in _EVENT_STORE_KEYS)


# --- unwrap ------------------------------------------------------------------------------------------


def unwrap(payload: Any) -> Envelope:
    """The CloudEvent attributes and the one journal entry of an item that `split` produced."""
    if not isinstance(payload, Mapping):
        raise InvalidEvent("each event must be a JSON object", field="<body>")
    if _is_event_store(payload):
        return _unwrap_record(payload)
    return _unwrap_cloud_event(payload)


def _unwrap_record(record: Mapping[str, Any]) -> Envelope:
    inner_text = record.get("payload")
    if not isinstance(inner_text, str):
        raise InvalidEvent("payload must be a string holding the event JSON", field="payload")
    try:
        inner = parse(inner_text)
    except (ValueError, RecursionError) as error:
        raise InvalidEvent(f"payload is not readable JSON ({_reason(error)})", field="payload") from None
    if not isinstance(inner, Mapping) or _is_event_store(inner):
        raise InvalidEvent("payload must hold a CloudEvent or its data object", field="payload")
    if "specversion" in inner:
        return _unwrap_cloud_event(inner)
    event_type = record.get("eventType")
    _check_type(event_type, "eventType")
    return Envelope({"id": record.get("eventId"), "type": event_type}, _single_entry(inner))


def _unwrap_cloud_event(event: Mapping[str, Any]) -> Envelope:
    if event.get("specversion") != "1.0":
        raise InvalidEvent("specversion must be '1.0' (a CloudEvents 1.0 event)", field="specversion")
    _check_type(event.get("type"), "type")
    data = event.get("data")
    if not isinstance(data, Mapping):
        raise InvalidEvent("data must be an object holding journalEntries", field="data")
    return Envelope(event, _single_entry(data))


def _check_type(event_type: Any, name: str) -> None:
    if not isinstance(event_type, str) or not event_type.strip():
        raise InvalidEvent(f"{name} is required", field=name)
    # Temenos writes the business event's name with either capitalisation in its own documents.
    if event_type.strip().lower() != JOURNAL_EVENT.lower():
        raise NotATransaction(f"{event_type[:120]!r} carries no journal entries", field=name)


def _single_entry(data: Mapping[str, Any]) -> Any:
    entries = data.get(ENTRIES)
    if not isinstance(entries, list):
        raise InvalidEvent("journalEntries must be an array", field=ENTRIES)
    if not entries:
        raise NotATransaction("the event has no journal entries", field=ENTRIES)
    if len(entries) > 1:
        raise InvalidEvent("one journal entry per item: split the document first", field=ENTRIES)
    return entries[0]
