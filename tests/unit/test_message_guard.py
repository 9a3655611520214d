"""The rewrite guard: a language model's text is sent only if it states the template's numbers and dates,
read the way a reader of the locale reads them, and makes no banned claim; otherwise the template stands."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pointflow.domain.message_config import MessagesConfig
from pointflow.domain.offer_terms import OfferTerms
from pointflow.intelligence.messages.compose import RewriteFailed, check_rewrite, compose
from pointflow.intelligence.messages.facts import facts

BANNED = MessagesConfig().banned_claims
TERMS = OfferTerms(
    "off_9", "groceries-2x", multiplier=Decimal(2), category="groceries", valid_until=date(2027, 1, 31)
)


@pytest.mark.parametrize(
    ("text", "locale", "numbers", "dates"),
    [
        ("12,500 points until 31 January 2027", "en_GB", {"12500"}, {date(2027, 1, 31)}),
        ("12.500 Punkte bis 31. Januar 2027", "de_DE", {"12500"}, {date(2027, 1, 31)}),
        ("12\u202f500 points jusqu’au 31 janvier 2027", "fr_FR", {"12500"}, {date(2027, 1, 31)}),
        ("12 500 points jusqu’au 1er févr. 2027", "fr_FR", {"12500"}, {date(2027, 2, 1)}),
        ("12.500 puntos hasta el 31 de enero de 2027", "es_ES", {"12500"}, {date(2027, 1, 31)}),
        ("2,5 % Cashback bis 31.01.2027", "de_DE", {"2.5"}, {date(2027, 1, 31)}),
        ("2.5% back until January 31st, 2027", "en_US", {"2.5"}, {date(2027, 1, 31)}),
        ("2.5% back until 01/31/2027", "en_US", {"2.5"}, {date(2027, 1, 31)}),
        ("ends 2027-01-31, earn 3x", "en_GB", {"3"}, {date(2027, 1, 31)}),
        ("1,5-fach, nicht 1.5", "de_DE", {"1.5", "1", "5"}, set()),
        ("31 February 2027", "en_GB", {"31", "2027"}, set()),  # not a date: its digits are numbers
    ],
)
def test_numbers_and_dates_are_read_the_way_the_locale_writes_them(
    text: str, locale: str, numbers: set[str], dates: set[date]
) -> None:
    found = facts(text, locale)
    assert found.numbers == {Decimal(n) for n in numbers}
    assert found.dates == dates


REFERENCE = "Earn 2× points on groceries. Valid until 31 January 2027."


@pytest.mark.parametrize(
    "candidate",
    [
        "Double up: earn 2× the points on your groceries, all the way to 31 January 2027!",
        "Until 31st January 2027, every grocery shop earns you 2x points.",
        "Until Jan 31, 2027, groceries earn 2 times the points.",
    ],
)
def test_a_faithful_rewrite_passes(candidate: str) -> None:
    assert check_rewrite(candidate, reference=REFERENCE, locale="en_GB", banned=BANNED) is None


@pytest.mark.parametrize(
    ("candidate", "why"),
    [
        ("Earn 3× points on groceries until 31 January 2027.", "numbers 3"),
        ("Earn 2× points on groceries until 30 January 2027.", "dates 2027-01-30"),
        ("Earn 2× points on groceries until 31 January 2027, up to 500 bonus points.", "numbers 2, 500"),
        ("Earn 2× points on groceries until the end of January.", "dates none"),
        ("Earn double points on groceries until 31 January 2027.", "numbers none"),
        ("Guaranteed: 2× points on groceries until 31 January 2027.", "banned claim: guaranteed"),
        ("Risk-free 2× points on groceries until 31 January 2027.", "banned claim: risk-free"),
        ("It's FREE MONEY: 2× points on groceries until 31 January 2027.", "banned claim: free money"),
        ("", "empty"),
    ],
)
def test_a_rewrite_that_changes_a_figure_or_makes_a_banned_claim_is_refused(candidate: str, why: str) -> None:
    refusal = check_rewrite(candidate, reference=REFERENCE, locale="en_GB", banned=BANNED)
    assert refusal is not None
    assert why in refusal


def test_a_banned_word_inside_another_word_is_not_a_claim() -> None:
    candidate = "Unguaranteedly... no: earn 2× points on groceries until 31 January 2027."
    assert check_rewrite(candidate, reference=REFERENCE, locale="en_GB", banned=["guaranteed"]) is None


class Scripted:
    """A rewriter that answers from a script, or fails."""

    def __init__(self, answer: str | Exception) -> None:
        self.answer = answer
        self.asked: list[tuple[str, str]] = []

    def rewrite(self, text: str, *, locale: str) -> str:
        self.asked.append((text, locale))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_compose_uses_an_accepted_rewrite_and_keeps_the_template_subject() -> None:
    rewriter = Scripted("Bis zum 31. Januar 2027 bringt jeder Lebensmitteleinkauf 2-fache Punkte.")
    message = compose(TERMS, locale="de_DE", config=MessagesConfig(), rewriter=rewriter)
    assert rewriter.asked == [
        ("Sammeln Sie 2-fache Punkte für groceries. Gültig bis 31. Januar 2027.", "de_DE")
    ]
    assert (message.source, message.note) == ("rewrite", None)
    assert message.body.startswith("Bis zum 31. Januar 2027")
    assert message.subject == "2-fache Punkte für groceries"


@pytest.mark.parametrize(
    ("answer", "note"),
    [
        ("Bis zum 31. Januar 2027 gibt es 3-fache Punkte.", "rewrite refused: its figures differ"),
        (
            "Garantiert 2-fache Punkte bis 31. Januar 2027.",
            "rewrite refused: it makes a banned claim: garantiert",
        ),
        (RewriteFailed("timed out"), "rewrite failed: timed out"),
    ],
)
def test_compose_keeps_the_template_and_records_why(answer: str | Exception, note: str) -> None:
    message = compose(TERMS, locale="de_DE", config=MessagesConfig(), rewriter=Scripted(answer))
    assert message.source == "template"
    assert message.body == "Sammeln Sie 2-fache Punkte für groceries. Gültig bis 31. Januar 2027."
    assert message.note is not None
    assert message.note.startswith(note)


def test_the_programme_can_ban_its_own_claims() -> None:
    config = MessagesConfig(banned_claims=("once in a lifetime",))
    rewriter = Scripted("A once in a lifetime 2× points on groceries until 31 January 2027.")
    message = compose(TERMS, locale="en_GB", config=config, rewriter=rewriter)
    assert message.source == "template"
    assert message.note == "rewrite refused: it makes a banned claim: once in a lifetime"
