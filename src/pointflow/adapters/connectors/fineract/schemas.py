"""Fineract's Avro schemas, read from a bank's `fineract-avro-schemas` directory, `bigdecimal` substituted."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import fastavro
from fastavro.schema import SchemaParseException, UnknownType, parse_schema

# Fineract's build replaces its custom "bigdecimal" type with this template before generating code.
BIGDECIMAL: dict[str, Any] = {"type": "bytes", "logicalType": "decimal", "precision": 20, "scale": 8}

MESSAGE = "org.apache.fineract.avro.MessageV1"
BULK_PAYLOAD = "org.apache.fineract.avro.BulkMessagePayloadV1"
SAVINGS_TRANSACTION = "org.apache.fineract.avro.savings.v1.SavingsAccountTransactionDataV1"
LOAN_TRANSACTION = "org.apache.fineract.avro.loan.v1.LoanTransactionDataV1"
LOAN_ADJUSTMENT = "org.apache.fineract.avro.loan.v1.LoanTransactionAdjustmentDataV1"
CLIENT = "org.apache.fineract.avro.client.v1.ClientDataV1"


class SchemaDirectoryError(Exception):
    """The configured schema directory cannot be used; raised once, at start-up, never while decoding."""


class AvroReadError(Exception):
    """Bytes that are not a record of the named schema."""


@dataclass(frozen=True)
class FineractSchemas:
    """Parsed schemas by full name; reads and writes schemaless Avro binary as Fineract does."""

    parsed: Mapping[str, Any]
    directory: Path

    def __contains__(self, name: object) -> bool:
        return name in self.parsed

    def __len__(self) -> int:
        return len(self.parsed)

    def read(self, name: str, data: bytes) -> dict[str, Any]:
        schema = self.parsed.get(name)
        if schema is None:
            raise AvroReadError(f"no schema named {name} under {self.directory}")
        buffer = io.BytesIO(data)
        try:
            record = fastavro.schemaless_reader(buffer, schema, None)
        except Exception as error:  # fastavro signals bad bytes with many types; each means "not this schema"
            raise AvroReadError(f"not a {_short(name)} record: {_reason(error)}") from None
        left = len(data) - buffer.tell()
        if left:
            raise AvroReadError(f"{left} bytes left over after the {_short(name)} record")
        if not isinstance(record, dict):
            raise AvroReadError(f"{_short(name)} is not a record schema")
        return record

    def write(self, name: str, record: Mapping[str, Any]) -> bytes:
        buffer = io.BytesIO()
        fastavro.schemaless_writer(buffer, self.parsed[name], dict(record))
        return buffer.getvalue()


def load_schemas(directory: Path) -> FineractSchemas:
    """Every named schema under `directory` (recursively), parsed in dependency order."""
    raw = _read_directory(directory)
    if MESSAGE not in raw:
        raise SchemaDirectoryError(f"no MessageV1.avsc under {directory}: point at fineract-avro-schemas")
    order = _parse_order(raw)
    return FineractSchemas({name: _parsed_alone(name, raw, order) for name in raw}, directory)


def substitute_bigdecimal(node: Any) -> Any:
    """A copy of a schema with every `bigdecimal` type replaced by Fineract's decimal template."""
    if node == "bigdecimal":
        return dict(BIGDECIMAL)
    if isinstance(node, list):
        return [substitute_bigdecimal(item) for item in node]
    if not isinstance(node, dict):
        return node
    copy = dict(node)
    for key in ("type", "items", "values"):
        if key in copy:
            copy[key] = substitute_bigdecimal(copy[key])
    if isinstance(copy.get("fields"), list):
        copy["fields"] = [substitute_bigdecimal(f) for f in copy["fields"]]
    return copy


def _read_directory(directory: Path) -> dict[str, Any]:
    if not directory.is_dir():
        raise SchemaDirectoryError(f"the Fineract schema directory {directory} does not exist")
    found: dict[str, Any] = {}
    for path in sorted(directory.rglob("*.avsc")):
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise SchemaDirectoryError(f"{path}: {error}") from None
        if isinstance(schema, dict) and isinstance(schema.get("name"), str):  # templates have no name
            found[_full_name(schema)] = substitute_bigdecimal(schema)
    return found


def _full_name(schema: Mapping[str, Any]) -> str:
    name = str(schema["name"])
    namespace = schema.get("namespace")
    return name if "." in name or not namespace else f"{namespace}.{name}"


def _parse_order(raw: Mapping[str, Any]) -> list[str]:
    """Names in an order in which each schema's references are parsed before it."""
    named: dict[str, Any] = {}
    order: list[str] = []
    pending = dict(raw)
    while pending:
        done = [name for name, schema in pending.items() if _parses(name, schema, named)]
        if not done:
            raise SchemaDirectoryError(f"unresolvable type references in {sorted(pending)}")
        for name in done:
            del pending[name]
        order.extend(done)
    return order


def _parses(name: str, schema: Any, named: dict[str, Any]) -> bool:
    trial = dict(named)  # a failed attempt must not leave half its types registered
    try:
        parse_schema(schema, named_schemas=trial)
    except UnknownType:
        return False
    except SchemaParseException as error:
        raise SchemaDirectoryError(f"{name}: {error}") from None
    named.update(trial)
    return True


def _parsed_alone(name: str, raw: Mapping[str, Any], order: list[str]) -> Any:
    """`name` parsed with only the types it reaches: fastavro's reader slows with every extra named type."""
    needed = _reached(name, raw)
    named: dict[str, Any] = {}
    for other in order:
        if other in needed and other != name:
            parse_schema(raw[other], named_schemas=named)
    return parse_schema(raw[name], named_schemas=named)


def _reached(name: str, raw: Mapping[str, Any]) -> set[str]:
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen or current not in raw:
            continue
        seen.add(current)
        todo.extend(_references(raw[current], str(raw[current].get("namespace", ""))))
    return seen


def _references(node: Any, namespace: str) -> set[str]:
    """Type names a schema mentions, made full with its namespace."""
    if isinstance(node, str):
        return {node if "." in node or not namespace else f"{namespace}.{node}"}
    if isinstance(node, list):
        return set().union(*(_references(item, namespace) for item in node))
    if not isinstance(node, dict):
        return set()
    found: set[str] = set()
    for key in ("type", "items", "values"):
        if key in node:
            found |= _references(node[key], str(node.get("namespace", namespace)))
    for child in node.get("fields", []) if isinstance(node.get("fields"), list) else []:
        found |= _references(child, namespace)
    return found


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _reason(error: Exception) -> str:
    text = str(error).strip() or "the bytes end too early"
    return f"{type(error).__name__}: {text}"[:200]
