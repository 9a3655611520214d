"""The mapping connector: a Connector whose native format is described by a mapping file, not by code."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from pointflow.adapters.connectors.mapping import json_document, xml_document
from pointflow.adapters.connectors.mapping.canonical import ALIASES
from pointflow.adapters.connectors.mapping.compiled import CompiledMapping, MappedItem
from pointflow.adapters.connectors.mapping.convert import Clock
from pointflow.adapters.connectors.mapping.decode import decode_item
from pointflow.adapters.connectors.mapping.paths import DocumentPath, JsonPath, XmlPath
from pointflow.adapters.connectors.mapping.pieces import DocumentError, Piece
from pointflow.adapters.connectors.mapping.resolve import Resolver
from pointflow.domain.errors import InvalidEvent
from pointflow.domain.events import CanonicalEvent
from pointflow.service_layer.ports import DecodeLimits, RawEvent

_ID_CLOCK = Clock(lambda: datetime.max.replace(tzinfo=UTC), 0)  # identifiers never look at the time


class MappingConnector:
    """Cuts documents with the mapping's `items` path and decodes each item with its field paths."""

    def __init__(self, mapping: CompiledMapping) -> None:
        self.mapping = mapping
        self.name = mapping.spec.name

    def split(self, body: bytes) -> list[RawEvent]:
        """Items in document order; a document that cannot be cut is one item with `parse_error`."""
        text = body.decode("utf-8", errors="replace")
        limit = self.mapping.spec.limits.max_bytes
        if len(body) > limit:
            return [RawEvent(text, None, f"the document is larger than the mapping's limit of {limit} bytes")]
        try:
            return [self._raw_event(piece) for piece in self._pieces(text)]
        except DocumentError as error:
            return [RawEvent(text, None, str(error))]

    def _pieces(self, text: str) -> Iterator[Piece]:
        spec, items = self.mapping.spec, self.mapping.items
        if isinstance(items, JsonPath):
            return json_document.pieces(
                text, items, spec.limits, batch=spec.array_is_batch, allow_empty=self.mapping.allow_empty
            )
        assert isinstance(items, XmlPath)
        return xml_document.pieces(text, items, spec.limits, allow_empty=self.mapping.allow_empty)

    def _raw_event(self, piece: Piece) -> RawEvent:
        if piece.problem is not None:
            return RawEvent(piece.raw, None, piece.problem)
        values = {text: path.read(piece.item) for text, path in self.mapping.item_paths.items()}
        lists = {text: path.read_all(piece.item) for text, path in self.mapping.item_lists.items()}
        context = {name: _first(paths, piece.scope) for name, paths in self.mapping.context_paths.items()}
        return RawEvent(piece.raw, MappedItem(values, context, lists))

    def decode(self, payload: Any, *, limits: DecodeLimits, now: Callable[[], datetime]) -> CanonicalEvent:
        if not isinstance(payload, MappedItem):
            raise InvalidEvent(f"the payload is not an item cut by the {self.name} mapping", field="<body>")
        return decode_item(self.mapping, payload, limits, Clock(now, limits.max_future_skew_hours))

    def native_field(self, canonical: str) -> str:
        """The mapping's path for a canonical field (or the event rule's for `event_type`)."""
        name = ALIASES.get(canonical, canonical)
        if name == "event_type" and self.mapping.tests:
            return self.mapping.tests[0].source.native
        field = self.mapping.fields.get(name)
        if field is None:
            field = next((e for e in self.mapping.extra if e.name == name), None)
        return field.source.native if field is not None else canonical

    def source_id(self, payload: Any) -> str | None:
        if not isinstance(payload, MappedItem):
            return None
        try:
            value = Resolver(self.mapping.fields, payload, _ID_CLOCK).canonical("source_id")
        except InvalidEvent:
            return None
        return value if isinstance(value, str) else None


def _first(paths: tuple[DocumentPath, ...], scope: Any) -> Any:
    """A context value listing several paths takes the first that finds anything."""
    value = None
    for path in paths:
        value = path.read(scope)
        if value is not None:
            return value
    return value
