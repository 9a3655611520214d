"""The programme file's `messages:` section: template overrides per locale and the claims no message makes."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

_LOCALE = re.compile(r"[a-z]{2,3}(?:_[A-Z]{2})?")
_KEY = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
_DIGIT = re.compile(r"\d")

DEFAULT_BANNED_CLAIMS = (
    "guaranteed",
    "guarantee",
    "risk-free",
    "risk free",
    "free money",
    "no risk",
    "garantiert",
    "risikofrei",
    "garanti",
    "sans risque",
    "garantizado",
    "sin riesgo",
)


def _locale(value: str) -> str:
    if not _LOCALE.fullmatch(value):
        raise ValueError(f"{value!r} is not a locale such as en_GB or de_DE")
    return value


def _key(value: str) -> str:
    if len(value) > 64 or not _KEY.fullmatch(value):
        raise ValueError(f"{value!r} is not an offer code or kind: use a-z, 0-9, '-' and '_'")
    return value


def _no_digits(text: str) -> str:
    # Every number in a message must come from the offer's terms, so the template itself may hold none.
    if _DIGIT.search(text):
        raise ValueError("a template may contain no digits: numbers and dates come from the offer's terms")
    return text


Locale = Annotated[str, AfterValidator(_locale)]
TemplateKey = Annotated[str, AfterValidator(_key)]
TemplateText = Annotated[str, Field(min_length=1, max_length=4000), AfterValidator(_no_digits)]


class MessageTemplate(BaseModel):
    """Jinja2 subject and body over points, multiplier, category, valid_from, valid_until, cashback."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    subject: TemplateText
    body: TemplateText


class MessagesConfig(BaseModel):
    """Overrides of the shipped templates (locale → offer code or kind → template) and banned claims."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    default_locale: Locale = "en_GB"
    templates: dict[Locale, dict[TemplateKey, MessageTemplate]] = Field(default_factory=dict)
    banned_claims: tuple[str, ...] = DEFAULT_BANNED_CLAIMS
    # What a category is called in each locale ("groceries" → "Lebensmittel"); the id is shown otherwise.
    category_names: dict[Locale, dict[TemplateKey, Annotated[str, AfterValidator(_no_digits)]]] = Field(
        default_factory=dict
    )
