"""Mambu API v2 as pointflow's CoreApi: the client and its deposit accounts in, loyalty write-backs out."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from pointflow.adapters.connectors.mambu.records import parse_client, parse_deposit_accounts
from pointflow.domain.core import AccountBalance, CustomerMaster, WriteBack, WriteBackKind
from pointflow.service_layer.ports import HttpCall

MEDIA_TYPE = "application/vnd.mambu.v2+json"
# Mambu wants a UUID as Idempotency-Key; other keys map to a stable UUID of their own.
_KEY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "pointflow:mambu:write-back")


def idempotency_key(key: str) -> str:
    try:
        return str(uuid.UUID(key))
    except ValueError:
        return str(uuid.uuid5(_KEY_NAMESPACE, key))


class MambuCoreApi:
    """Requests and parsers for Mambu API v2; `loyalty_field_set` is the client custom field set we write."""

    name = "mambu"

    def __init__(
        self,
        *,
        base_path: str = "/api",
        loyalty_field_set: str = "_loyalty",
        reward_channel: str = "LOYALTY_REWARD",
        pii_custom_fields: Collection[str] = (),
    ) -> None:
        self.base_path = base_path.rstrip("/")
        self.loyalty_field_set = loyalty_field_set
        self.reward_channel = reward_channel
        self.pii_custom_fields = frozenset(pii_custom_fields)

    def customer_request(self, customer_id: str) -> HttpCall:
        return HttpCall(
            "GET", self._path("clients", customer_id), params={"detailsLevel": "FULL"}, headers=_reading()
        )

    def parse_customer(self, body: Any) -> CustomerMaster:
        return parse_client(body, self.pii_custom_fields)

    def balances_request(self, customer_id: str) -> HttpCall:
        params = {"accountHolderId": customer_id, "accountHolderType": "CLIENT", "limit": "1000"}
        return HttpCall("GET", f"{self.base_path}/deposits", params=params, headers=_reading())

    def account_request(self, account_id: str) -> HttpCall:
        """One deposit account (its balances), when the account rather than the client is known."""
        return HttpCall("GET", self._path("deposits", account_id), headers=_reading())

    def parse_balances(self, body: Any) -> list[AccountBalance]:
        return parse_deposit_accounts(body)

    def write_back_request(self, message: WriteBack) -> HttpCall:
        """FLAG, OFFER, points: PATCH the client's loyalty custom fields; cashback: a deposit transaction."""
        if message.kind is WriteBackKind.POINTS_CREDITED and "amount" in message.values:
            return self._cashback(message)
        return HttpCall(
            "PATCH",
            self._path("clients", message.customer_id),
            json=self._patch(message.values),
            headers=_writing(message.key),
        )

    def _patch(self, values: dict[str, str]) -> list[dict[str, Any]]:
        """JSON-Patch-like operations on `/_<set>/<field>`; Mambu refuses empty values, so "" removes."""
        operations: list[dict[str, Any]] = []
        for field_id, value in sorted(values.items()):
            path = f"/{self.loyalty_field_set}/{_pointer(field_id)}"
            operations.append(
                {"op": "REMOVE", "path": path} if value == "" else {"op": "ADD", "path": path, "value": value}
            )
        return operations

    def _cashback(self, message: WriteBack) -> HttpCall:
        if message.account_id is None:
            raise ValueError("a cashback write-back needs the account to credit")
        body: dict[str, Any] = {
            "amount": _decimal(message.values["amount"]),
            "externalId": message.key,
            "notes": message.values.get("notes", "Loyalty reward"),
            "transactionDetails": {"transactionChannelId": self.reward_channel},
        }
        path = f"{self._path('deposits', message.account_id)}/deposit-transactions"
        return HttpCall("POST", path, json=body, headers=_writing(message.key))

    def _path(self, collection: str, identifier: str) -> str:
        return f"{self.base_path}/{collection}/{quote(identifier, safe='')}"


def _pointer(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"cashback amount {text!r} is not a decimal number") from None
    if not value.is_finite() or value <= 0:
        raise ValueError(f"cashback amount {text!r} must be a positive number")
    return value


def _reading() -> dict[str, str]:
    return {"Accept": MEDIA_TYPE}


def _writing(key: str) -> dict[str, str]:
    return {"Accept": MEDIA_TYPE, "Content-Type": "application/json", "Idempotency-Key": idempotency_key(key)}
