"""Booking and value dates of a camt entry: `Dt` or `DtTm`, with the documented fallbacks."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime

from pointflow.adapters.connectors import fields as f
from pointflow.domain.errors import InvalidEvent

# Where the booking moment is read, in order. Entries without BookgDt (it is optional in every version)
# fall back to the value date, then to the record's and the message's creation time.
BOOKING = (
    "Ntry/BookgDt/DtTm",
    "Ntry/BookgDt/Dt",
    "Ntry/ValDt/DtTm",
    "Ntry/ValDt/Dt",
    "CreDtTm",
    "GrpHdr/CreDtTm",
)
VALUE = ("Ntry/ValDt/Dt", "Ntry/ValDt/DtTm")
_ZONED_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(Z|[+-]\d{2}:\d{2})?$")


def booked_at(p: Mapping[str, str], now: Callable[[], datetime], skew_hours: int) -> tuple[datetime, str]:
    """The booking moment in UTC and the path it was read from."""
    for path in BOOKING:
        if path in p:
            return moment(p, path, now, skew_hours), path
    raise InvalidEvent(
        "the entry has no booking date (BookgDt) and nothing to fall back on", field="Ntry/BookgDt"
    )


def value_date(p: Mapping[str, str], default: date) -> date:
    for path in VALUE:
        if path in p:
            return day(p, path) if path.endswith("/Dt") else _local(p, path).date()
    return default


def moment(p: Mapping[str, str], path: str, now: Callable[[], datetime], skew_hours: int) -> datetime:
    """A `Dt` is midnight UTC of that day; a `DtTm` without an offset is read as UTC."""
    if path.endswith("/Dt"):
        parsed = datetime.combine(day(p, path), datetime.min.time(), UTC)
    else:
        parsed = _local(p, path)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
    return f.timestamp({path: parsed.isoformat()}, path, now, skew_hours)


def day(p: Mapping[str, str], path: str) -> date:
    """An ISODate; xs:date may carry a zone, which says nothing about the day and is dropped."""
    value = p[path]
    found = _ZONED_DATE.match(value)
    try:
        return date.fromisoformat(found.group(1) if found else value)
    except ValueError:
        raise InvalidEvent(f"{path} {value[:40]!r} is not an ISO 8601 date", field=path) from None


def _local(p: Mapping[str, str], path: str) -> datetime:
    value = p[path]
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidEvent(f"{path} {value[:40]!r} is not an ISO 8601 date-time", field=path) from None
