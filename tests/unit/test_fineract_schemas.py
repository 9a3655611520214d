"""Fineract's Avro schemas load from the configured directory, `bigdecimal` substituted as its build does."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import fastavro
import pytest

from pointflow.adapters.connectors.fineract import SchemaDirectoryError, load_schemas
from pointflow.adapters.connectors.fineract.schemas import (
    BIGDECIMAL,
    MESSAGE,
    SAVINGS_TRANSACTION,
    AvroReadError,
    substitute_bigdecimal,
)
from tests.shared import COREBANKING

AVRO = COREBANKING / "fineract" / "avro"


def schema_files() -> list[Path]:
    """The vendor's named schemas: every .avsc except the bigdecimal template, which has no name."""
    return [p for p in sorted(AVRO.rglob("*.avsc")) if "name" in json.loads(p.read_text(encoding="utf-8"))]


def full_name(path: Path) -> str:
    schema = json.loads(path.read_text(encoding="utf-8"))
    return f"{schema['namespace']}.{schema['name']}"


def test_all_76_fineract_schemas_load_with_the_bigdecimal_substitution() -> None:
    files = schema_files()
    assert len(files) == 76
    schemas = load_schemas(AVRO)
    assert len(schemas) == 76
    assert {full_name(p) for p in files} == set(schemas.parsed)


def test_the_substitution_uses_the_template_fineract_ships() -> None:
    template = json.loads((AVRO / "_template_bigdecimal.avsc").read_text(encoding="utf-8"))
    assert template == BIGDECIMAL


def test_every_bigdecimal_field_becomes_a_decimal_of_precision_20_and_scale_8() -> None:
    raw = json.loads(
        (AVRO / "savings" / "v1" / "SavingsAccountTransactionDataV1.avsc").read_text(encoding="utf-8")
    )
    fields = {f["name"]: f["type"] for f in substitute_bigdecimal(raw)["fields"]}
    assert fields["amount"] == ["null", BIGDECIMAL]
    assert fields["runningBalance"] == ["null", BIGDECIMAL]
    assert "bigdecimal" not in json.dumps(substitute_bigdecimal(raw))
    assert "bigdecimal" in json.dumps(raw)  # the vendor file itself is left as it is


def test_money_survives_the_substituted_schema_exactly() -> None:
    schemas = load_schemas(AVRO)
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, schemas.parsed[SAVINGS_TRANSACTION], {"amount": Decimal("123.45")})
    record = schemas.read(SAVINGS_TRANSACTION, buffer.getvalue())
    assert record["amount"] == Decimal("123.45")
    assert record["amount"].as_tuple().exponent == -8


def test_bytes_that_are_not_the_record_are_refused_with_a_reason() -> None:
    schemas = load_schemas(AVRO)
    with pytest.raises(AvroReadError, match="MessageV1"):
        schemas.read(MESSAGE, b"\x02")
    with pytest.raises(AvroReadError, match="no schema named"):
        schemas.read("org.example.Nothing", b"")


def test_trailing_bytes_after_a_record_are_refused() -> None:
    schemas = load_schemas(AVRO)
    whole = schemas.write(SAVINGS_TRANSACTION, {"id": 1})
    with pytest.raises(AvroReadError, match="left over"):
        schemas.read(SAVINGS_TRANSACTION, whole + b"\x00")


def write(folder: Path, name: str, schema: Any) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(schema), encoding="utf-8")


def test_a_missing_directory_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(SchemaDirectoryError, match="does not exist"):
        load_schemas(tmp_path / "nowhere")


def test_a_directory_without_the_envelope_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "Only.avsc", {"type": "record", "name": "Only", "namespace": "x", "fields": []})
    with pytest.raises(SchemaDirectoryError, match="MessageV1"):
        load_schemas(tmp_path)


def test_a_reference_to_a_schema_that_is_not_there_is_named(tmp_path: Path) -> None:
    envelope = {"type": "record", "name": "MessageV1", "namespace": "org.apache.fineract.avro", "fields": []}
    write(tmp_path, "MessageV1.avsc", envelope)
    dangling = {
        "type": "record",
        "name": "A",
        "namespace": "x",
        "fields": [{"name": "b", "type": "x.Missing"}],
    }
    write(tmp_path, "A.avsc", dangling)
    with pytest.raises(SchemaDirectoryError, match=r"x\.A"):
        load_schemas(tmp_path)


def test_a_file_that_is_not_json_is_named(tmp_path: Path) -> None:
    (tmp_path / "Broken.avsc").write_text("{not json", encoding="utf-8")
    with pytest.raises(SchemaDirectoryError, match=r"Broken\.avsc"):
        load_schemas(tmp_path)
