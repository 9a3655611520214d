"""When to try a failed delivery again, and when to give up and park it as a dead letter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Verdict(StrEnum):
    DELIVERED = "delivered"  # the receiver applied it, now or before (a repeat of the same key)
    RETRY = "retry"  # the receiver or the network failed; it may work later
    REFUSED = "refused"  # the receiver said the message itself is wrong; retrying cannot help


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential back-off: base × 2^(attempt-1), capped, with a jitter fraction to spread retries."""

    base_seconds: float = 2.0
    cap_seconds: float = 3600.0
    max_attempts: int = 8
    jitter: float = 0.2

    def delay(self, attempt: int, spread: float) -> timedelta:
        """Wait before try `attempt + 1`; `spread` in [0, 1) comes from the caller's random source."""
        raw = min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempt - 1))
        return timedelta(seconds=raw * (1 - self.jitter + 2 * self.jitter * spread))

    def next_state(self, attempts: int, verdict: Verdict) -> str:
        """The message's state after `attempts` tries that ended in `verdict`."""
        if verdict is Verdict.DELIVERED:
            return "delivered"
        if verdict is Verdict.REFUSED or attempts >= self.max_attempts:
            return "dead"
        return "pending"

    def next_attempt(self, now: datetime, attempts: int, spread: float) -> datetime:
        return now + self.delay(attempts, spread)
