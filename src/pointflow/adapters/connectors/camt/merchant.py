"""The merchant category of a camt entry: a bank's proprietary MCC if it sent one, else a guess from the name.

No camt version has an MCC element. Banks that pass one through put it in the proprietary bank transaction
code (`BkTxCd/Prtry/Cd` = `MCC5812`) or in their own free text (`AddtlNtryInf`, `AddtlTxInf`: "... MCC 5812
..."). Remittance text (`RmtInf`) is written by the payer, not the bank, so it is never trusted for an MCC.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping

from pointflow.adapters.connectors.camt.payload import every
from pointflow.adapters.mcc import is_known

_CODE_PATHS = ("Ntry/BkTxCd/Prtry/Cd", "Ntry/NtryDtls/TxDtls/BkTxCd/Prtry/Cd")
_TEXT_PATHS = ("Ntry/AddtlNtryInf", "Ntry/NtryDtls/TxDtls/AddtlTxInf")
_CODE = re.compile(r"MCC[\s:=#-]?(\d{4})", re.IGNORECASE)
_IN_TEXT = re.compile(r"\bMCC[\s:=#-]*(\d{4})\b", re.IGNORECASE)

# A small keyword table for names; the first row with a matching word or phrase wins, so the specific
# rows (sushi bar, snack bar) come before the general ones (bar).
KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "5812",
        (
            "restaurant",
            "ristorante",
            "trattoria",
            "pizzeria",
            "bistro",
            "brasserie",
            "steakhouse",
            "sushi",
            "cafe",
            "caffe",
            "coffee",
            "kaffee",
            "diner",
        ),
    ),
    ("5814", ("fast food", "burger", "kebab", "snack bar")),
    ("5813", ("bar", "pub", "tavern", "nightclub")),
    (
        "5411",
        (
            "supermarket",
            "supermarkt",
            "supermarche",
            "supermercado",
            "supermercato",
            "hypermarket",
            "grocery",
            "groceries",
            "lebensmittel",
            "epicerie",
        ),
    ),
    ("5541", ("fuel", "petrol", "gas station", "filling station", "service station", "tankstelle")),
    ("4511", ("airline", "airlines", "airways", "air lines")),
    ("7011", ("hotel", "motel", "hostel", "resort")),
    ("5912", ("pharmacy", "pharmacie", "apotheke", "farmacia", "drugstore", "chemist")),
    ("4121", ("taxi", "cab", "cabs")),
    ("4112", ("railway", "railways", "bahn")),
    ("7512", ("car rental", "rent a car", "autovermietung")),
    ("7523", ("parking", "parkhaus")),
    ("4722", ("travel agency", "tours", "reisebuero")),
    ("5311", ("department store", "kaufhaus")),
    ("5732", ("electronics",)),
    ("5942", ("bookshop", "bookstore", "buchhandlung", "librairie")),
    ("7832", ("cinema", "kino", "movie theater", "movie theatre")),
    ("4900", ("electricity", "utilities", "stadtwerke", "water")),
)


def proprietary(p: Mapping[str, str]) -> str | None:
    """An assigned MCC the bank sent in a proprietary code or in its own free text."""
    codes = (value for path in _CODE_PATHS for value in every(p, path))
    for value in codes:
        found = _CODE.fullmatch(value.strip())
        if found and is_known(found.group(1)):
            return found.group(1)
    texts = (value for path in _TEXT_PATHS for value in every(p, path))
    return _first_known(match.group(1) for text in texts for match in _IN_TEXT.finditer(text))


def inferred(texts: Iterable[str | None]) -> str | None:
    """The MCC of the first keyword found in the first text that has one."""
    for text in texts:
        if text:
            words = f" {_normalised(text)} "
            for mcc, keywords in _KEYWORDS:
                if any(keyword in words for keyword in keywords):
                    return mcc
    return None


def _first_known(codes: Iterable[str]) -> str | None:
    return next((code for code in codes if is_known(code)), None)


def _normalised(text: str) -> str:
    """Lower case, accents dropped, punctuation turned into spaces: "Café-Bar" → "cafe bar"."""
    plain = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in plain if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


_KEYWORDS = tuple((mcc, tuple(f" {_normalised(k)} " for k in keywords)) for mcc, keywords in KEYWORDS)
