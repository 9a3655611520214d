"""Named domain errors; the HTTP layer maps each to an RFC 9457 problem response once."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the business rules raise on purpose."""

    title = "Domain rule violated"

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


class InvalidEvent(DomainError):
    """An inbound event failed validation; `field` names the offending field."""

    title = "Invalid event"


class NotATransaction(DomainError):
    """A well-formed native event that carries no posting (a client created, an account approved)."""

    title = "Not a transaction"


class DuplicateConflict(DomainError):
    """The same source id arrived again with different content."""

    title = "Conflicting duplicate"


class UnbalancedPosting(DomainError):
    """A posting whose legs do not sum to zero, or that has fewer than two legs."""

    title = "Unbalanced posting"


class InsufficientPoints(DomainError):
    """A redemption asked for more points than the member has available."""

    title = "Insufficient points"


class UnknownReward(DomainError):
    """A redemption named a reward that is not in the active catalogue."""

    title = "Unknown reward"


class UnknownTransaction(DomainError):
    """A reversal or explanation named a transaction this ledger has not accrued."""

    title = "Unknown transaction"


class IdempotencyConflict(DomainError):
    """An idempotency key was reused for a different request."""

    title = "Idempotency key reused"
