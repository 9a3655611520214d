"""An offer's terms as the words a template shows: numbers, percentages and dates formatted for a locale."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from pointflow.domain.offer_terms import OfferTerms

PLACEHOLDERS = ("points", "multiplier", "category", "valid_from", "valid_until", "cashback")


def known_locale(locale: str) -> bool:
    try:
        Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return False
    return True


def placeholders(terms: OfferTerms, locale: str) -> dict[str, str | None]:
    """Every placeholder a template may use; None where the offer has no such term."""
    return {
        "points": _number(terms.points, locale),
        "multiplier": _number(terms.multiplier, locale),
        "category": terms.category.replace("_", " ").replace("-", " ") if terms.category else None,
        "valid_from": _date(terms.valid_from, locale),
        "valid_until": _date(terms.valid_until, locale),
        "cashback": _percent(terms.cashback_percent, locale),
    }


def _number(value: int | Decimal | None, locale: str) -> str | None:
    if value is None:
        return None
    return format_decimal(value, locale=locale, decimal_quantization=False)


def _percent(value: Decimal | None, locale: str) -> str | None:
    if value is None:
        return None
    # Exact: 2.5 % stays 2.5 %, never rounded to the pattern's whole percent.
    return format_percent(value / 100, locale=locale, decimal_quantization=False)


def _date(value: date | None, locale: str) -> str | None:
    return format_date(value, format="long", locale=locale) if value is not None else None
