"""The pseudonymisation boundary: a customer id becomes a keyed token before any rule or model sees it."""

from __future__ import annotations

import hashlib
import hmac

from pointflow.domain.money import CustomerToken


class Tokeniser:
    """Deterministic HMAC-SHA256 tokens: the same customer always maps to the same token."""

    _CACHE_LIMIT = 200_000

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the pseudonymisation secret must be at least 16 bytes")
        self._secret = secret
        self._known: dict[str, CustomerToken] = {}

    def token(self, customer_id: str) -> CustomerToken:
        known = self._known.get(customer_id)
        if known is not None:
            return known
        digest = hmac.new(self._secret, customer_id.encode(), hashlib.sha256).hexdigest()
        token = CustomerToken(f"m_{digest[:32]}")
        if len(self._known) >= self._CACHE_LIMIT:
            self._known.clear()
        self._known[customer_id] = token
        return token
