"""The ports the service layer needs; adapters implement them (SQL in `adapters/db`)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from pointflow.domain.core import AccountBalance, CustomerMaster, WriteBack
from pointflow.domain.events import CanonicalEvent
from pointflow.domain.ledger import Leg
from pointflow.domain.members import AccrualRecord, Lot, Member
from pointflow.domain.money import CustomerToken
from pointflow.domain.programme import Programme

if TYPE_CHECKING:  # the rule path must not load the model path's modules (decision 0009)
    from pointflow.intelligence.serving.windows import MemberWindows

InboxKey = tuple[str, str]  # (source system, source id)
UsageKey = tuple[str, str, str]  # (token, rule id, period key)
RedemptionTotal = tuple[str, str, int, int, date]  # token, reward id, redemptions, points, last day
RedemptionEvent = tuple[str, date, int]  # token, day, points of one redemption


class WriteConflict(Exception):
    """Another transaction wrote the same unique row first; the work can be retried and will then dedupe."""


class LedgerSession(Protocol):
    """One database transaction over the ledger: reads, then buffered writes that `flush` sends."""

    def inbox_records(self, keys: Collection[InboxKey]) -> dict[InboxKey, tuple[str, str]]: ...
    def members(self, tokens: Collection[str]) -> dict[str, Member]: ...
    def usage(self, tokens: Collection[str], period_keys: Collection[str]) -> dict[UsageKey, Decimal]: ...
    def open_lots(self, token: str) -> list[Lot]: ...
    def lot(self, token: str, lot_id: str) -> Lot | None:
        """One of the member's lots as this transaction sees it (its own changes included)."""
        ...

    def accrual(self, source_system: str, source_id: str) -> AccrualRecord | None: ...
    def reversed_so_far(self, accrual_id: str) -> Decimal: ...
    def prefetch_reversed(self, originals: Collection[InboxKey]) -> None:
        """Read at once, for a batch's reversals, the accruals they refer to, what was reversed of each so
        far and their lots; `accrual`, `reversed_so_far` and `lot` then answer from memory."""
        ...

    def redemption(self, token: str, idempotency_key: str) -> Mapping[str, Any] | None: ...
    def posting_memo(self, idempotency_key: str) -> str | None: ...
    def tier_page(self, *, since: datetime, after: str, limit: int) -> list[tuple[str, str, int]]: ...
    def lots_due(self, *, state: str, column: str, as_of: date, limit: int) -> list[Lot]: ...

    def add_inbox(
        self, *, id: str, key: InboxKey, content_hash: str, event_type: str, canonical: str, at: datetime
    ) -> None: ...
    def add_member(self, member: Member, customer_id: str, at: datetime) -> None: ...
    def remember_identity(self, token: str, identifier: str) -> None:
        """Keep token → identifier (e.g. `account:<number>`) in the vault, once, for the delivery boundary."""
        ...

    def add_posting(
        self,
        *,
        id: str,
        kind: str,
        key: str,
        token: CustomerToken | None,
        at: datetime,
        memo: str,
        legs: Iterable[Leg],
    ) -> None: ...
    def add_lot(self, lot: Lot, *, posting_id: str, accrual_id: str | None) -> None: ...
    def add_allocation(self, *, posting_id: str, lot_id: str, points: int) -> None: ...
    def add_row(self, table: str, row: Mapping[str, Any]) -> None: ...
    def save_lot(self, lot: Lot) -> None: ...
    def save_member(self, member: Member) -> None: ...
    def set_tier(self, token: str, tier: str) -> None: ...
    def set_usage(self, key: UsageKey, used: Decimal) -> None: ...
    def count_activity(
        self, *, token: str, booked_at: datetime, currency: str, mcc: str | None, amount: Decimal, points: int
    ) -> None:
        """Add one accrued transaction to the member's online feature state (daily activity buckets)."""

    def audit(
        self, *, at: datetime, actor: str, action: str, subject: str, details: Mapping[str, Any]
    ) -> None: ...
    def flush(self) -> None: ...

    # The online feature state as this transaction sees it (its own unflushed increments included),
    # read by the member scoring at the end of a commit group.
    def recent_points(
        self, tokens: Collection[str], *, since: date, until: date, currency: str
    ) -> dict[str, int]:
        """Points of the buckets booked from `since` through `until`, per member."""
        ...

    def activity_windows(
        self, members: Sequence[tuple[str, date]], *, currency: str, months: bool = False
    ) -> MemberWindows:
        """Per member (token, as-of day), the window sums of the buckets on or before that day, set-based;
        with `months`, also the points by calendar month, [the as-of month, the one before, …]."""
        ...

    def redemption_totals(self, tokens: Collection[str]) -> list[RedemptionTotal]:
        """Per member and reward: redemptions, points, the day of the last."""
        ...

    def redemption_events(self, tokens: Collection[str]) -> list[RedemptionEvent]:
        """Every redemption of the members (day and points), in the order they were made."""
        ...


class LedgerSessions(Protocol):
    def begin(self) -> AbstractContextManager[LedgerSession]: ...


@dataclass(frozen=True, slots=True)
class Touched:
    """A member a commit group changed: their latest event by booking time, and their available points."""

    token: str
    booked_at: datetime
    source_system: str
    source_id: str
    available: int


class MemberScoring(Protocol):
    """Scores the members a commit group touched, inside the group's transaction (records by `add_row`)."""

    def score_group(
        self, session: LedgerSession, touched: Sequence[Touched], *, programme: Programme, at: datetime
    ) -> None: ...


class QuarantinePort(Protocol):
    def add(
        self,
        *,
        connector: str,
        raw: str,
        reason: str,
        field: str | None,
        source_id: str | None,
        at: datetime,
    ) -> str: ...


@dataclass(frozen=True, slots=True)
class DecodeLimits:
    max_amount: Decimal
    max_future_skew_hours: int


@dataclass(frozen=True, slots=True)
class RawEvent:
    """One inbound item: its exact text (kept for the quarantine) and, if it parsed, the payload."""

    raw: str
    payload: Any = None
    parse_error: str | None = None


class Connector(Protocol):
    """Decodes one core platform's native payloads; pure, so that it runs the same behind every ingress."""

    name: str

    def split(self, body: bytes) -> list[RawEvent]:
        """Cut one native document (an object, an array, a camt file, a stream batch) into items.

        Each item's `raw` is text that `split(raw.encode())` turns back into that same item, so that the
        quarantine can replay it. A document that cannot be read becomes one item with `parse_error` set.
        """
        ...

    def decode(self, payload: Any, *, limits: DecodeLimits, now: Callable[[], datetime]) -> CanonicalEvent:
        """Turn one item's payload into a canonical event.

        Raises InvalidEvent naming the field, or NotATransaction for a well-formed event that carries no
        posting (a client created, an account approved).
        """
        ...

    def native_field(self, canonical: str) -> str:
        """The payload's name for a canonical field, so that errors speak the sender's language."""
        ...

    def source_id(self, payload: Any) -> str | None:
        """The payload's own id if it can be read, for the quarantine listing."""
        ...


@dataclass(frozen=True, slots=True)
class HttpCall:
    """A request to a core platform's API, built without I/O so that it can be tested and queued."""

    method: str
    path: str
    json: Any = None
    params: Mapping[str, str] | None = None
    headers: Mapping[str, str] | None = None


class CoreApi(Protocol):
    """A platform's REST surface as request builders and response parsers; an HTTP adapter sends them."""

    name: str

    def customer_request(self, customer_id: str) -> HttpCall: ...
    def parse_customer(self, body: Any) -> CustomerMaster: ...
    def balances_request(self, customer_id: str) -> HttpCall: ...
    def parse_balances(self, body: Any) -> list[AccountBalance]: ...
    def write_back_request(self, message: WriteBack) -> HttpCall:
        """The call that applies `message`; it carries `message.key` so that the core applies it once."""
        ...
