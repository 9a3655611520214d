"""Connectors: one module per core platform, each decoding native payloads to canonical events."""

from __future__ import annotations

from pointflow.adapters.connectors.generic import GenericConnector
from pointflow.adapters.connectors.mapping import mapping_connectors
from pointflow.service_layer.ports import Connector

CONNECTORS: dict[str, Connector] = {c.name: c for c in (GenericConnector(),)}

# Declarative connectors, one per mapping file shipped in pointflow/mappings; connectors in code win a name.
CONNECTORS.update({c.name: c for c in mapping_connectors() if c.name not in CONNECTORS})
