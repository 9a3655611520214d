"""The templates pointflow ships, per locale and offer kind; the programme file's `messages:` overrides them.

Placeholders arrive already formatted for the locale (see `formatting.placeholders`), and no template holds a
digit of its own, so that every number and date a member reads is one of the offer's terms.
"""

from __future__ import annotations

from pointflow.domain.message_config import MessageTemplate

# Per locale: the sentences that state when an offer starts and ends, shared by every kind.
_VALIDITY = {
    "en_GB": (" Valid from {{ valid_from }}.", " Valid until {{ valid_until }}."),
    "de_DE": (" Gültig ab {{ valid_from }}.", " Gültig bis {{ valid_until }}."),
    "fr_FR": (" Valable à partir du {{ valid_from }}.", " Valable jusqu’au {{ valid_until }}."),
    "es_ES": (" Válida desde el {{ valid_from }}.", " Válida hasta el {{ valid_until }}."),
}

_ON_CATEGORY = {"en_GB": " on", "de_DE": " für", "fr_FR": " sur", "es_ES": " en"}


def _template(locale: str, subject: str, lead: str) -> MessageTemplate:
    since, until = _VALIDITY[locale]
    validity = f"{{% if valid_from %}}{since}{{% endif %}}{{% if valid_until %}}{until}{{% endif %}}"
    return MessageTemplate(subject=subject, body=f"{lead}{validity}")


def _category(locale: str) -> str:
    return f"{{% if category %}}{_ON_CATEGORY[locale]} {{{{ category }}}}{{% endif %}}"


def _locale(locale: str, texts: dict[str, tuple[str, str]]) -> dict[str, MessageTemplate]:
    cat = _category(locale)
    return {
        kind: _template(locale, subject.replace("<cat>", cat), lead.replace("<cat>", cat))
        for kind, (subject, lead) in texts.items()
    }


SHIPPED: dict[str, dict[str, MessageTemplate]] = {
    "en_GB": _locale(
        "en_GB",
        {
            "points": ("{{ points }} bonus points for you", "We have added {{ points }} bonus points<cat>."),
            "multiplier": ("{{ multiplier }}× points<cat>", "Earn {{ multiplier }}× points<cat>."),
            "cashback": ("{{ cashback }} cashback<cat>", "Get {{ cashback }} cashback<cat>."),
            "generic": ("A new offer for you", "A new offer<cat> is waiting for you in your banking app."),
        },
    ),
    "de_DE": _locale(
        "de_DE",
        {
            "points": (
                "{{ points }} Bonuspunkte für Sie",
                "Wir schenken Ihnen {{ points }} Bonuspunkte<cat>.",
            ),
            "multiplier": (
                "{{ multiplier }}-fache Punkte<cat>",
                "Sammeln Sie {{ multiplier }}-fache Punkte<cat>.",
            ),
            "cashback": ("{{ cashback }} Cashback<cat>", "Erhalten Sie {{ cashback }} Cashback<cat>."),
            "generic": ("Ein neues Angebot für Sie", "In Ihrer Banking-App wartet ein neues Angebot<cat>."),
        },
    ),
    "fr_FR": _locale(
        "fr_FR",
        {
            "points": (
                "{{ points }} points bonus pour vous",
                "Nous vous offrons {{ points }} points bonus<cat>.",
            ),
            "multiplier": ("Points × {{ multiplier }}<cat>", "Gagnez des points × {{ multiplier }}<cat>."),
            "cashback": ("{{ cashback }} remboursés<cat>", "Recevez {{ cashback }} de remboursement<cat>."),
            "generic": (
                "Une nouvelle offre pour vous",
                "Une nouvelle offre<cat> vous attend dans votre appli.",
            ),
        },
    ),
    "es_ES": _locale(
        "es_ES",
        {
            "points": (
                "{{ points }} puntos extra para usted",
                "Le regalamos {{ points }} puntos extra<cat>.",
            ),
            "multiplier": ("Puntos × {{ multiplier }}<cat>", "Gane puntos × {{ multiplier }}<cat>."),
            "cashback": ("{{ cashback }} de reembolso<cat>", "Reciba un {{ cashback }} de reembolso<cat>."),
            "generic": ("Una nueva oferta para usted", "Una nueva oferta<cat> le espera en su aplicación."),
        },
    ),
}
