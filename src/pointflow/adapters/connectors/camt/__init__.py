"""The ISO 20022 camt connector: bank statements, reports and notifications to canonical transactions."""

from __future__ import annotations

from pointflow.adapters.connectors.camt.connector import CamtConnector

__all__ = ["CamtConnector"]
