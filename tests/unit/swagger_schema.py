"""A vendor's Swagger 2.0 or OpenAPI 3 definition, read from the fixtures, as jsonschema validators."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft4Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

_URI = "urn:vendor-definition"
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf")


def load(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    document: dict[str, Any] = yaml.safe_load(text) if path.suffix in {".yaml", ".yml"} else json.loads(text)
    return document


def validator(document: dict[str, Any], pointer: str, *, strict: bool = False) -> Draft4Validator:
    """A validator for the schema at `pointer` ("#/definitions/Customer", "#/components/schemas/Event").

    Both Swagger 2.0 and OpenAPI 3.0 schemas are draft-4 JSON Schema with extensions that a validator
    ignores. `strict` also refuses properties the vendor did not define, so a body we build cannot carry
    an invented field unnoticed; objects the vendor left open (no properties listed) stay open.
    """
    if strict:
        document = copy.deepcopy(document)
        for schema in _schemas(document):
            _close(schema)
    resource = Resource.from_contents(document, default_specification=DRAFT4)
    registry: Registry[Any] = Registry().with_resource(_URI, resource)
    return Draft4Validator({"$ref": _URI + pointer}, registry=registry, format_checker=FormatChecker())


def response_pointer(document: dict[str, Any], method: str, path: str, status: str = "200") -> str:
    """The pointer of the schema an operation answers `status` with."""
    response = document["paths"][path][method.lower()]["responses"][status]
    if "schema" in response:  # Swagger 2.0
        return str(response["schema"]["$ref"])
    return str(response["content"]["application/json"]["schema"]["$ref"])


def request_pointer(document: dict[str, Any], method: str, path: str) -> str:
    """The pointer of the schema an operation's request body must follow."""
    operation = document["paths"][path][method.lower()]
    if "requestBody" in operation:  # OpenAPI 3
        return str(operation["requestBody"]["content"]["application/json"]["schema"]["$ref"])
    body = next(p for p in operation["parameters"] if p["in"] == "body")
    return str(body["schema"]["$ref"])


def errors(check: Draft4Validator, instance: Any) -> list[str]:
    """Every violation as 'path: message', for assertion messages that say what is wrong."""
    found = sorted(check.iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in found]


def _schemas(document: dict[str, Any]) -> list[dict[str, Any]]:
    named = document.get("definitions") or document.get("components", {}).get("schemas", {})
    return list(named.values())


def _close(schema: Any) -> None:
    if not isinstance(schema, dict):
        return
    properties = schema.get("properties")
    if isinstance(properties, dict):
        if properties and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
        for child in properties.values():
            _close(child)
    _close(schema.get("items"))
    _close(schema.get("additionalProperties"))
    for key in _SUBSCHEMA_LISTS:
        for child in schema.get(key, []):
            _close(child)
