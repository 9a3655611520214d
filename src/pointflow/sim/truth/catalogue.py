"""The simulator's fixed world: kinds of movement (from the sandbox bank's spend and banking tables),
seasonal factors, reward types, and the per-persona rates over those kinds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pointflow.sim.personas import BANKING, PROFILES, SPEND

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

CURRENCY = "USD"
HOME_COUNTRY = "US"
FOREIGN_COUNTRIES = ("GB", "FR", "DE", "ES", "IT", "NL", "PT", "MX", "CA", "JP")
COUNTRIES = (HOME_COUNTRY, *FOREIGN_COUNTRIES)
REWARD_TYPES = ("travel", "cashback", "merchandise", "partner_voucher")
PERSONA_NAMES = tuple(p.name for p in PROFILES)

# Months are 1..12; index 0 is unused so a calendar month indexes directly.
_TRAVEL_SEASON = (0, 0.8, 0.8, 0.9, 1.0, 1.1, 1.6, 1.8, 1.6, 1.0, 0.9, 0.9, 1.4)
_GIFT_SEASON = (0, 0.8, 0.85, 0.9, 0.95, 0.95, 1.0, 1.0, 1.0, 1.0, 1.05, 1.25, 1.9)
_FOOD_SEASON = (0, 0.95, 0.95, 1.0, 1.0, 1.0, 1.05, 1.05, 1.0, 1.0, 1.0, 1.1, 1.25)
_FLAT = (0.0,) + (1.0,) * 12
_GIFT_KINDS = frozenset({"department_store", "clothing", "electronics"})
_FOOD_KINDS = frozenset({"groceries", "dining", "fast_food"})
_OCCASIONAL = ("deposit", "international_payment", "fee", "own_account_transfer")
_SCHEDULED = ("salary", "loan_repayment", "interest")


@dataclass(frozen=True)
class Kind:
    """One kind of movement: how it looks on the statement and how its amount is drawn (in dollars)."""

    name: str
    mcc: str
    transaction_type: str
    direction: str
    channel: str
    merchants: tuple[str, ...]
    median: float
    sigma: float
    online_share: float
    travel: bool
    foreign: bool
    note: int
    season: tuple[float, ...]


def _season(name: str, travel: bool) -> tuple[float, ...]:
    if travel:
        return _TRAVEL_SEASON
    if name in _GIFT_KINDS:
        return _GIFT_SEASON
    return _FOOD_SEASON if name in _FOOD_KINDS else _FLAT


def _spend_kinds() -> list[Kind]:
    return [
        Kind(
            name=name,
            mcc=s.mcc,
            transaction_type=s.transaction_type,
            direction="debit",
            channel=s.channel,
            merchants=s.merchants,
            median=s.median,
            sigma=s.sigma,
            online_share=s.online_share,
            travel=s.travel,
            foreign=False,
            note=s.note,
            season=_season(name, s.travel),
        )
        for name, s in SPEND.items()
    ]


def _banking_kinds() -> list[Kind]:
    return [
        Kind(
            name=name,
            mcc=b.mcc,
            transaction_type=b.transaction_type,
            direction=b.direction,
            channel=b.channel,
            merchants=b.counterparties,
            median=b.median,
            sigma=b.sigma,
            online_share=0.0,
            travel=False,
            foreign=b.foreign,
            note=0,
            season=_FLAT,
        )
        for name, b in BANKING.items()
        if name in _OCCASIONAL + _SCHEDULED
    ]


KINDS: tuple[Kind, ...] = (*_spend_kinds(), *_banking_kinds())
KIND_INDEX = {k.name: i for i, k in enumerate(KINDS)}


def persona_rates() -> FloatArray:
    """Expected movements a month, persona × kind, before engagement, vigour and season."""
    rates = np.zeros((len(PROFILES), len(KINDS)))
    for p, persona in enumerate(PROFILES):
        total = sum(weight for _, weight in persona.mix)
        for name, weight in persona.mix:
            rates[p, KIND_INDEX[name]] = persona.monthly_rate * weight / total
        for name, chance in persona.occasional:
            rates[p, KIND_INDEX[name]] = chance
    return rates


def recurring() -> npt.NDArray[np.bool_]:
    """Persona × kind: the bills each persona pays once a month (utilities, streaming)."""
    flags = np.zeros((len(PROFILES), len(KINDS)), dtype=bool)
    for p, persona in enumerate(PROFILES):
        for name in persona.recurring:
            flags[p, KIND_INDEX[name]] = True
    return flags


def seasons() -> FloatArray:
    """Kind × calendar month (1..12) multipliers of the spend rate."""
    return np.array([k.season for k in KINDS])


def merchant_table() -> tuple[tuple[str, ...], IntArray, IntArray]:
    """Every merchant name once, and per kind the offset of its first merchant and how many it has."""
    names: list[str] = []
    offsets, counts = [], []
    for kind in KINDS:
        offsets.append(len(names))
        counts.append(len(kind.merchants))
        names.extend(kind.merchants)
    return tuple(names), np.array(offsets, dtype=np.int64), np.array(counts, dtype=np.int64)


def expected_outflow() -> FloatArray:
    """Per persona, the dollars a member of spend scale 1 and engagement 1 pays out in an average month."""
    mean_amount = np.array([k.median * np.exp(k.sigma**2 / 2) for k in KINDS])
    debit = np.array([k.direction == "debit" for k in KINDS])
    per_kind = (persona_rates() + recurring()) * mean_amount * debit
    totals: FloatArray = per_kind.sum(axis=1)
    return totals
