"""One month of movements for every member at once: Poisson counts per member and kind, then one
vectorised draw per field."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pointflow.sim.personas import PROFILES
from pointflow.sim.truth.catalogue import (
    FOREIGN_COUNTRIES,
    KIND_INDEX,
    KINDS,
    FloatArray,
    IntArray,
    merchant_table,
    persona_rates,
    recurring,
    seasons,
)
from pointflow.sim.truth.latent import Members

DAY = 86_400
HOUR = 3_600
SALARY_VIGOUR = 0.35  # below this a drifting member's salary is paid into another bank
INTEREST_APR = 0.03

_RATES = persona_rates()
_RECURRING = recurring()
_SEASONS = seasons()
MERCHANTS, _MERCHANT_OFFSET, _MERCHANT_COUNT = merchant_table()
_MEDIAN_CENTS = np.array([k.median * 100 for k in KINDS])
_SIGMA = np.array([k.sigma for k in KINDS])
_ONLINE = np.array([k.online_share for k in KINDS])
_TRAVEL = np.array([k.travel for k in KINDS])
_PURCHASE = np.array([k.transaction_type == "purchase" for k in KINDS])
_FOREIGN = np.array([k.foreign for k in KINDS])
_NOTE_CENTS = np.array([k.note * 100 for k in KINDS], dtype=np.int64)
_INTERNATIONAL = np.array([p.international_share for p in PROFILES])
_EARNS_INTEREST = np.array([p.earns_interest for p in PROFILES])
# Banking movements are domestic unless the kind itself is foreign (an international payment).
_BANKING = np.array([k.transaction_type not in ("purchase", "quasi_cash", "cash_withdrawal") for k in KINDS])


@dataclass(frozen=True)
class Window:
    """One simulated month: its index, first second (Unix time), length and calendar month."""

    index: int
    start: int
    days: int
    calendar_month: int


@dataclass(frozen=True)
class Movements:
    """A month's movements, one array per field, in no particular order."""

    member: IntArray
    kind: IntArray
    at: IntArray  # Unix seconds
    cents: IntArray
    merchant: IntArray  # index into the merchant table
    country: IntArray  # 0 = home, else 1 + index into FOREIGN_COUNTRIES
    online: npt.NDArray[np.bool_]

    def where(self, keep: npt.NDArray[np.bool_] | IntArray) -> Movements:
        """The movements a mask keeps, or those an index array picks, in its order."""
        return Movements(*(getattr(self, f)[keep] for f in self.__dataclass_fields__))


def month_movements(
    rng: np.random.Generator,
    members: Members,
    window: Window,
    vigour: FloatArray,
    balance: IntArray,
    pull: FloatArray | None = None,
) -> Movements:
    """Every member's movements in `window`, before churn cuts any off; `pull` scales card purchases."""
    card = _drawn(rng, members, window, vigour, np.ones(members.count) if pull is None else pull)
    bills = _recurring(rng, members, window)
    scheduled = _scheduled(rng, members, window, vigour, balance)
    parts = (card, bills, scheduled)
    return Movements(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in Movements.__dataclass_fields__)
    )


def _drawn(
    rng: np.random.Generator, members: Members, window: Window, vigour: FloatArray, pull: FloatArray
) -> Movements:
    scale = members.engagement * vigour * window.days / 30.4
    rates = _RATES[members.persona] * scale[:, None] * _SEASONS[:, window.calendar_month][None, :]
    rates = np.where(_PURCHASE[None, :], rates * pull[:, None], rates)
    counts = rng.poisson(rates).ravel()
    cell = np.repeat(np.arange(counts.size), counts)
    member, kind = np.divmod(cell, len(KINDS))
    at = window.start + rng.integers(0, window.days, member.size) * DAY + _daytime(rng, member.size)
    return _dress(rng, members, member, kind, at, _amounts(rng, members, member, kind))


def _recurring(rng: np.random.Generator, members: Members, window: Window) -> Movements:
    member, kind = np.nonzero(_RECURRING[members.persona])
    at = (
        window.start
        + rng.integers(0, window.days, member.size) * DAY
        + rng.integers(2, 6, member.size) * HOUR
    )
    return _dress(rng, members, member, kind, at, _amounts(rng, members, member, kind))


def _scheduled(
    rng: np.random.Generator, members: Members, window: Window, vigour: FloatArray, balance: IntArray
) -> Movements:
    payday = window.start + np.minimum(members.payday, window.days - 1) * DAY
    paid = np.nonzero(vigour >= SALARY_VIGOUR)[0]
    salary = np.round(members.salary_cents[paid] * rng.uniform(0.97, 1.03, paid.size)).astype(np.int64)
    loans = np.nonzero(members.loan_cents > 0)[0]
    due = np.minimum(payday[loans] + 3 * DAY, window.start + (window.days - 1) * DAY) + 4 * HOUR
    interest = np.nonzero(_EARNS_INTEREST[members.persona] & (balance > 0))[0]
    accrued = np.maximum(1, np.round(balance[interest] * INTEREST_APR / 12)).astype(np.int64)
    month_end = np.full(interest.size, window.start + (window.days - 1) * DAY + HOUR)
    member = np.concatenate([paid, loans, interest])
    kinds = np.concatenate(
        [
            np.full(n, KIND_INDEX[name])
            for n, name in (
                (paid.size, "salary"),
                (loans.size, "loan_repayment"),
                (interest.size, "interest"),
            )
        ]
    )
    at = np.concatenate([payday[paid] + 6 * HOUR, due, month_end])
    cents = np.concatenate([salary, members.loan_cents[loans], accrued])
    return _dress(rng, members, member, kinds, at, cents)


def _amounts(rng: np.random.Generator, members: Members, member: IntArray, kind: IntArray) -> IntArray:
    raw = _MEDIAN_CENTS[kind] * members.spend_scale[member] * rng.lognormal(0.0, _SIGMA[kind])
    note = _NOTE_CENTS[kind]
    notes = np.maximum(note, np.round(raw / np.maximum(note, 1)) * note)
    cents = np.where(note > 0, notes, np.round(raw))
    return np.maximum(cents, 1).astype(np.int64)


def _dress(
    rng: np.random.Generator,
    members: Members,
    member: IntArray,
    kind: IntArray,
    at: IntArray,
    cents: IntArray,
) -> Movements:
    """Merchant, country and channel for movements whose member, kind, time and amount are known."""
    size = member.size
    merchant = _MERCHANT_OFFSET[kind] + (rng.random(size) * _MERCHANT_COUNT[kind]).astype(np.int64)
    abroad_odds = _INTERNATIONAL[members.persona[member]] * np.where(_TRAVEL[kind], 3.0, 1.0)
    abroad = _FOREIGN[kind] | (rng.random(size) < np.where(_BANKING[kind], 0.0, abroad_odds))
    country = np.where(abroad, 1 + rng.integers(0, len(FOREIGN_COUNTRIES), size), 0)
    online = rng.random(size) < _ONLINE[kind]
    return Movements(
        member.astype(np.int64),
        kind.astype(np.int64),
        at.astype(np.int64),
        cents,
        merchant,
        country.astype(np.int64),
        online,
    )


def _daytime(rng: np.random.Generator, size: int) -> IntArray:
    seconds: IntArray = rng.triangular(7 * HOUR, 13 * HOUR, DAY - 1, size).astype(np.int64)
    return seconds
