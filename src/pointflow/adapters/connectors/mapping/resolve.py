"""Reads one field of one item: its cases and conditions, many values, shaping, table, default, conversion."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pointflow.adapters.connectors.mapping.canonical import IMPLICIT
from pointflow.adapters.connectors.mapping.compiled import CompiledCondition, CompiledField, MappedItem
from pointflow.adapters.connectors.mapping.convert import Clock, convert, single, text_form
from pointflow.adapters.connectors.mapping.paths import Several, Structure, Unreadable
from pointflow.adapters.connectors.mapping.shape import looked_up, shaped
from pointflow.domain.errors import InvalidEvent


class Resolver:
    """One item's fields, each read once: conditions may read other canonical fields, extras their tags."""

    def __init__(self, fields: Mapping[str, CompiledField], item: MappedItem, clock: Clock) -> None:
        self.fields, self.item, self.clock = fields, item, clock
        self._done: dict[str, tuple[Any, str | None]] = {}

    def canonical(self, name: str) -> Any:
        """The converted value of a canonical field, or None when absent (the caller knows its default)."""
        if name not in self._done:
            field = self.fields.get(name)
            self._done[name] = (None, None) if field is None else self._resolved(field)
        return self._done[name][0]

    def tag(self, name: str) -> str | None:
        """The tag of the case that gave the canonical field its value."""
        self.canonical(name)
        return self._done[name][1]

    def value(self, field: CompiledField) -> Any:
        """The converted value of any compiled field (an extra), or None when absent."""
        return self._resolved(field)[0]

    def native(self, field: CompiledField) -> tuple[CompiledField, Any]:
        """The value to convert and the field or case that gave it (for its conversion and its name); the
        value is None only for an optional field with nothing to give."""
        for leaf in field.cases or (field,):
            if self._holds(leaf):
                value = next(self._candidates(leaf, lenient=bool(field.cases)), None)
                if value is not None:
                    return leaf, value
        return field, self._default(field)

    def _resolved(self, field: CompiledField) -> tuple[Any, str | None]:
        for leaf in field.cases or (field,):
            if self._holds(leaf):
                for value in self._candidates(leaf, lenient=bool(field.cases)):
                    try:
                        return convert(leaf, value, self.clock), leaf.tag
                    except InvalidEvent:
                        if not leaf.skip_invalid:
                            raise
        value = self._default(field)
        return (None, None) if value is None else (convert(field, value, self.clock), None)

    def _default(self, field: CompiledField) -> Any:
        if field.default is None and field.required:
            raise InvalidEvent(f"{field.source.native} is required", field=field.source.native)
        return field.default

    def _candidates(self, leaf: CompiledField, *, lenient: bool) -> Iterator[Any]:
        """The values the leaf gives, in order: one, or with `many: first` each value that passes."""
        source = leaf.source
        if source.tag_of is not None or source.field is not None:
            values: Iterable[Any] = (
                self.tag(source.tag_of) if source.tag_of else self._text_of(source.field),
            )
        else:
            values = single(source.native, self.item.read(source))
            if leaf.many == "join":
                texts = (text_form(source.native, v) for v in values)
                values = (source.separator.join(t for t in texts if t) or None,)
            elif leaf.many == "one":
                values = (values,)
        for value in values:
            found = looked_up(leaf, shaped(leaf, value), lenient=lenient or leaf.many == "first")
            if found is not None:
                yield found

    def _holds(self, leaf: CompiledField) -> bool:
        return self.holds(leaf.when, leaf.unless)

    def holds(self, when: Iterable[CompiledCondition], unless: Iterable[CompiledCondition]) -> bool:
        """Every `when` condition holds and no `unless` condition does."""
        return all(self._test(c) for c in when) and not any(self._test(c) for c in unless)

    def _test(self, condition: CompiledCondition) -> bool:
        if condition.field is not None:
            name, value = condition.field, self._text_of(condition.field)
        else:
            assert condition.source is not None
            name = condition.source.native
            value = self.item.read(condition.source)
            if isinstance(value, Several | Unreadable):
                raise InvalidEvent(f"{name} must be one readable value", field=name)
        if condition.present is not None:
            return (value is not None) == condition.present
        if value is None:
            return False
        if condition.kind is not None:
            return kind_of(value) == condition.kind
        text = text_form(name, value) or ""
        if condition.choices is not None:
            return (text.casefold() if condition.ignore_case else text) in condition.choices
        assert condition.pattern is not None
        return condition.pattern.fullmatch(text) is not None

    def _text_of(self, name: str | None) -> str | None:
        """A canonical field's value as text (its implicit default when absent): what conditions see."""
        if name is None:
            return None
        value = self.canonical(name)
        if value is None:
            value = IMPLICIT.get(name)
        if isinstance(value, StrEnum):
            return value.value
        if isinstance(value, date | datetime):
            return value.isoformat()
        return None if value is None else str(value)


def kind_of(value: Any) -> str:
    """What a value is, as `is` names it: object, array, text, number or boolean."""
    if isinstance(value, Structure):
        return value.kind
    if isinstance(value, bool):
        return "boolean"
    return "text" if isinstance(value, str) else "number"
