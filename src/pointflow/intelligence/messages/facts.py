"""The numbers and dates a message states, read back from its text the way a reader of that locale would."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache, partial

from babel import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol

_SPACES = "\u00a0\u202f "
_ORDINAL = r"(?:st|nd|rd|th|er|e|º|ª|\.)?"


@dataclass(frozen=True, slots=True)
class Facts:
    numbers: frozenset[Decimal]
    dates: frozenset[date]

    def describe(self) -> str:
        numbers = ", ".join(sorted(f"{n:f}" for n in self.numbers)) or "none"
        dates = ", ".join(sorted(d.isoformat() for d in self.dates)) or "none"
        return f"numbers {numbers}; dates {dates}"


def facts(text: str, locale: str) -> Facts:
    """Dates first (their digits are not separate numbers), then every remaining number."""
    rules = _rules(locale)
    found: set[date] = set()
    for pattern, order in rules.dates:
        text = pattern.sub(partial(_take_date, order=order, months=rules.months, found=found), text)
    numbers = {n for token in rules.number.findall(text) if (n := _decimal(token, rules)) is not None}
    return Facts(numbers=frozenset(numbers), dates=frozenset(found))


@dataclass(frozen=True, slots=True)
class _Rules:
    months: dict[str, int]
    dates: tuple[tuple[re.Pattern[str], str], ...]
    number: re.Pattern[str]
    group: str
    decimal: str


@lru_cache(maxsize=64)
def _rules(locale: str) -> _Rules:
    months = _month_names(locale)
    names = "|".join(sorted((re.escape(m) for m in months), key=len, reverse=True))
    day_first = rf"\b(\d{{1,2}}){_ORDINAL}\s+(?:de\s+|of\s+)?({names})\.?,?\s+(?:de\s+)?(\d{{4}})\b"
    month_first = rf"\b({names})\.?\s+(\d{{1,2}}){_ORDINAL},?\s+(\d{{4}})\b"
    numeric_order = "mdy" if Locale.parse(locale).territory == "US" else "dmy"
    dates = (
        (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), "ymd"),
        (re.compile(day_first, re.IGNORECASE), "dMy"),
        (re.compile(month_first, re.IGNORECASE), "Mdy"),
        (re.compile(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b"), numeric_order),
    )
    group, decimal = get_group_symbol(locale), get_decimal_symbol(locale)
    groups = f"[{re.escape(_SPACES)}]" if group in _SPACES else re.escape(group)
    number = re.compile(rf"\d+(?:{groups}\d{{3}}(?!\d))*(?:{re.escape(decimal)}\d+)?")
    return _Rules(months=months, dates=dates, number=number, group=group, decimal=decimal)


def _month_names(locale: str) -> dict[str, int]:
    """Wide and abbreviated month names, both in running text and standing alone, folded to lower case."""
    months = Locale.parse(locale).months
    names: dict[str, int] = {}
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            for number, name in months[context][width].items():
                names[str(name).casefold().rstrip(".")] = int(number)
    return names


def _take_date(match: re.Match[str], *, order: str, months: dict[str, int], found: set[date]) -> str:
    parts = dict(zip(order, match.groups(), strict=True))
    month = months.get(parts["M"].casefold().rstrip(".")) if "M" in parts else int(parts["m"])
    try:
        found.add(date(int(parts["y"]), month or 0, int(parts["d"])))
    except ValueError:
        return match.group(0)  # not a real date: its digits stay numbers and will be compared as such
    return " "


def _decimal(token: str, rules: _Rules) -> Decimal | None:
    plain = token
    for space in _SPACES if rules.group in _SPACES else rules.group:
        plain = plain.replace(space, "")
    try:
        return Decimal(plain.replace(rules.decimal, ".")).normalize()
    except InvalidOperation:
        return None
