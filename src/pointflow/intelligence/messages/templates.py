"""Choosing and rendering an offer's template: the programme's override, else the shipped one, per locale."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from jinja2 import StrictUndefined, Template, TemplateError
from jinja2.sandbox import SandboxedEnvironment

from pointflow.domain.message_config import MessagesConfig, MessageTemplate
from pointflow.domain.offer_terms import OfferTerms
from pointflow.intelligence.messages.formatting import known_locale, placeholders
from pointflow.intelligence.messages.shipped import SHIPPED

# Sandboxed: a template from the programme file is configuration, and may not reach Python objects.
_BLANKS = re.compile(r"[ \t\r\n]+")
_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


@dataclass(frozen=True, slots=True)
class Draft:
    subject: str
    body: str
    template: str  # where it came from: "programme:de_DE/multiplier" or "shipped:en_GB/points"
    locale: str  # the locale the numbers and dates were formatted in
    notes: tuple[str, ...] = ()  # overrides that could not be used, and why


def render(terms: OfferTerms, locale: str, config: MessagesConfig) -> Draft:
    """The first template that renders, trying the programme's overrides before the shipped ones."""
    locale = locale if locale and known_locale(locale) else config.default_locale
    values = placeholders(terms, locale)
    if terms.category is not None:
        values["category"] = category_name(terms.category, locale, config) or values["category"]
    notes: list[str] = []
    for name, template in candidates(terms, locale, config):
        try:
            subject, body = _render(template.subject, values), _render(template.body, values)
        except TemplateError as error:
            notes.append(f"{name} does not render: {error}")
            continue
        return Draft(subject=subject, body=body, template=name, locale=locale, notes=tuple(notes))
    raise LookupError(f"no template renders for {terms.kind} in {locale}")  # the shipped generic always does


def candidates(
    terms: OfferTerms, locale: str, config: MessagesConfig
) -> Iterator[tuple[str, MessageTemplate]]:
    """Programme before shipped; the offer's code before its kind; the locale, its language, the default."""
    sources: tuple[tuple[str, Mapping[str, Mapping[str, MessageTemplate]]], ...] = (
        ("programme", config.templates),
        ("shipped", SHIPPED),
    )
    for source, catalogue in sources:
        for loc in _locales(locale, config.default_locale, catalogue):
            for key in (terms.offer_code, terms.kind, "generic"):
                template = catalogue[loc].get(key)
                if template is not None:
                    yield f"{source}:{loc}/{key}", template


def category_name(category: str, locale: str, config: MessagesConfig) -> str | None:
    """The programme's name for a category in this locale (or its language), if it gives one."""
    for loc in _locales(locale, config.default_locale, config.category_names):
        name = config.category_names[loc].get(category)
        if name is not None:
            return name
    return None


def _locales(locale: str, default: str, catalogue: Mapping[str, object]) -> list[str]:
    language = locale.split("_")[0]
    same_language = sorted(loc for loc in catalogue if loc.split("_")[0] == language)
    ordered = [locale, *same_language, default, "en_GB"]
    return [loc for i, loc in enumerate(ordered) if loc in catalogue and loc not in ordered[:i]]


def _render(source: str, values: Mapping[str, str | None]) -> str:
    # Line breaks and runs of blanks from template tags collapse; no-break spaces (1 000, 5 %) stay.
    return _BLANKS.sub(" ", _compiled(source).render(values)).strip()


@lru_cache(maxsize=512)
def _compiled(source: str) -> Template:
    return _ENV.from_string(source)
