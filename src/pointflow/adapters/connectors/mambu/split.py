"""Cut a Mambu document into items: one object, a page (array) of them, Streaming API batches, or lines."""

from __future__ import annotations

from typing import Any

from pointflow.adapters.connectors import jsontext
from pointflow.service_layer.ports import RawEvent


def split(body: bytes) -> list[RawEvent]:
    """Items whose `raw` text splits back to the same item; unreadable input is one item with parse_error."""
    text = body.decode("utf-8", errors="replace")
    try:
        return _document(text)
    except (ValueError, RecursionError) as error:
        if _looks_like_lines(text):
            return [item for line in _lines(text) for item in _line(line)]
        return [RawEvent(text, None, _reason(error))]


def is_batch(value: Any) -> bool:
    """A Streaming API batch: an object with a cursor and (unless it is a keep-alive) events."""
    return isinstance(value, dict) and ("cursor" in value or "events" in value)


def _document(text: str) -> list[RawEvent]:
    parsed = jsontext.loads(text)
    if isinstance(parsed, list):
        return [item for raw, value in jsontext.array_elements(text) for item in _element(raw, value)]
    if is_batch(parsed):
        return _batch(text, parsed)
    return [RawEvent(text, parsed)]


def _element(raw: str, value: Any) -> list[RawEvent]:
    if is_batch(value):
        return _batch(raw, value)
    if isinstance(value, dict):
        return [RawEvent(raw, value)]
    # Alone, a non-object element would be read as a document of its own; in brackets it stays one item.
    return [RawEvent(f"[{raw}]", value)]


def _batch(raw: str, batch: dict[str, Any]) -> list[RawEvent]:
    events = batch.get("events")
    if events is None:
        return []  # a keep-alive batch: a cursor and no events
    if not isinstance(events, list) or len(events) == 1:
        return [RawEvent(raw, batch)]
    return [_one_event(batch, event) for event in events]


def _one_event(batch: dict[str, Any], event: Any) -> RawEvent:
    """The event re-wrapped in a batch of its own, so that it keeps its cursor when it is replayed."""
    single: dict[str, Any] = {"cursor": batch["cursor"]} if "cursor" in batch else {}
    single["events"] = [event]
    return RawEvent(jsontext.dumps(single), single)


def _line(line: str) -> list[RawEvent]:
    try:
        return _document(line)
    except (ValueError, RecursionError) as error:
        return [RawEvent(line, None, _reason(error))]


def _looks_like_lines(text: str) -> bool:
    """Newline-separated batches: more than one line, and the first one is a JSON document on its own."""
    lines = _lines(text)
    if len(lines) < 2:
        return False
    try:
        jsontext.loads(lines[0])
    except (ValueError, RecursionError):
        return False
    return True


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _reason(error: Exception) -> str:
    if isinstance(error, RecursionError):
        return "malformed JSON: nested too deeply"
    lineno, colno = getattr(error, "lineno", None), getattr(error, "colno", None)
    where = f" at line {lineno} column {colno}" if lineno is not None else ""
    message = getattr(error, "msg", None) or str(error)
    return f"malformed JSON{where}: {message}"
