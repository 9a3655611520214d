"""Mambu: API v2 deposit transactions, webhooks and Streaming API batches in; client and account API out."""

from __future__ import annotations

from pointflow.adapters.connectors.mambu.connector import MambuConnector
from pointflow.adapters.connectors.mambu.core import MambuCoreApi
from pointflow.adapters.connectors.mambu.kinds import ChannelRule
from pointflow.adapters.connectors.mambu.template import RECOMMENDED_WEBHOOK_TEMPLATE

__all__ = ["RECOMMENDED_WEBHOOK_TEMPLATE", "ChannelRule", "MambuConnector", "MambuCoreApi"]
