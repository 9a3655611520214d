"""Strict JSON for connectors: exact decimals, no NaN or Infinity, and text that parses back the same."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, NoReturn

_WHITESPACE = re.compile(r"[ \t\n\r]*")


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_refuse_constant)


def loads(text: str) -> Any:
    """Parse JSON text; numbers with a fraction become Decimal. Raises ValueError (nesting too deep too)."""
    try:
        return DECODER.decode(text)
    except RecursionError:
        raise ValueError("the JSON is nested too deeply") from None


def dumps(value: Any) -> str:
    """Compact JSON for what `loads` returns, Decimals written as the numbers they are (json cannot)."""
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{json.dumps(str(k))}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value)


def array_elements(text: str) -> list[tuple[str, Any]]:
    """Each element of a JSON array as (its exact text, its value); `text` must already parse as an array."""
    found: list[tuple[str, Any]] = []
    pos = _skip(text, _skip(text, 0) + 1)  # past the opening bracket
    while text[pos] != "]":
        value, end = DECODER.raw_decode(text, pos)
        found.append((text[pos:end], value))
        pos = _skip(text, end)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
    return found


def _skip(text: str, pos: int) -> int:
    match = _WHITESPACE.match(text, pos)
    return pos if match is None else match.end()
