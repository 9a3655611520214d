"""Test data: generic-connector payloads with random references so that tests never collide."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

from pointflow.adapters.connectors.generic import GenericConnector
from pointflow.bootstrap import Container
from pointflow.service_layer.ingress import ItemResult, receive
from pointflow.service_layer.ports import RawEvent

EXAMPLE = (
    '{"event_type":"transaction.posted","transaction_id":"txn_789012","account_id":"acc_123456",'
    '"customer_id":"cust_888","amount":149.99,"currency":"USD","merchant_category_code":"5812",'
    '"merchant_name":"Premium Coffee Roasters","timestamp":"2024-05-15T14:30:00Z"}'
)


def ref(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def purchase(
    customer_id: str, amount: str, *, mcc: str = "5411", when: str = "2024-05-15T10:00:00Z", **extra: Any
) -> dict[str, Any]:
    return {
        "event_type": "transaction.posted",
        "transaction_id": extra.pop("transaction_id", ref("txn")),
        "account_id": "acc_" + customer_id,
        "customer_id": customer_id,
        "amount": amount,
        "currency": "USD",
        "merchant_category_code": mcc,
        "merchant_name": "Test Merchant",
        "timestamp": when,
        **extra,
    }


def refund(
    original: dict[str, Any], amount: str, *, when: str = "2024-05-20T10:00:00Z", kind: str = "refund"
) -> dict[str, Any]:
    return {
        "event_type": "transaction.refunded",
        "transaction_id": ref("rev"),
        "original_transaction_id": original["transaction_id"],
        "account_id": original["account_id"],
        "customer_id": original["customer_id"],
        "amount": amount,
        "currency": original["currency"],
        "timestamp": when,
        "reversal_kind": kind,
    }


def send(container: Container, *payloads: dict[str, Any] | str) -> list[ItemResult]:
    """Push payloads through the same ingress the HTTP API and the CLI use."""
    items = []
    for p in payloads:
        text = p if isinstance(p, str) else json.dumps(p)
        items.append(RawEvent(text, json.loads(text, parse_float=Decimal)))
    return receive(
        items,
        connector=GenericConnector(),
        deps=container.ledger_deps(),
        quarantine=container.quarantine,
        actor="test",
    )
