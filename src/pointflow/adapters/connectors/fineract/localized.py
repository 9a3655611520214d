"""Dates and amounts as Fineract API requests write them: a Java date pattern (`dd MMMM yyyy`), a locale."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from pointflow.domain.errors import InvalidEvent

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_NUMBER = {**{m: i for i, m in enumerate(_MONTHS, 1)}, **{m[:3]: i for i, m in enumerate(_MONTHS, 1)}}
_LETTER_RUN = re.compile(r"'[^']*'|([A-Za-z])\1*|[^A-Za-z']+")
# Locales whose number format writes 1.234,56: the comma is the decimal separator.
_DECIMAL_COMMA = frozenset(
    {"de", "fr", "es", "it", "pt", "nl", "id", "tr", "ru", "pl", "cs", "sk", "da", "fi", "sv", "nb", "nn"}
    | {"no", "ro", "hu", "el", "vi", "uk", "bg", "hr", "sl", "sr", "lt", "lv", "et", "is", "az", "kk"}
)


def request_date(text: str, pattern: str | None, locale: str | None, field: str) -> date:
    """Parse `text` with the request's Java pattern; English month names only (Fineract's docs use `en`)."""
    if pattern is None:
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            raise InvalidEvent(f"{field} {text!r} has no dateFormat and is not ISO", field=field) from None
    regex, order = _compiled(pattern)
    match = regex.fullmatch(text.strip())
    if match is None:
        raise InvalidEvent(f"{field} {text!r} does not match dateFormat {pattern!r}", field=field)
    parts = dict(zip(order, match.groups(), strict=True))
    try:
        return date(_year(parts["y"]), _month(parts["M"], locale, field), int(parts["d"]))
    except ValueError as error:
        raise InvalidEvent(f"{field} {text!r} is not a calendar date: {error}", field=field) from None


def request_amount(text: str, locale: str | None) -> str:
    """Decimal text with the locale's grouping removed and a `.` decimal point, ready for fields.amount."""
    language = (locale or "en").replace("-", "_").split("_")[0].lower()
    cleaned = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if language in _DECIMAL_COMMA:
        return cleaned.replace(".", "").replace(",", ".")
    return cleaned.replace(",", "")


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> tuple[re.Pattern[str], tuple[str, ...]]:
    pieces: list[str] = []
    order: list[str] = []
    for token in _LETTER_RUN.finditer(pattern):
        piece, key = _piece(token.group(0), pattern)
        pieces.append(piece)
        if key:
            order.append(key)
    if sorted(order) != ["M", "d", "y"]:
        raise InvalidEvent(
            f"dateFormat {pattern!r} must name a day, a month and a year once each", field="dateFormat"
        )
    return re.compile("".join(pieces), re.IGNORECASE), tuple(order)


def _piece(token: str, pattern: str) -> tuple[str, str | None]:
    letter = token[0]
    if letter == "'":
        return re.escape(token[1:-1] or "'"), None
    if not letter.isalpha():
        return re.escape(token), None
    if letter == "d" and len(token) <= 2:
        return r"(\d{1,2})", "d"
    if letter == "M":
        return (r"(\d{1,2})", "M") if len(token) <= 2 else (r"([A-Za-z]{3,9})\.?", "M")
    if letter in "yu":
        return (r"(\d{2})", "y") if len(token) == 2 else (r"(\d{4})", "y")
    raise InvalidEvent(
        f"dateFormat {pattern!r} uses {token!r}, which pointflow does not read", field="dateFormat"
    )


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)  # Java reads yy as 2000-2099


def _month(text: str, locale: str | None, field: str) -> int:
    if text.isdigit():
        return int(text)
    number = _MONTH_NUMBER.get(text.lower())
    if number is None:
        raise InvalidEvent(
            f"{field}: month {text!r} is not an English month name (locale {locale!r}); "
            "pointflow reads month names in English only",
            field=field,
        )
    return number
