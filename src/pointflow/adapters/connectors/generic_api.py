"""The `generic` core API: a plain REST shape for a bank's own middleware, documented in
docs/connectors/generic.md, for cores reached through an integration layer rather than a vendor API."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from pointflow.domain.core import AccountBalance, CustomerMaster, WriteBack
from pointflow.domain.errors import InvalidEvent
from pointflow.domain.money import Money
from pointflow.service_layer.ports import HttpCall

_PII = ("full_name", "email", "phone", "date_of_birth")


class GenericCoreApi:
    name = "generic"

    def customer_request(self, customer_id: str) -> HttpCall:
        return HttpCall("GET", f"/customers/{customer_id}")

    def parse_customer(self, body: Any) -> CustomerMaster:
        record = _object(body, "customer")
        joined, born = record.get("joined_on"), record.get("date_of_birth")
        return CustomerMaster(
            customer_id=str(record.get("customer_id", "")),
            status=_text(record.get("status")),
            segment=_text(record.get("segment")),
            joined_on=date.fromisoformat(joined) if isinstance(joined, str) else None,
            birth_year=date.fromisoformat(born).year if isinstance(born, str) else None,
            pii={k: str(record[k]) for k in _PII if record.get(k)},
        )

    def balances_request(self, customer_id: str) -> HttpCall:
        return HttpCall("GET", f"/customers/{customer_id}/balances")

    def parse_balances(self, body: Any) -> list[AccountBalance]:
        accounts = _object(body, "balances").get("accounts")
        if not isinstance(accounts, list):
            raise InvalidEvent("accounts must be a list", field="accounts")
        return [_balance(_object(a, "accounts[]")) for a in accounts]

    def write_back_request(self, message: WriteBack) -> HttpCall:
        body = {
            "key": message.key,
            "kind": message.kind.value,
            "customer_id": message.customer_id,
            "account_id": message.account_id,
            "values": message.values,
        }
        return HttpCall("POST", "/loyalty/write-backs", json=body, headers={"Idempotency-Key": message.key})


def _object(body: Any, name: str) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise InvalidEvent(f"{name} must be a JSON object", field=name)
    return body


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _balance(account: Mapping[str, Any]) -> AccountBalance:
    currency = str(account.get("currency", ""))
    try:
        balance = Decimal(str(account["balance"]))
        available = Decimal(str(account["available"])) if "available" in account else None
    except (KeyError, InvalidOperation):
        raise InvalidEvent("balance must be a decimal number", field="balance") from None
    return AccountBalance(
        account_id=str(account.get("account_id", "")),
        balance=Money(balance, currency),
        available=Money(available, currency) if available is not None else None,
        product=_text(account.get("product")),
    )
