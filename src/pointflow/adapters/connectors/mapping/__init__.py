"""Declarative connectors: a YAML mapping (paths, conversions, an event rule) decodes a schema-less core."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pointflow.adapters.connectors.mapping.compiled import CompiledMapping, MappedItem
from pointflow.adapters.connectors.mapping.connector import MappingConnector
from pointflow.adapters.connectors.mapping.loader import (
    MappingInvalid,
    load_mapping_file,
    load_mapping_text,
    mapping_files,
    shipped_mappings_dir,
)
from pointflow.service_layer.ports import Connector

__all__ = [
    "CompiledMapping",
    "MappedItem",
    "MappingConnector",
    "MappingInvalid",
    "load_mapping_file",
    "load_mapping_text",
    "mapping_connectors",
    "shipped_mappings_dir",
    "with_bank_mappings",
]


def mapping_connectors(directory: str | Path | None = None) -> list[MappingConnector]:
    """A connector per mapping file in `directory` (the shipped mappings when None); names must differ."""
    folder = Path(directory) if directory is not None else shipped_mappings_dir()
    connectors = [MappingConnector(load_mapping_file(p)) for p in mapping_files(folder)]
    names = [c.name for c in connectors]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise MappingInvalid(
            str(folder), [("name", f"more than one mapping file is named {n!r}") for n in twice]
        )
    return connectors


def with_bank_mappings(connectors: Mapping[str, Connector], directory: str | Path) -> dict[str, Connector]:
    """`connectors` plus one per mapping file in the bank's directory (the setting POINTFLOW_MAPPINGS_DIR).

    A bank's mapping may replace a shipped starter of the same name (its own FLEXCUBE notification, say),
    never a connector written in code.
    """
    added = mapping_connectors(directory)
    taken = [c.name for c in added if not isinstance(connectors.get(c.name, c), MappingConnector)]
    if taken:
        raise MappingInvalid(str(directory), [("name", f"{n!r} names a built-in connector") for n in taken])
    return {**connectors, **{c.name: c for c in added}}
