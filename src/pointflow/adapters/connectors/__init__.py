"""Connectors: one module per core platform, each decoding native payloads to canonical events."""

from __future__ import annotations

from pointflow.adapters.connectors.camt import CamtConnector
from pointflow.adapters.connectors.fineract import FineractConnector
from pointflow.adapters.connectors.fineract.rest import FineractApi
from pointflow.adapters.connectors.generic import GenericConnector
from pointflow.adapters.connectors.generic_api import GenericCoreApi
from pointflow.adapters.connectors.mambu import MambuConnector
from pointflow.adapters.connectors.mambu.core import MambuCoreApi
from pointflow.adapters.connectors.mapping import mapping_connectors
from pointflow.adapters.connectors.temenos import TemenosConnector
from pointflow.adapters.connectors.temenos.core_api import TemenosCoreApi
from pointflow.service_layer.ports import Connector, CoreApi

# Each with its defaults; bootstrap replaces the ones a bank configures (Fineract's Avro schemas, say).
CONNECTORS: dict[str, Connector] = {
    c.name: c
    for c in (CamtConnector(), FineractConnector(), GenericConnector(), MambuConnector(), TemenosConnector())
}
# The shipped declarative mappings (FLEXCUBE, Finacle, …); a connector written in code keeps its name.
CONNECTORS.update({c.name: c for c in mapping_connectors() if c.name not in CONNECTORS})
CORE_APIS: dict[str, CoreApi] = {
    a.name: a for a in (FineractApi(), GenericCoreApi(), MambuCoreApi(), TemenosCoreApi())
}
