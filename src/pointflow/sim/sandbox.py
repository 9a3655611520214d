"""The sandbox core bank's state: its customers, their balances, and the write-backs it has applied."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pointflow.sim.bank import CURRENCY, SimCustomer


@dataclass(frozen=True, slots=True)
class AppliedWriteBack:
    key: str
    kind: str
    customer_id: str
    body: Any
    applied_at: datetime


class SandboxBank:
    """Thread-safe, in memory; a write-back key is applied once however often it is delivered."""

    def __init__(
        self,
        customers: Sequence[SimCustomer],
        *,
        currency: str = CURRENCY,
        opening_balance: Decimal = Decimal("2500.00"),
    ) -> None:
        self.currency = currency
        self._customers = {c.customer_id: c for c in customers}
        self._balances = {c.account_id: opening_balance for c in customers}
        self._applied: dict[str, AppliedWriteBack] = {}
        self.deliveries: Counter[str] = Counter()
        self._lock = threading.Lock()

    def customer(self, customer_id: str) -> SimCustomer | None:
        return self._customers.get(customer_id)

    def balance(self, account_id: str) -> Decimal:
        with self._lock:
            return self._balances.get(account_id, Decimal(0))

    def credit(self, account_id: str, amount: Decimal) -> None:
        with self._lock:
            self._balances[account_id] = self._balances.get(account_id, Decimal(0)) + amount

    def record_write_back(self, *, key: str, kind: str, customer_id: str, body: Any) -> bool:
        with self._lock:
            self.deliveries[key] += 1
            if key in self._applied:
                return False
            self._applied[key] = AppliedWriteBack(key, kind, customer_id, body, datetime.now(UTC))
            return True

    def applied(self) -> list[AppliedWriteBack]:
        with self._lock:
            return list(self._applied.values())
