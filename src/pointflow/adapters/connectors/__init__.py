"""Connectors: one module per core platform, each decoding native payloads to canonical events."""

from __future__ import annotations

from pointflow.adapters.connectors.fineract import FineractConnector
from pointflow.adapters.connectors.generic import GenericConnector
from pointflow.service_layer.ports import Connector

CONNECTORS: dict[str, Connector] = {c.name: c for c in (GenericConnector(), FineractConnector())}
