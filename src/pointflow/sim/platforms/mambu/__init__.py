"""The sandbox bank as a Mambu tenant: deposit transactions (API v2 pages, webhooks, Streaming API batches)
out, and the client, deposit account and write-back endpoints of API v2 in."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from pointflow.adapters.connectors.jsontext import dumps
from pointflow.domain.events import CanonicalEvent
from pointflow.sim.platforms import SandboxState
from pointflow.sim.platforms.mambu.records import (
    CUSTOM_FIELD_PATH,
    account_record,
    client_record,
    credited,
    error,
    holder,
    idempotency_key,
    patch_problem,
)
from pointflow.sim.platforms.mambu.transactions import TRIGGER_OF, deposit_transactions, render


class MambuSandbox:
    """A Mambu tenant for the sandbox bank; it keeps the custom field values that write-backs set."""

    name = "mambu"

    def __init__(self, *, page_size: int = 50, tenant: str = "sandbox") -> None:
        self.page_size = page_size
        self.tenant = tenant
        self.custom_fields: dict[str, dict[str, dict[str, str]]] = {}

    # --- documents ------------------------------------------------------------------------------------

    def documents(self, events: Sequence[CanonicalEvent]) -> list[bytes]:
        """Pages of API v2 DepositTransactions (as /deposits/transactions:search answers), each with the
        account holder's client id added as `accountHolderId`, the one field a feed must add."""
        found = self.transactions(events)
        pages = (found[i : i + self.page_size] for i in range(0, len(found), self.page_size))
        return [dumps(page).encode() for page in pages]

    def transactions(self, events: Sequence[CanonicalEvent]) -> list[dict[str, Any]]:
        return deposit_transactions(events)

    def webhook_bodies(self, events: Sequence[CanonicalEvent]) -> list[bytes]:
        """What Mambu posts when the recommended template is set up for each trigger."""
        return [render(transaction).encode() for transaction in self.transactions(events)]

    def stream_batches(self, events: Sequence[CanonicalEvent], batch_size: int = 20) -> bytes:
        """A Streaming API v2 read: newline-separated batches whose event bodies are rendered templates."""
        transactions = self.transactions(events)
        lines = [
            dumps(self._batch(transactions[i : i + batch_size], i))
            for i in range(0, len(transactions), batch_size)
        ]
        return "\n".join(lines).encode() + b"\n"

    def _batch(self, transactions: list[dict[str, Any]], offset: int) -> dict[str, Any]:
        cursor = {
            "partition": "0",
            "offset": f"001-0001-{offset + len(transactions):018d}",
            "event_type": "MIXED",
            "cursor_token": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.tenant}/{offset}")),
        }
        return {"cursor": cursor, "events": [self._stream_event(t) for t in transactions]}

    def _stream_event(self, transaction: dict[str, Any]) -> dict[str, Any]:
        trigger = TRIGGER_OF.get(transaction["type"], transaction["type"])
        occurred = datetime.fromisoformat(transaction["creationDate"]).astimezone(UTC)
        metadata = {
            "eid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.tenant}/{transaction['encodedKey']}")),
            "occurred_at": occurred.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "content_type": "application/json",
            "category": "DATA",
            "event_type": f"mrn.event.{self.tenant}.streamingapi.{trigger.lower()}",
        }
        return {
            "metadata": metadata,
            "body": render(transaction),
            "template_name": "pointflow deposit transaction",
        }

    # --- API v2 ---------------------------------------------------------------------------------------

    def answer(
        self,
        method: str,
        path: str,
        body: Any,
        state: SandboxState,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        """Mambu's answer; writes are keyed by the Idempotency-Key header, else by the request itself."""
        url = urlsplit(path)
        parts = [unquote(p) for p in url.path.strip("/").split("/")]
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        key = idempotency_key(method, path, body, headers)
        match (method.upper(), parts):
            case ("GET", ["api", "clients", client_id]):
                return self._client(client_id, state)
            case ("PATCH", ["api", "clients", client_id]):
                return self._patch_client(client_id, body, state, key)
            case ("GET", ["api", "deposits"]):
                return self._accounts_of(query, state)
            case ("GET", ["api", "deposits", account_id]):
                return self._account(account_id, state)
            case ("POST", ["api", "deposits", account_id, "deposit-transactions"]):
                return self._deposit(account_id, body, state, key)
        return error(404, "INVALID_API_OPERATION", url.path)

    def _client(self, client_id: str, state: SandboxState) -> tuple[int, Any]:
        customer = state.customer(client_id)
        if customer is None:
            return error(404, "INVALID_CLIENT_ID", client_id)
        return 200, client_record(customer, self.custom_fields.get(client_id, {}))

    def _patch_client(self, client_id: str, body: Any, state: SandboxState, key: str) -> tuple[int, Any]:
        if state.customer(client_id) is None:
            return error(404, "INVALID_CLIENT_ID", client_id)
        problem = patch_problem(body)
        if problem is not None:
            return error(400, "INVALID_PARAMETERS", problem)
        if state.record_write_back(key=key, kind="client_custom_fields", customer_id=client_id, body=body):
            self._apply(client_id, body)
        return 204, None

    def _apply(self, client_id: str, operations: list[dict[str, Any]]) -> None:
        sets = self.custom_fields.setdefault(client_id, {})
        for operation in operations:
            match = CUSTOM_FIELD_PATH.match(operation["path"])
            assert match is not None
            field_set, field_id = match.group(1), match.group(2).replace("~1", "/").replace("~0", "~")
            values = sets.setdefault(field_set, {})
            if operation["op"] == "REMOVE":
                values.pop(field_id, None)
            else:
                values[field_id] = operation["value"]

    def _accounts_of(self, query: Mapping[str, str], state: SandboxState) -> tuple[int, Any]:
        if query.get("accountHolderType", "CLIENT") != "CLIENT":
            return 200, []
        customer = state.customer(query.get("accountHolderId", ""))
        return 200, [] if customer is None else [account_record(customer, state)]

    def _account(self, account_id: str, state: SandboxState) -> tuple[int, Any]:
        customer = holder(account_id, state)
        if customer is None:
            return error(404, "INVALID_DEPOSIT_ACCOUNT_ID", account_id)
        return 200, account_record(customer, state)

    def _deposit(self, account_id: str, body: Any, state: SandboxState, key: str) -> tuple[int, Any]:
        customer = holder(account_id, state)
        if customer is None:
            return error(404, "INVALID_DEPOSIT_ACCOUNT_ID", account_id)
        amount = body.get("amount") if isinstance(body, Mapping) else None
        if isinstance(amount, bool) or not isinstance(amount, int | Decimal) or amount <= 0:
            return error(400, "INVALID_AMOUNT", "amount")
        state.record_write_back(
            key=key, kind="deposit_transaction", customer_id=customer.customer_id, body=body
        )
        return 201, credited(account_id, body, key, state.currency)
