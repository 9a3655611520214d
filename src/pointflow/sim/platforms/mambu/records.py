"""Mambu API v2 bodies the sandbox tenant answers with, and its checks of write-back requests."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pointflow.adapters.connectors.jsontext import dumps
from pointflow.sim.bank import SimCustomer
from pointflow.sim.platforms import SandboxState
from pointflow.sim.platforms.mambu.transactions import encoded_key

CUSTOM_FIELD_PATH = re.compile(r"^/(_[A-Za-z0-9_]{1,64})/([A-Za-z0-9_~]{1,64})$")


def client_record(customer: SimCustomer, custom_fields: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """GET /clients/{id}?detailsLevel=FULL for a sandbox customer; custom field sets as `_<set>` objects."""
    first, _, last = customer.full_name.partition(" ")
    record: dict[str, Any] = {
        "encodedKey": encoded_key("client", customer.customer_id),
        "id": customer.customer_id,
        "state": "ACTIVE",
        "firstName": first,
        "lastName": last or first,
        "emailAddress": customer.email,
        "mobilePhone": customer.phone,
        "preferredLanguage": "ENGLISH",
        "assignedBranchKey": encoded_key("branch", "main"),
        "creationDate": "2020-01-15T09:00:00+02:00",
        "approvedDate": "2020-01-15T09:05:00+02:00",
        "activationDate": "2020-01-15T09:05:00+02:00",
        "lastModifiedDate": "2020-01-15T09:05:00+02:00",
        "loanCycle": 0,
        "groupLoanCycle": 0,
        "groupKeys": [],
        "addresses": [{"country": customer.home_country, "indexInList": 0}],
        "idDocuments": [],
    }
    if customer.birth_date is not None:
        record["birthDate"] = customer.birth_date.isoformat()
    record.update({name: dict(values) for name, values in custom_fields.items() if values})
    return record


def account_record(customer: SimCustomer, state: SandboxState) -> dict[str, Any]:
    """GET /deposits/{id}: the customer's current account and its balance."""
    balance = state.balance(customer.account_id)
    return {
        "encodedKey": customer.account_id,
        "id": customer.account_id,
        "name": "Current account",
        "accountHolderKey": encoded_key("client", customer.customer_id),
        "accountHolderType": "CLIENT",
        "productTypeKey": encoded_key("product", "current"),
        "accountType": "CURRENT_ACCOUNT",
        "accountState": "ACTIVE",
        "currencyCode": state.currency,
        "creationDate": "2020-01-15T09:10:00+02:00",
        "activationDate": "2020-01-15T09:10:00+02:00",
        "balances": {
            "totalBalance": balance,
            "availableBalance": balance,
            "lockedBalance": Decimal("0"),
            "holdBalance": Decimal("0"),
            "overdraftAmount": Decimal("0"),
            "feesDue": Decimal("0"),
        },
    }


def credited(account_id: str, body: Mapping[str, Any], key: str, currency: str) -> dict[str, Any]:
    """The DepositTransaction a deposit creates, built from the request alone: a replay answers the same."""
    return {
        "encodedKey": encoded_key("deposit", key),
        "id": str(int(hashlib.sha256(key.encode()).hexdigest()[:12], 16) % 10**9),
        "externalId": str(body.get("externalId", key)),
        "type": "DEPOSIT",
        "amount": body["amount"],
        "currencyCode": currency,
        "parentAccountKey": account_id,
        "notes": str(body.get("notes", "")),
        "transactionDetails": dict(body.get("transactionDetails") or {}),
        "affectedAmounts": {"fundsAmount": body["amount"]},
    }


def holder(account_id: str, state: SandboxState) -> SimCustomer | None:
    """Sandbox accounts are numbered like their customers: acc_000042 belongs to cust_000042."""
    if not account_id.startswith("acc_"):
        return None
    customer = state.customer(f"cust_{account_id.removeprefix('acc_')}")
    return customer if customer is not None and customer.account_id == account_id else None


def patch_problem(body: Any) -> str | None:
    if not isinstance(body, list) or not body:
        return "the body must be a non-empty array of patch operations"
    for index, operation in enumerate(body):
        problem = _operation_problem(operation)
        if problem is not None:
            return f"operation {index}: {problem}"
    return None


def _operation_problem(operation: Any) -> str | None:
    if not isinstance(operation, Mapping):
        return "must be an object"
    if operation.get("op") not in ("ADD", "REPLACE", "REMOVE"):
        return "op must be ADD, REPLACE or REMOVE"
    if not isinstance(operation.get("path"), str) or not CUSTOM_FIELD_PATH.match(operation["path"]):
        return "path must name a custom field as /_<set>/<field>"
    value = operation.get("value")
    if operation["op"] != "REMOVE" and (not isinstance(value, str) or not value):
        return "a custom field value may not be empty or null"
    return None


def idempotency_key(method: str, path: str, body: Any, headers: Mapping[str, str] | None) -> str:
    for name, value in (headers or {}).items():
        if name.lower() == "idempotency-key":
            return value
    try:
        text = dumps(body)
    except (TypeError, ValueError, RecursionError):
        text = repr(body)
    return hashlib.sha256(f"{method} {path} {text}".encode()).hexdigest()


def error(status: int, reason: str, source: str) -> tuple[int, Any]:
    return status, {"errors": [{"errorCode": status, "errorReason": reason, "errorSource": source}]}
