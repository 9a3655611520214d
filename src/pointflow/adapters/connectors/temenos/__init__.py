"""Temenos Transact and Infinity: journal-entry events in, party and holdings APIs read, campaigns written."""

from __future__ import annotations

from pointflow.adapters.connectors.temenos.config import DEFAULT_TRANSACTION_CODES, CodeMeaning, TemenosConfig
from pointflow.adapters.connectors.temenos.connector import TemenosConnector
from pointflow.adapters.connectors.temenos.core_api import TemenosCoreApi

__all__ = ["DEFAULT_TRANSACTION_CODES", "CodeMeaning", "TemenosConfig", "TemenosConnector", "TemenosCoreApi"]
