"""Field readers shared by connectors: each raises InvalidEvent naming the field and the reason."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from pointflow.adapters.mcc import is_known
from pointflow.domain.errors import InvalidEvent
from pointflow.domain.money import CURRENCY_MINOR_UNITS

E = TypeVar("E", bound=StrEnum)
_ID = re.compile(r"^[\w.:\-/#@+]{1,128}$")
_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
_DECIMAL_TEXT = re.compile(r"^-?[0-9]{1,18}(\.[0-9]{1,18})?$", re.ASCII)


def text(payload: Mapping[str, Any], name: str, *, required: bool = True, max_len: int = 256) -> str | None:
    value = payload.get(name)
    if value is None:
        if required:
            raise InvalidEvent(f"{name} is required", field=name)
        return None
    stripped = value.strip() if isinstance(value, str) else ""
    if not stripped:
        raise InvalidEvent(f"{name} must be a non-empty string", field=name)
    if len(value) > max_len:
        raise InvalidEvent(f"{name} is longer than {max_len} characters", field=name)
    return stripped


def identifier(payload: Mapping[str, Any], name: str) -> str:
    value = text(payload, name, max_len=128)
    assert value is not None
    if not _ID.match(value):
        raise InvalidEvent(f"{name} may hold letters, digits and ._:-/#@+ only", field=name)
    return value


def currency(payload: Mapping[str, Any], name: str = "currency") -> str:
    value = text(payload, name, max_len=3)
    assert value is not None
    if value not in CURRENCY_MINOR_UNITS:
        raise InvalidEvent(f"{value!r} is not an active ISO 4217 currency code", field=name)
    return value


def amount(payload: Mapping[str, Any], name: str, code: str, max_amount: Decimal) -> Decimal:
    raw = payload.get(name)
    if raw is None:
        raise InvalidEvent(f"{name} is required", field=name)
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal | str):
        raise InvalidEvent(f"{name} must be a number or a decimal string", field=name)
    if isinstance(raw, str) and not _DECIMAL_TEXT.match(raw.strip()):
        raise InvalidEvent(f"{name} {raw!r} is not a plain decimal number such as 149.99", field=name)
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise InvalidEvent(f"{name} {raw!r} is not a number", field=name) from None
    return _checked_amount(value, name, code, max_amount)


def _checked_amount(value: Decimal, name: str, code: str, max_amount: Decimal) -> Decimal:
    if not value.is_finite():
        raise InvalidEvent(f"{name} must be finite", field=name)
    if value <= 0:
        raise InvalidEvent(f"{name} must be greater than zero (direction says which way)", field=name)
    if value > max_amount:
        raise InvalidEvent(f"{name} {value} exceeds the limit of {max_amount}", field=name)
    minor = CURRENCY_MINOR_UNITS[code]
    if value != value.quantize(Decimal(1).scaleb(-minor)):
        raise InvalidEvent(f"{name} has more than {minor} decimals for {code}", field=name)
    return value.quantize(Decimal(1).scaleb(-minor))


def timestamp(
    payload: Mapping[str, Any], name: str, now: Callable[[], datetime], skew_hours: int
) -> datetime:
    value = text(payload, name, max_len=40)
    assert value is not None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidEvent(f"{name} {value!r} is not an ISO 8601 date-time", field=name) from None
    if parsed.tzinfo is None:
        raise InvalidEvent(f"{name} must carry a timezone (e.g. 'Z')", field=name)
    try:
        parsed = parsed.astimezone(UTC)
    except OverflowError:
        raise InvalidEvent(f"{name} {value} is outside the calendar", field=name) from None
    if parsed > now() + timedelta(hours=skew_hours):
        raise InvalidEvent(f"{name} {value} is more than {skew_hours} hours in the future", field=name)
    if parsed < _EARLIEST:
        raise InvalidEvent(f"{name} {value} is before {_EARLIEST.date()}", field=name)
    return parsed


def day(payload: Mapping[str, Any], name: str, default: date) -> date:
    value = text(payload, name, required=False, max_len=10)
    if value is None:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidEvent(f"{name} {value!r} is not an ISO 8601 date", field=name) from None


def choice(payload: Mapping[str, Any], name: str, enum: type[E], default: E) -> E:
    value = text(payload, name, required=False, max_len=40)
    if value is None:
        return default
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum)
        raise InvalidEvent(f"{name} {value!r} is not one of: {allowed}", field=name) from None


def mcc(payload: Mapping[str, Any], name: str) -> str | None:
    value = payload.get(name)
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:04d}"
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}", value):
        raise InvalidEvent(f"{name} must be four digits", field=name)
    if not is_known(value):
        raise InvalidEvent(f"{name} {value} is not an assigned ISO 18245 merchant category code", field=name)
    return value


def country(payload: Mapping[str, Any], name: str) -> str | None:
    value = text(payload, name, required=False, max_len=2)
    if value is not None and not re.fullmatch(r"[A-Z]{2}", value):
        raise InvalidEvent(f"{name} must be an ISO 3166 alpha-2 code such as 'US'", field=name)
    return value
