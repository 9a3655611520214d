"""Swagger 2.0 definitions from the vendor fixtures as JSON Schema validators, for contract tests.

Swagger 2.0 schemas are close to JSON Schema draft 4. What differs is handled here: `$ref`s point into the
file's `definitions`, vendor keys (`x-…`, `readOnly`, `example`, `discriminator`, `xml`) carry no
constraint, `type: file` is not a JSON type, and `format` values (`date-time`, `date`, `int32`, `int64`)
are checked strictly rather than ignored. `closed=True` also refuses properties a definition does not list
(Swagger leaves objects open), except the ones named in `extra` and, if `custom_fields`, Mambu-style
custom field sets (`_<set>`).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, FormatChecker

_NO_CONSTRAINT = frozenset({"readOnly", "example", "discriminator", "xml", "externalDocs", "description"})
_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


@cache
def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if document.get("swagger") != "2.0":
        raise ValueError(f"{path.name} is not a Swagger 2.0 document")
    return document


def validator(
    path: Path,
    definition: str,
    *,
    closed: bool = False,
    extra: Collection[str] = (),
    custom_fields: bool = False,
    overrides: Mapping[str, Any] | None = None,
) -> Draft4Validator:
    """A validator for one definition; `overrides` replaces whole definitions (say why in the test)."""
    document = load(path)
    definitions = {
        name: _clean(schema, closed, custom_fields) for name, schema in document["definitions"].items()
    }
    definitions.update(overrides or {})
    root = dict(definitions[definition])
    if closed and extra:
        root["properties"] = {**root.get("properties", {}), **{name: {} for name in extra}}
    return Draft4Validator({**root, "definitions": definitions}, format_checker=_formats())


def response_validator(path: Path, route: str, method: str, status: str = "200") -> Draft4Validator:
    """A validator for what an operation answers, e.g. the array of accounts GET /deposits returns."""
    document = load(path)
    schema = document["paths"][route][method]["responses"][status]["schema"]
    definitions = {name: _clean(s, False, False) for name, s in document["definitions"].items()}
    return Draft4Validator(
        {**_clean(schema, False, False), "definitions": definitions}, format_checker=_formats()
    )


def errors(validator: Draft4Validator, instance: Any) -> list[str]:
    """Every violation as `path: message`, for assertion messages that say what is wrong."""
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


def _clean(schema: Any, closed: bool, custom_fields: bool) -> Any:
    if isinstance(schema, list):
        return [_clean(item, closed, custom_fields) for item in schema]
    if not isinstance(schema, dict):
        return schema
    cleaned = {
        key: value if key in ("enum", "required") else _clean(value, closed, custom_fields)
        for key, value in schema.items()
        if key not in _NO_CONSTRAINT and not key.startswith("x-")
    }
    if cleaned.get("type") == "file":
        del cleaned["type"]
    if "properties" in cleaned:
        cleaned["properties"] = {
            name: _clean(value, closed, custom_fields) for name, value in schema["properties"].items()
        }
        if closed and "additionalProperties" not in cleaned:
            cleaned["additionalProperties"] = False
            if custom_fields:
                cleaned["patternProperties"] = {"^_": {"type": ["object", "array"]}}
    return cleaned


def _formats() -> FormatChecker:
    checker = FormatChecker(formats=())

    @checker.checks("date-time", raises=ValueError)
    def _date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if "T" not in value:
            raise ValueError(f"{value!r} has no time part")
        if datetime.fromisoformat(value).tzinfo is None:
            raise ValueError(f"{value!r} has no UTC offset")
        return True

    @checker.checks("date", raises=ValueError)
    def _date(value: object) -> bool:
        return not isinstance(value, str) or bool(date.fromisoformat(value))

    for name, (low, high) in _INT_RANGES.items():
        checker.checks(name)(
            lambda value, low=low, high=high: not isinstance(value, int) or low <= value <= high
        )
    return checker
