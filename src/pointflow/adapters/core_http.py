"""A core platform's API over HTTP: write-backs for the outbox, customer master and balances."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import httpx
import orjson

from pointflow.domain.core import AccountBalance, CustomerMaster, WriteBack
from pointflow.domain.delivery import Verdict
from pointflow.domain.errors import DomainError
from pointflow.service_layer.outbox import Delivery
from pointflow.service_layer.ports import CoreApi, HttpCall

T = TypeVar("T")

# Statuses that say "not now" rather than "never": the same request may succeed on a later try.
_TRANSIENT = frozenset({408, 425, 429, 500, 502, 503, 504})


class CoreUnavailable(Exception):
    """The core did not answer an enrichment call usefully."""


class HttpCore:
    def __init__(self, api: CoreApi, client: httpx.Client) -> None:
        self.api = api
        self.client = client

    def deliver(self, message: WriteBack) -> Delivery:
        try:
            call = self.api.write_back_request(message)
        except (DomainError, ValueError, KeyError) as error:
            return Delivery(Verdict.REFUSED, f"the {self.api.name} API cannot take this write-back: {error}")
        headers = {"Idempotency-Key": message.key, **(call.headers or {})}
        try:
            response = self._send(call, headers)
        except httpx.HTTPError as error:
            return Delivery(Verdict.RETRY, f"{type(error).__name__}: {error}")
        if response.is_success:
            return Delivery(Verdict.DELIVERED)
        detail = f"HTTP {response.status_code} from {call.method} {call.path}: {response.text[:300]}"
        return Delivery(Verdict.RETRY if response.status_code in _TRANSIENT else Verdict.REFUSED, detail)

    def customer(self, customer_id: str) -> CustomerMaster:
        call = self.api.customer_request(customer_id)
        return _parsed(call, self.api.parse_customer, self._json(call))

    def balances(self, customer_id: str) -> list[AccountBalance]:
        call = self.api.balances_request(customer_id)
        return _parsed(call, self.api.parse_balances, self._json(call))

    def _json(self, call: HttpCall) -> Any:
        try:
            response = self._send(call, dict(call.headers or {}))
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise CoreUnavailable(f"{call.method} {call.path}: {error}") from error

    def _send(self, call: HttpCall, headers: dict[str, str]) -> httpx.Response:
        if call.json is None:
            return self.client.request(
                call.method, call.path, params=dict(call.params or {}), headers=headers
            )
        headers = {"Content-Type": "application/json", **headers}
        body = json_bytes(call.json)
        return self.client.request(
            call.method, call.path, content=body, params=dict(call.params or {}), headers=headers
        )


def _parsed(call: HttpCall, parse: Callable[[Any], T], body: Any) -> T:
    try:
        return parse(body)
    except (DomainError, ValueError, TypeError) as error:
        raise CoreUnavailable(
            f"{call.method} {call.path} answered a body pointflow cannot read: {error}"
        ) from error


def json_bytes(value: Any) -> bytes:
    """JSON with Decimals written as exact numbers (`25.00`, never a float's `25.0` or a string)."""
    return orjson.dumps(value, default=_exact)


def _exact(value: Any) -> Any:
    if isinstance(value, Decimal) and value.is_finite():
        return orjson.Fragment(str(value))
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def core_client(base_url: str, *, token: str | None = None, timeout: float = 10.0) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=base_url, headers=headers, timeout=timeout)
