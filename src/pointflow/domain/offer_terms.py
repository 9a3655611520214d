"""An issued offer's terms as the member sees them: the only source of numbers and dates in its message."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Literal, TypeVar, cast, get_args

from pointflow.domain.errors import DomainError

NotifyChannel = Literal["email", "push", "webhook"]
CHANNELS: tuple[str, ...] = get_args(NotifyChannel)
T = TypeVar("T")


class InvalidOfferTerms(DomainError):
    """A notify message whose terms cannot be read; `field` names the value."""

    title = "Invalid offer terms"


@dataclass(frozen=True, slots=True)
class OfferTerms:
    """What the member is promised; a term that does not apply to the offer type is None."""

    offer_id: str
    offer_code: str
    points: int | None = None
    multiplier: Decimal | None = None
    category: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    cashback_percent: Decimal | None = None

    @property
    def kind(self) -> str:
        """The template family: what the offer gives, read from the terms it has."""
        if self.multiplier is not None:
            return "multiplier"
        if self.cashback_percent is not None:
            return "cashback"
        if self.points is not None:
            return "points"
        return "generic"

    def numbers(self) -> frozenset[Decimal]:
        """Every number the member is told (percentages as written, 5 for 5 %)."""
        found = (self.points, self.multiplier, self.cashback_percent)
        return frozenset(Decimal(n).normalize() for n in found if n is not None)

    def dates(self) -> frozenset[date]:
        return frozenset(d for d in (self.valid_from, self.valid_until) if d is not None)


@dataclass(frozen=True, slots=True)
class Notice:
    """An outbox notify message read back: the terms, and how and in which language to tell the member."""

    terms: OfferTerms
    channel: NotifyChannel
    locale: str


def read_notice(values: Mapping[str, str]) -> Notice:
    """The inverse of the service layer's `notify_values`; raises InvalidOfferTerms naming the value."""
    channel = _required(values, "channel")
    if channel not in CHANNELS:
        raise InvalidOfferTerms(f"{channel!r} is not one of {', '.join(CHANNELS)}", field="channel")
    terms = OfferTerms(
        offer_id=_required(values, "offer_id"),
        offer_code=_required(values, "offer_code"),
        points=_optional(values, "points", int),
        multiplier=_optional(values, "multiplier", Decimal),
        category=values.get("category") or None,
        valid_from=_optional(values, "valid_from", _day),
        valid_until=_optional(values, "valid_until", _day),
        cashback_percent=_optional(values, "cashback_percent", Decimal),
    )
    return Notice(terms=terms, channel=cast(NotifyChannel, channel), locale=values.get("locale") or "")


def _required(values: Mapping[str, str], name: str) -> str:
    value = values.get(name)
    if not value:
        raise InvalidOfferTerms(f"{name} is required", field=name)
    return value


def _day(raw: str) -> date:
    """A date, or the date of a date-time: an issued offer's notice carries its validity as date-times."""
    return datetime.fromisoformat(raw).date() if "T" in raw else date.fromisoformat(raw)


def _optional(values: Mapping[str, str], name: str, parse: Callable[[str], T]) -> T | None:
    raw = values.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = parse(raw)
    except (ValueError, InvalidOperation) as error:
        raise InvalidOfferTerms(f"{raw!r} cannot be read: {error}", field=name) from None
    if isinstance(value, Decimal) and not value.is_finite():
        raise InvalidOfferTerms(f"{raw!r} is not a finite number", field=name)
    return value
