"""Readers for Fineract's own value shapes: numeric ids, dates as ISO text or `[y, m, d]`, local UTC times,
nested objects; each raises InvalidEvent naming the field in Fineract's terms."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from pointflow.domain.errors import InvalidEvent

_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_MAX_LONG = 2**63 - 1


@contextmanager
def within(prefix: str) -> Iterator[None]:
    """Errors raised inside name their field under `prefix` (`amount` → `data.amount`)."""
    if not prefix:
        yield
        return
    try:
        yield
    except InvalidEvent as error:
        field = f"{prefix}.{error.field}" if error.field and error.field != "<body>" else prefix
        raise InvalidEvent(error.detail, field=field) from None


def mapping(payload: Mapping[str, Any], name: str, *, required: bool = False) -> Mapping[str, Any] | None:
    value = payload.get(name)
    if value is None:
        if required:
            raise InvalidEvent(f"{name} is required", field=name)
        return None
    if not isinstance(value, Mapping):
        raise InvalidEvent(f"{name} must be an object", field=name)
    return value


def flag(payload: Mapping[str, Any], name: str) -> bool:
    value = payload.get(name)
    if value is not None and not isinstance(value, bool):
        raise InvalidEvent(f"{name} must be true or false", field=name)
    return value is True


def long_id(payload: Mapping[str, Any], name: str) -> int:
    """A Fineract id: a positive long, also as digits or an integral number (hooks pass through Gson)."""
    value = payload.get(name)
    if value is None:
        raise InvalidEvent(f"{name} is required", field=name)
    number = _integral(value)
    if number is None or not 0 < number <= _MAX_LONG:
        raise InvalidEvent(f"{name} must be a positive whole number, not {_shown(value)}", field=name)
    return number


def optional_text(payload: Mapping[str, Any], name: str, max_len: int = 256) -> str | None:
    """Free text that Fineract often sends blank; blank means absent, over-long text is cut, not refused."""
    value = payload.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidEvent(f"{name} must be a string", field=name)
    value = value.strip()
    if len(value) > max_len:
        return value[: max_len - 1] + "…"
    return value or None


def fineract_date(payload: Mapping[str, Any], name: str) -> date:
    """A date as Avro sends it (`"2024-05-15"`) or as the REST API does (`[2024, 5, 15]`)."""
    value = payload.get(name)
    if value is None:
        raise InvalidEvent(f"{name} is required", field=name)
    if isinstance(value, list):
        return _date_array(value, name)
    if isinstance(value, str):
        return _iso_date(value, name)
    raise InvalidEvent(f"{name} must be an ISO date or a [year, month, day] array", field=name)


def utc_local(
    payload: Mapping[str, Any], name: str, now: Callable[[], datetime], skew_hours: int
) -> datetime:
    """A date-time in ISO_LOCAL_DATE_TIME that Fineract writes in UTC; an explicit offset is honoured."""
    value = payload.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InvalidEvent(f"{name} is required as an ISO date-time such as 2024-05-15T14:30:00", field=name)
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidEvent(f"{name} {_shown(value)} is not an ISO date-time", field=name) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return booking(parsed.astimezone(UTC), name, now, skew_hours)
    except OverflowError:
        raise InvalidEvent(f"{name} {_shown(value)} is outside the calendar", field=name) from None


def midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def booking(at: datetime, name: str, now: Callable[[], datetime], skew_hours: int) -> datetime:
    if at > now() + timedelta(hours=skew_hours):
        raise InvalidEvent(
            f"{name} {at.isoformat()} is more than {skew_hours} hours in the future", field=name
        )
    if at < _EARLIEST:
        raise InvalidEvent(f"{name} {at.isoformat()} is before {_EARLIEST.date()}", field=name)
    return at


def decimal_value(payload: Mapping[str, Any], name: str) -> Decimal:
    """A balance (any sign) as a JSON number, a float from a client library, or decimal text."""
    value = payload.get(name)
    if value is None:
        return Decimal(0)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise InvalidEvent(f"{name} must be a number", field=name)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidEvent(f"{name} {_shown(value)} is not a number", field=name) from None
    if not number.is_finite():
        raise InvalidEvent(f"{name} must be finite", field=name)
    return number


def _integral(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 19:
        return int(value)
    if isinstance(value, Decimal | float):
        try:
            exact = Decimal(value)
        except (InvalidOperation, ValueError):
            return None
        if exact.is_finite() and exact == exact.to_integral_value() and abs(exact) <= _MAX_LONG:
            return int(exact)
    return None


def _date_array(value: list[Any], name: str) -> date:
    if len(value) != 3 or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise InvalidEvent(f"{name} must be [year, month, day] with three whole numbers", field=name)
    try:
        return date(value[0], value[1], value[2])
    except ValueError as error:
        raise InvalidEvent(f"{name} {value} is not a calendar date: {error}", field=name) from None


def _iso_date(value: str, name: str) -> date:
    text = value.strip()
    if len(text) == 10:  # fromisoformat also reads 20240515 and week dates, which Fineract never writes
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise InvalidEvent(f"{name} {_shown(value)} is not an ISO date such as 2024-05-15", field=name)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
