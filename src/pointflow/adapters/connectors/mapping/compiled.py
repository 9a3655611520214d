"""A mapping ready to run: compiled paths, resolved conversions, and the item payload split produces."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import tzinfo
from enum import StrEnum
from typing import Any

from pointflow.adapters.connectors.mapping.canonical import Kind
from pointflow.adapters.connectors.mapping.model import Fallback, FieldType, MappingSpec, Sign
from pointflow.adapters.connectors.mapping.paths import (
    DocumentPath,
    JsonPath,
    Several,
    Structure,
    Unreadable,
    XmlPath,
)


@dataclass(frozen=True, slots=True)
class Source:
    """Where a value comes from: a path from the item, a named context value, a constant, or another
    canonical field's value or the tag of the case that gave it."""

    native: str  # the name errors use: `name`, else the path as the mapping writes it
    paths: tuple[str, ...] = ()  # more than one: their texts joined with `separator` (a composite key)
    separator: str = "-"
    context: str | None = None
    constant: str | None = None
    tag_of: str | None = None
    field: str | None = None  # another canonical field's value
    many: bool = False  # the path is read as every value it matches


@dataclass(frozen=True, slots=True)
class CompiledCondition:
    """A `when`/`unless` test: `present`, `is` (a kind of value), or the text in `choices` or `pattern`."""

    source: Source | None  # None: the test reads the canonical field `field`
    field: str | None = None
    present: bool | None = None
    choices: frozenset[str] | None = None
    pattern: re.Pattern[str] | None = None
    ignore_case: bool = False
    kind: str | None = None  # `is`: what the value is (object, array, text, number, boolean)


@dataclass(frozen=True, slots=True)
class Shaping:
    """What is done to a native text before its value table: each step optional, in this order."""

    normalize_space: bool = False
    pattern: re.Pattern[str] | None = None
    keywords: tuple[tuple[str, tuple[str, ...]], ...] = ()
    casing: str | None = None


@dataclass(frozen=True, slots=True)
class CompiledField:
    name: str  # canonical name, or `extra.<name>`
    source: Source
    kind: Kind
    native_type: FieldType
    required: bool = False
    default: str | None = None
    values: Mapping[str, str] | None = None
    otherwise: str | None = None
    formats: tuple[str, ...] = ()
    zone: tzinfo | None = None
    sign: Sign = "positive"
    max_length: int = 256
    choices: type[StrEnum] | None = None
    cases: tuple[CompiledField, ...] = ()
    when: tuple[CompiledCondition, ...] = ()
    unless: tuple[CompiledCondition, ...] = ()
    tag: str | None = None
    many: str = "one"
    skip_invalid: bool = False  # a value that does not convert is passed over, like an absent one
    shaping: Shaping = Shaping()
    ignore_case: bool = False
    truncate: int | None = None


@dataclass(frozen=True, slots=True)
class CompiledTest:
    source: Source
    values: Mapping[str, str]
    missing: Fallback
    unknown: Fallback
    patterns: tuple[tuple[re.Pattern[str], Fallback], ...] = ()
    when: tuple[CompiledCondition, ...] = ()
    unless: tuple[CompiledCondition, ...] = ()


@dataclass(frozen=True, slots=True)
class CompiledMapping:
    spec: MappingSpec
    items: JsonPath | XmlPath
    item_paths: Mapping[str, DocumentPath]
    context_paths: Mapping[str, tuple[DocumentPath, ...]]
    fields: Mapping[str, CompiledField]
    tests: tuple[CompiledTest, ...]
    otherwise: str
    extra: tuple[CompiledField, ...] = ()
    item_lists: Mapping[str, JsonPath | XmlPath] = field(default_factory=dict)
    allow_empty: bool | JsonPath | XmlPath = False


@dataclass(frozen=True, slots=True)
class MappedItem:
    """One item's payload: the values every path of the mapping read, ready for decode.

    `values` is keyed by item path as written, `context` by context name; absent values are None.
    `lists` holds, for the paths read with `many`, every value they matched, in document order.
    """

    values: Mapping[str, Any] = field(default_factory=dict)
    context: Mapping[str, Any] = field(default_factory=dict)
    lists: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)

    def read(self, source: Source) -> Any:
        if source.constant is not None:
            return source.constant
        if source.context is not None:
            return self.context.get(source.context)
        if source.many:
            return self.lists.get(source.paths[0], ())
        if len(source.paths) == 1:
            return self.values.get(source.paths[0])
        return _joined([self.values.get(p) for p in source.paths], source.separator)


def _joined(parts: list[Any], separator: str) -> Any:
    """A composite value; absent if any part is absent, and a part that is not one value spoils it."""
    for part in parts:
        if part is None or isinstance(part, Several | Structure | Unreadable):
            return part
    return separator.join(_text(p) for p in parts)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()
