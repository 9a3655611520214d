"""The sandbox bank speaking the `generic` formats: flat JSON events and the generic core REST API."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from pointflow.domain.events import CanonicalEvent, TransactionPosted
from pointflow.sim.platforms import SandboxState

_CUSTOMER = re.compile(r"^/customers/([^/]+)$")
_BALANCES = re.compile(r"^/customers/([^/]+)/balances$")
_PERSONA_SEGMENT = {"affluent": "premium", "traveller": "premium", "student": "youth"}


def generic_payload(event: CanonicalEvent) -> dict[str, Any]:
    """The generic connector's JSON for an event (the inverse of its decode)."""
    common = {
        "transaction_id": event.source.id,
        "customer_id": event.customer_id,
        "amount": str(event.money.amount),
        "currency": event.money.currency,
        "timestamp": event.booked_at.isoformat().replace("+00:00", "Z"),
        "value_date": event.value_date.isoformat(),
    }
    if not isinstance(event, TransactionPosted):
        kind = {"reversal": "transaction.reversed", "refund": "transaction.refunded"}
        event_type = kind.get(event.kind.value, "transaction.chargeback")
        return {"event_type": event_type, **common, "original_transaction_id": event.original_source_id}
    optional = {
        "merchant_category_code": event.mcc,
        "merchant_name": event.merchant_name,
        "merchant_country": event.merchant_country,
        "description": event.description,
    }
    return {
        "event_type": "transaction.posted",
        **common,
        "account_id": event.account_id,
        "direction": event.direction.value,
        "transaction_type": event.transaction_type.value,
        "channel": event.channel.value,
        **{k: v for k, v in optional.items() if v is not None},
    }


class GenericSandbox:
    name = "generic"

    def documents(self, events: Sequence[CanonicalEvent]) -> list[bytes]:
        return [json.dumps(generic_payload(e)).encode() for e in events]

    def answer(
        self,
        method: str,
        path: str,
        body: Any,
        state: SandboxState,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        if method == "POST" and path == "/loyalty/write-backs":
            key = (headers or {}).get("idempotency-key")
            return _write_back({"key": key, **body} if isinstance(body, dict) and key else body, state)
        if method == "GET" and (match := _BALANCES.match(path)):
            return _balances(match.group(1), state)
        if method == "GET" and (match := _CUSTOMER.match(path)):
            return _customer(match.group(1), state)
        return 404, {"error": "not_found", "detail": f"no route {method} {path}"}


def _customer(customer_id: str, state: SandboxState) -> tuple[int, Any]:
    c = state.customer(customer_id)
    if c is None:
        return 404, {"error": "not_found", "detail": f"no customer {customer_id}"}
    return 200, {
        "customer_id": c.customer_id,
        "status": "active",
        "segment": _PERSONA_SEGMENT.get(c.persona, "mass"),
        "full_name": c.full_name,
        "email": c.email,
        "phone": c.phone,
        "date_of_birth": c.birth_date.isoformat() if c.birth_date else None,
    }


def _balances(customer_id: str, state: SandboxState) -> tuple[int, Any]:
    c = state.customer(customer_id)
    if c is None:
        return 404, {"error": "not_found", "detail": f"no customer {customer_id}"}
    balance = state.balance(c.account_id)
    account = {"account_id": c.account_id, "currency": state.currency, "product": "current"}
    return 200, {"accounts": [{**account, "balance": str(balance), "available": str(balance)}]}


def _write_back(body: Any, state: SandboxState) -> tuple[int, Any]:
    if not isinstance(body, dict) or not all(
        isinstance(body.get(k), str) for k in ("key", "kind", "customer_id")
    ):
        return 400, {"error": "bad_request", "detail": "key, kind and customer_id are required strings"}
    if state.customer(body["customer_id"]) is None:
        return 404, {"error": "not_found", "detail": f"no customer {body['customer_id']}"}
    first = state.record_write_back(
        key=body["key"], kind=body["kind"], customer_id=body["customer_id"], body=body
    )
    values = body.get("values") or {}
    if first and body["kind"] == "points_credited" and values.get("reward_kind") == "cashback":
        _credit_cashback(body, values, state)
    return (201 if first else 200), {"key": body["key"], "applied": True, "repeat": not first}


def _credit_cashback(body: dict[str, Any], values: dict[str, Any], state: SandboxState) -> None:
    c = state.customer(body["customer_id"])
    if c is not None:
        state.credit(body.get("account_id") or c.account_id, Decimal(str(values.get("value", "0"))))
