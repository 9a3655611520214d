"""An offer's message: the template's text, or a language model's rewrite of it if the guard lets it stand."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from pointflow.domain.message_config import MessagesConfig
from pointflow.domain.offer_terms import OfferTerms
from pointflow.intelligence.messages.facts import facts
from pointflow.intelligence.messages.templates import Draft, render


class RewriteFailed(Exception):
    """The language model gave no usable answer (unreachable, timed out, an error, an empty reply)."""


class Rewriter(Protocol):
    """Rewrites a message in the same language; may say anything, which is why its answer is checked."""

    def rewrite(self, text: str, *, locale: str) -> str: ...


@dataclass(frozen=True, slots=True)
class Composed:
    subject: str
    body: str
    template: str
    locale: str
    source: Literal["template", "rewrite"]
    note: str | None = None  # why the template stands, when a rewrite was asked for or an override failed


def compose(
    terms: OfferTerms, *, locale: str, config: MessagesConfig, rewriter: Rewriter | None = None
) -> Composed:
    """The template's message; with a rewriter, its rewrite when every number, date and claim checks out."""
    draft = render(terms, locale, config)
    notes = list(draft.notes)
    if rewriter is None:
        return _from_template(draft, notes)
    try:
        candidate = rewriter.rewrite(draft.body, locale=draft.locale).strip()
    except RewriteFailed as error:
        return _from_template(draft, [*notes, f"rewrite failed: {error}"])
    refusal = check_rewrite(candidate, reference=draft.body, locale=draft.locale, banned=config.banned_claims)
    if refusal is not None:
        return _from_template(draft, [*notes, f"rewrite refused: {refusal}"])
    note = "; ".join(notes) or None
    return Composed(draft.subject, candidate, draft.template, draft.locale, "rewrite", note)


def check_rewrite(candidate: str, *, reference: str, locale: str, banned: Sequence[str]) -> str | None:
    """Why the rewrite may not be sent, or None: the template's numbers and dates, and no banned claim."""
    if not candidate:
        return "the rewrite is empty"
    claims = banned_claims(candidate, banned)
    if claims:
        return f"it makes a banned claim: {', '.join(claims)}"
    expected, found = facts(reference, locale), facts(candidate, locale)
    if found != expected:
        return f"its figures differ from the terms: expected {expected.describe()}; found {found.describe()}"
    return None


def banned_claims(text: str, banned: Sequence[str]) -> list[str]:
    """The banned phrases in `text`, matched as whole words regardless of case."""
    folded = " ".join(text.casefold().split())
    return [claim for claim in banned if re.search(rf"(?<!\w){re.escape(claim.casefold())}(?!\w)", folded)]


def _from_template(draft: Draft, notes: list[str]) -> Composed:
    note = "; ".join(notes) or None
    return Composed(draft.subject, draft.body, draft.template, draft.locale, "template", note)
