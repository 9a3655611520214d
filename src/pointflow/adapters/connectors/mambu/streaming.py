"""One Streaming API event (a batch of one, as `split` leaves it): its string body parsed and decoded."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from pointflow.adapters.connectors import jsontext
from pointflow.adapters.connectors.mambu.document import Document
from pointflow.adapters.connectors.mambu.transaction import Settings, decode_transaction
from pointflow.domain.errors import InvalidEvent
from pointflow.domain.events import CanonicalEvent, TransactionPosted
from pointflow.service_layer.ports import DecodeLimits

_EVENT = "events[0]"


def decode_stream_event(
    batch: Mapping[str, Any], settings: Settings, limits: DecodeLimits, now: Callable[[], datetime]
) -> CanonicalEvent:
    event = _only_event(batch)
    metadata = _metadata(event)
    eid = metadata.text("eid", max_len=128)
    event_type = metadata.text("event_type", max_len=256)
    if eid is None or event_type is None:
        missing = "eid" if eid is None else "event_type"
        raise InvalidEvent(f"{metadata.name(missing)} is required", field=metadata.name(missing))
    decoded = decode_transaction(_with_trigger(body_of(event), event_type), settings, limits, now)
    if isinstance(decoded, TransactionPosted):
        return replace(
            decoded,
            extra={
                **decoded.extra,
                "delivery.stream_event_id": eid,
                "delivery.stream_event_type": event_type,
            },
        )
    return decoded


def body_of(event: Mapping[str, Any]) -> dict[str, Any]:
    """The templated notification: a string in the envelope, JSON inside it."""
    body = event.get("body")
    if not isinstance(body, str):
        raise InvalidEvent(
            f"{_EVENT}.body must be a string holding the rendered template", field=f"{_EVENT}.body"
        )
    try:
        parsed = jsontext.loads(body)
    except (ValueError, RecursionError):
        raise InvalidEvent(
            f"{_EVENT}.body is not JSON: pointflow reads notifications built from a JSON template",
            field=f"{_EVENT}.body",
        ) from None
    if not isinstance(parsed, dict):
        raise InvalidEvent(f"{_EVENT}.body must hold a JSON object", field=f"{_EVENT}.body")
    return parsed


def _only_event(batch: Mapping[str, Any]) -> Mapping[str, Any]:
    events = batch.get("events")
    if not isinstance(events, list) or len(events) != 1:
        raise InvalidEvent("events must be an array of one event (split the batch first)", field="events")
    event = events[0]
    if not isinstance(event, Mapping):
        raise InvalidEvent(f"{_EVENT} must be an object", field=_EVENT)
    return event


def _metadata(event: Mapping[str, Any]) -> Document:
    metadata = event.get("metadata")
    if not isinstance(metadata, Mapping):
        raise InvalidEvent(f"{_EVENT}.metadata must be an object", field=f"{_EVENT}.metadata")
    return Document(metadata, f"{_EVENT}.metadata.")


def _with_trigger(body: dict[str, Any], event_type: str) -> dict[str, Any]:
    """A body that names neither type nor event takes the trigger from the event type's last segment."""
    doc = Document(body)
    if doc.get("type") is not None or doc.get("event") is not None:
        return body
    return {**body, "event": event_type.rsplit(".", 1)[-1].upper()}
