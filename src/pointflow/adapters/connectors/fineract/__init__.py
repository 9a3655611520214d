"""Apache Fineract: external events (Avro `MessageV1`), hooks, REST API (docs/connectors/fineract.md)."""

from __future__ import annotations

from pointflow.adapters.connectors.fineract.connector import FineractConnector
from pointflow.adapters.connectors.fineract.rest import FineractApi
from pointflow.adapters.connectors.fineract.schemas import FineractSchemas, SchemaDirectoryError, load_schemas

__all__ = ["FineractApi", "FineractConnector", "FineractSchemas", "SchemaDirectoryError", "load_schemas"]
