"""Converts native values into canonical ones; every failure is InvalidEvent naming the native path."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from pointflow.adapters.connectors import fields as f
from pointflow.adapters.connectors.mapping.compiled import CompiledField
from pointflow.adapters.connectors.mapping.paths import Several, Unreadable
from pointflow.domain.errors import InvalidEvent

_INTEGER = re.compile(r"^-?[0-9]{1,18}$", re.ASCII)


@dataclass(frozen=True, slots=True)
class Clock:
    now: Callable[[], datetime]
    skew_hours: int


def text_form(name: str, value: Any) -> str | None:
    """The text a value table matches: JSON true is "true", 5 is "5", XML text is trimmed."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | Decimal):
        return str(value).strip()
    raise InvalidEvent(f"{name} is an {getattr(value, 'kind', 'unknown value')}, not a value", field=name)


def single(name: str, value: Any) -> Any:
    """The value, unless the path matched several or could not be read: those are errors naming it."""
    if isinstance(value, Several):
        raise InvalidEvent(f"{name} matches {value.count} values; the mapping expects one", field=name)
    if isinstance(value, Unreadable):
        raise InvalidEvent(f"{name} could not be read: {value.reason}", field=name)
    return value


def convert(field: CompiledField, value: Any, clock: Clock) -> Any:
    """The canonical value of a present native value (amounts go through `amount`)."""
    return _CONVERTERS[field.kind](field, value, clock)


def amount(field: CompiledField, value: Any, code: str, max_amount: Decimal) -> tuple[Decimal, bool]:
    """The amount, positive, and whether the native value carried a minus sign."""
    name = field.source.native
    negative = False
    if field.sign != "positive":
        value, negative = _unsigned(value)
    return f.amount({name: value}, name, code, max_amount), negative


def _unsigned(value: Any) -> tuple[Any, bool]:
    if isinstance(value, str) and value.strip().startswith("-"):
        return value.strip()[1:], True
    if isinstance(value, int | Decimal) and not isinstance(value, bool) and value < 0:
        return -value, True
    return value, False


def _identifier(field: CompiledField, value: Any, _: Clock) -> str:
    name = field.source.native
    if field.native_type == "int":
        value = _integer_text(name, value)
    return f.identifier({name: value}, name)


def _integer_text(name: str, value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        return str(int(value.strip()))
    raise InvalidEvent(f"{name} must be an integer", field=name)


def _text(field: CompiledField, value: Any, _: Clock) -> str | None:
    name = field.source.native
    if field.native_type == "int":
        value = _integer_text(name, value)
    elif field.native_type == "decimal" and isinstance(value, int | Decimal) and not isinstance(value, bool):
        value = str(value)
    return _cut(field, f.text({name: value}, name, required=False, max_len=field.max_length))


def _extra(field: CompiledField, value: Any, _: Clock) -> str | None:
    name = field.source.native
    return _cut(field, f.text({name: text_form(name, value)}, name, required=False, max_len=field.max_length))


def _cut(field: CompiledField, text: str | None) -> str | None:
    """`truncate` keeps the start of a long text (trimmed first) where `max_length` would refuse it."""
    return text[: field.truncate] if text is not None and field.truncate is not None else text


def _currency(field: CompiledField, value: Any, _: Clock) -> str:
    return f.currency({field.source.native: value}, field.source.native)


def _enum(field: CompiledField, value: Any, _: Clock) -> Any:
    assert field.choices is not None
    name = field.source.native
    return f.choice({name: value}, name, field.choices, next(iter(field.choices)))


def _mcc(field: CompiledField, value: Any, _: Clock) -> str | None:
    name = field.source.native
    if field.native_type == "int":
        value = int(_integer_text(name, value))
    return f.mcc({name: value}, name)


def _country(field: CompiledField, value: Any, _: Clock) -> str | None:
    return f.country({field.source.native: value}, field.source.native)


def _instant(field: CompiledField, value: Any, clock: Clock) -> datetime:
    name = field.source.native
    if field.native_type == "datetime" and not field.formats and field.zone is None:
        return f.timestamp({name: value}, name, clock.now, clock.skew_hours)
    parsed = _parsed(field, value)
    if not isinstance(parsed, datetime):
        parsed = datetime.combine(parsed, time())
    if parsed.tzinfo is None and field.zone is not None:
        parsed = parsed.replace(tzinfo=field.zone)
    return f.timestamp({name: parsed.isoformat()}, name, clock.now, clock.skew_hours)


def _day(field: CompiledField, value: Any, _: Clock) -> date:
    name = field.source.native
    if field.native_type == "date" and not field.formats:
        return f.day({name: value}, name, date.min)  # the value is present: the default never applies
    parsed = _parsed(field, value)
    return parsed.date() if isinstance(parsed, datetime) else parsed


def _parsed(field: CompiledField, value: Any) -> date | datetime:
    name = field.source.native
    text = f.text({name: value}, name, max_len=64)
    assert text is not None
    for pattern in field.formats:
        try:
            moment = datetime.strptime(text, pattern)
        except ValueError:
            continue
        return moment.date() if field.native_type == "date" else moment
    if not field.formats:
        return _iso(name, text, field.native_type)
    expected = " or ".join(repr(p) for p in field.formats)
    raise InvalidEvent(f"{name} {text!r} does not match the format {expected}", field=name)


def _iso(name: str, text: str, kind: str) -> date | datetime:
    try:
        if kind == "date":
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        what = "date" if kind == "date" else "date-time"
        raise InvalidEvent(f"{name} {text!r} is not an ISO 8601 {what}", field=name) from None


_CONVERTERS: dict[str, Callable[[CompiledField, Any, Clock], Any]] = {
    "id": _identifier,
    "text": _text,
    "extra": _extra,
    "currency": _currency,
    "enum": _enum,
    "mcc": _mcc,
    "country": _country,
    "instant": _instant,
    "day": _day,
}
