"""Native text shaped before conversion: whitespace, a pattern's capture, keywords, case, value tables."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from pointflow.adapters.connectors.mapping.compiled import CompiledField
from pointflow.adapters.connectors.mapping.convert import text_form
from pointflow.domain.errors import InvalidEvent

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def normalised(text: str) -> str:
    """Lower case, accents dropped, anything but letters and digits one space: "Café-Bar" → "cafe bar"."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return " ".join(_NOT_ALNUM.sub(" ", plain).split())


def shaped(field: CompiledField, value: Any) -> Any:
    """The value after the field's text steps, in order; None when a pattern or keyword finds nothing."""
    steps = field.shaping
    name = field.source.native
    if value is None:
        return None
    if steps.normalize_space and isinstance(value, str):
        value = " ".join(value.split()) or None
    if value is not None and steps.pattern is not None:
        found = steps.pattern.search(text_form(name, value) or "")
        value = None if found is None else found.group(1 if steps.pattern.groups else 0)
    if value is not None and steps.keywords:
        value = _keyword(steps.keywords, text_form(name, value) or "")
    if isinstance(value, str) and steps.casing is not None:
        value = value.upper() if steps.casing == "upper" else value.lower()
    return value


def _keyword(table: tuple[tuple[str, tuple[str, ...]], ...], text: str) -> str | None:
    """The value of the first row one of whose words or phrases appears, as whole words, in the text."""
    words = f" {normalised(text)} "
    for value, keywords in table:
        if any(f" {keyword} " in words for keyword in keywords if keyword):
            return value
    return None


def looked_up(field: CompiledField, value: Any, *, lenient: bool) -> Any:
    """The value through the field's table; an unlisted value is `otherwise`, else absent when `lenient`
    (a case, or one of many values), else an error listing the table."""
    if value is None or field.values is None:
        return value
    name = field.source.native
    text = text_form(name, value) or ""
    key = text.casefold() if field.ignore_case else text
    if key in field.values:
        return field.values[key]
    if field.otherwise is not None:
        return field.otherwise
    if lenient:
        return None
    allowed = ", ".join(field.values)
    raise InvalidEvent(f"{name} {text!r} is not one of: {allowed}", field=name)
