"""How the sandbox bank speaks each core platform: native documents out, the platform's API in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, Protocol

from pointflow.domain.events import CanonicalEvent
from pointflow.sim.bank import SimCustomer


class SandboxState(Protocol):
    """What a platform's sandbox endpoints read and change."""

    currency: str

    def customer(self, customer_id: str) -> SimCustomer | None: ...
    def balance(self, account_id: str) -> Decimal: ...
    def credit(self, account_id: str, amount: Decimal) -> None:
        """Move money into an account (a cashback reward written back, say)."""
        ...

    def record_write_back(self, *, key: str, kind: str, customer_id: str, body: Any) -> bool:
        """Keep one write-back; False if `key` was applied before (the second delivery has no effect)."""
        ...


class SandboxPlatform(Protocol):
    name: str  # the connector that reads this platform's documents

    def documents(self, events: Sequence[CanonicalEvent]) -> list[bytes]:
        """Native documents that the platform's connector (split, then decode) turns back into `events`."""
        ...

    def answer(
        self,
        method: str,
        path: str,
        body: Any,
        state: SandboxState,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        """Answer one call to the platform's API (customer master, balances, write-back) as the core would.

        `path` carries the query string, if any (`/accounts/balances?customerId=1`); `headers` are the
        request's, lower-cased (an `idempotency-key`, say).

        Unknown paths answer 404 and bad bodies 400, with a body shaped like the platform's own errors.
        """
        ...
