"""Exact JSON text for Fineract items: decimals stay Decimal both ways, so render then parse is stable."""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson

from pointflow.adapters.connectors import jsontext as exact

MAX_DEPTH = 64
_LONG = 2**63
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def parse(text: str) -> Any:
    """JSON with numbers as exact Decimals; NaN and Infinity, which JSON does not have, are refused."""
    parsed = exact.loads(text)
    if _SURROGATE_ESCAPE.search(text):  # a pair is one character; a lone half is not text at all
        try:
            json.dumps(parsed, default=str, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("a string holds a lone UTF-16 surrogate escape, which is not text") from None
    return parsed


def render(value: Any) -> str:
    """Compact JSON; None values inside objects are left out, Decimals written as plain numbers."""
    return orjson.dumps(_pruned(value, 0), default=_text).decode()


def _pruned(value: Any, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise ValueError(f"the JSON is nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, Mapping):
        return {str(k): _pruned(v, depth + 1) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_pruned(v, depth + 1) for v in value]
    if isinstance(value, Decimal):
        return orjson.Fragment(str(value)) if value.is_finite() else str(value)  # str(): 1E+9 stays short
    if isinstance(value, int) and not isinstance(value, bool) and not -_LONG <= value < _LONG:
        return orjson.Fragment(str(value))
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value


def _text(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    return str(value)
