"""The pseudonymisation boundary: a customer id becomes a keyed token before any rule or model sees it."""

from __future__ import annotations

import hashlib
import hmac

from pointflow.domain.money import CustomerToken


class Tokeniser:
    """Deterministic HMAC-SHA256 tokens: the same customer always maps to the same token."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the pseudonymisation secret must be at least 16 bytes")
        self._secret = secret

    def token(self, customer_id: str) -> CustomerToken:
        digest = hmac.new(self._secret, customer_id.encode(), hashlib.sha256).hexdigest()
        return CustomerToken(f"m_{digest[:32]}")
