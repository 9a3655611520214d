"""Offer messages from templates: every number and date a member reads is one of the offer's terms, formatted
for the member's locale; the programme's templates override the shipped ones."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from pointflow.domain.message_config import MessagesConfig, MessageTemplate
from pointflow.domain.offer_terms import InvalidOfferTerms, OfferTerms, read_notice
from pointflow.intelligence.messages.compose import compose
from pointflow.intelligence.messages.facts import facts
from pointflow.intelligence.messages.shipped import SHIPPED
from pointflow.service_layer.notify import notify_values

LOCALES = ["en_GB", "de_DE", "fr_FR", "es_ES", "en_US", "de_AT", "fr_CA"]
DEFAULT = MessagesConfig()
DOUBLE_GROCERIES = OfferTerms(
    "off_1",
    "groceries-2x",
    multiplier=Decimal("2.5"),
    category="groceries",
    valid_from=date(2027, 1, 4),
    valid_until=date(2027, 1, 10),
)


@pytest.mark.parametrize(
    ("locale", "body"),
    [
        ("en_GB", "Earn 2.5× points on groceries. Valid from 4 January 2027. Valid until 10 January 2027."),
        (
            "de_DE",
            "Sammeln Sie 2,5-fache Punkte für groceries. Gültig ab 4. Januar 2027. "
            "Gültig bis 10. Januar 2027.",
        ),
        (
            "fr_FR",
            "Gagnez des points × 2,5 sur groceries. Valable à partir du 4 janvier 2027. "
            "Valable jusqu’au 10 janvier 2027.",
        ),
        (
            "es_ES",
            "Gane puntos × 2,5 en groceries. Válida desde el 4 de enero de 2027. "
            "Válida hasta el 10 de enero de 2027.",
        ),
    ],
)
def test_a_multiplier_offer_reads_in_each_shipped_locale(locale: str, body: str) -> None:
    message = compose(DOUBLE_GROCERIES, locale=locale, config=DEFAULT)
    assert message.body == body
    assert (message.template, message.source, message.note) == (
        f"shipped:{locale}/multiplier",
        "template",
        None,
    )


def test_numbers_keep_their_locale_grouping_and_percentages_are_exact() -> None:
    points = OfferTerms("o", "bonus", points=12500)
    assert compose(points, locale="fr_FR", config=DEFAULT).subject == "12\u202f500 points bonus pour vous"
    assert compose(points, locale="de_DE", config=DEFAULT).subject == "12.500 Bonuspunkte für Sie"
    cashback = OfferTerms("o", "cb", cashback_percent=Decimal("2.25"))
    assert compose(cashback, locale="en_GB", config=DEFAULT).subject == "2.25% cashback"
    assert compose(cashback, locale="de_DE", config=DEFAULT).subject == "2,25\u00a0% Cashback"


def test_a_locale_without_templates_uses_its_language_and_formats_for_itself() -> None:
    austrian = compose(DOUBLE_GROCERIES, locale="de_AT", config=DEFAULT)
    assert austrian.template == "shipped:de_DE/multiplier"
    assert "4. Jänner 2027" in austrian.body  # Austrian month name: the numbers follow the member's locale
    american = compose(DOUBLE_GROCERIES, locale="en_US", config=DEFAULT)
    assert "January 4, 2027" in american.body
    unknown = compose(DOUBLE_GROCERIES, locale="zz_ZZ", config=DEFAULT)
    assert (unknown.locale, unknown.template) == ("en_GB", "shipped:en_GB/multiplier")


def test_the_programme_overrides_by_offer_code_then_kind_and_names_categories() -> None:
    config = MessagesConfig.model_validate(
        {
            "templates": {
                "de_DE": {
                    "groceries-2x": {"subject": "Doppelt!", "body": "{{ multiplier }}× auf {{ category }}"},
                    "multiplier": {"subject": "Mehr", "body": "Mehr Punkte"},
                }
            },
            "category_names": {"de_DE": {"groceries": "Lebensmittel"}},
        }
    )
    by_code = compose(DOUBLE_GROCERIES, locale="de_DE", config=config)
    assert (by_code.template, by_code.body) == ("programme:de_DE/groceries-2x", "2,5× auf Lebensmittel")
    other = OfferTerms("o", "fuel-3x", multiplier=Decimal(3), category="fuel")
    assert compose(other, locale="de_DE", config=config).template == "programme:de_DE/multiplier"
    assert compose(other, locale="en_GB", config=config).template == "shipped:en_GB/multiplier"


def test_an_override_that_does_not_render_gives_way_to_the_shipped_template_and_says_why() -> None:
    config = MessagesConfig.model_validate(
        {"templates": {"en_GB": {"multiplier": {"subject": "{{ nonsense }}", "body": "x"}}}}
    )
    message = compose(DOUBLE_GROCERIES, locale="en_GB", config=config)
    assert message.template == "shipped:en_GB/multiplier"
    assert message.note is not None
    assert "programme:en_GB/multiplier does not render" in message.note


@pytest.mark.parametrize(
    "template",
    [
        {"subject": "Save 10%", "body": "{{ points }}"},
        {"subject": "ok", "body": "Double points until 31 January"},
        {"subject": "ok", "body": "{{ points * 2 }}"},
    ],
)
def test_a_template_with_a_digit_of_its_own_is_refused_at_load(template: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="no digits"):
        MessagesConfig.model_validate({"templates": {"en_GB": {"points": template}}})


def test_the_sandbox_cannot_reach_python_objects() -> None:
    sneaky = MessageTemplate(subject="s", body="{{ points.__class__.__mro__ }}")
    config = MessagesConfig(templates={"en_GB": {"points": sneaky}})
    message = compose(OfferTerms("o", "p", points=500), locale="en_GB", config=config)
    assert message.template == "shipped:en_GB/points"
    assert message.note is not None
    assert "does not render" in message.note


def test_every_shipped_locale_has_every_kind() -> None:
    assert {loc: sorted(kinds) for loc, kinds in SHIPPED.items()} == {
        loc: ["cashback", "generic", "multiplier", "points"] for loc in ("en_GB", "de_DE", "fr_FR", "es_ES")
    }


# Terms shaped like each offer kind: every term the kind has is one its template shows.
_days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
_maybe_day = st.none() | _days
_category = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=12)
_terms = st.one_of(
    st.builds(OfferTerms, st.just("o"), st.just("p"), points=st.integers(1, 10_000_000),
              category=st.none() | _category, valid_from=_maybe_day, valid_until=_maybe_day),
    st.builds(OfferTerms, st.just("o"), st.just("m"),
              multiplier=st.decimals(Decimal("1.1"), Decimal(20), places=1), category=_category,
              valid_from=_maybe_day, valid_until=_maybe_day),
    st.builds(OfferTerms, st.just("o"), st.just("c"),
              cashback_percent=st.decimals(Decimal("0.01"), Decimal(50), places=2),
              category=st.none() | _category, valid_from=_maybe_day, valid_until=_maybe_day),
    st.builds(OfferTerms, st.just("o"), st.just("g"), valid_from=_maybe_day, valid_until=_maybe_day),
)  # fmt: skip


@given(terms=_terms, locale=st.sampled_from(LOCALES))
def test_a_template_message_states_exactly_the_terms_numbers_and_dates(
    terms: OfferTerms, locale: str
) -> None:
    message = compose(terms, locale=locale, config=DEFAULT)
    said = facts(f"{message.subject}\n{message.body}", message.locale)
    assert said.numbers == terms.numbers()
    assert said.dates == terms.dates()


@given(terms=_terms, channel=st.sampled_from(["email", "push", "webhook"]), locale=st.sampled_from(LOCALES))
def test_notify_values_are_strings_that_read_back_as_the_same_terms(
    terms: OfferTerms, channel: str, locale: str
) -> None:
    values = notify_values(terms, channel=channel, locale=locale)  # type: ignore[arg-type]
    assert all(isinstance(v, str) for v in values.values())
    notice = read_notice(values)
    assert (notice.terms, notice.channel, notice.locale) == (terms, channel, locale)


def test_the_notify_values_of_a_multiplier_offer() -> None:
    values = notify_values(DOUBLE_GROCERIES, channel="push", locale="de_DE")
    assert values == {
        "offer_id": "off_1",
        "offer_code": "groceries-2x",
        "channel": "push",
        "locale": "de_DE",
        "multiplier": "2.5",
        "category": "groceries",
        "valid_from": "2027-01-04",
        "valid_until": "2027-01-10",
    }


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"offer_code": "x", "channel": "email"}, "offer_id"),
        ({"offer_id": "o", "offer_code": "x", "channel": "sms"}, "channel"),
        ({"offer_id": "o", "offer_code": "x", "channel": "email", "points": "many"}, "points"),
        (
            {"offer_id": "o", "offer_code": "x", "channel": "email", "valid_until": "31/01/2027"},
            "valid_until",
        ),
        ({"offer_id": "o", "offer_code": "x", "channel": "email", "multiplier": "NaN"}, "multiplier"),
    ],
)
def test_unreadable_notify_values_name_the_field(values: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidOfferTerms) as caught:
        read_notice(values)
    assert caught.value.field == field
