"""A seeded synthetic bank: customers with personas and their posted transactions and reversals,
streamed as the JSON events the `generic` connector accepts."""

from __future__ import annotations

import calendar
import heapq
import json
import math
import os
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

from pointflow.sim.personas import (
    BANKING,
    FIRST_NAMES,
    LAST_NAMES,
    MIXES,
    PERSONA_BY_NAME,
    PROFILES,
    SPEND,
    Banking,
    Persona,
    Spend,
)
from pointflow.sim.personas import PERSONAS as PERSONAS

Event = dict[str, object]

CURRENCY = "USD"
HOME_COUNTRY = "US"
FOREIGN_COUNTRIES = ("GB", "FR", "DE", "ES", "IT", "NL", "PT", "MX", "CA", "JP")
REVERSAL_SHARE = 0.015

_REVERSAL_KINDS = ("reversal", "refund", "chargeback")
_REVERSAL_WEIGHTS = (0.2, 0.7, 0.1)
_PARTIAL_REFUND_SHARE = 0.4

_CENT = Decimal("0.01")
_DAY = 86_400
_HOUR = 3_600


@dataclass(frozen=True)
class SimCustomer:
    """A sandbox customer; name, e-mail and phone are data pointflow must never store."""

    customer_id: str
    account_id: str
    persona: str
    home_country: str
    full_name: str
    email: str
    phone: str
    birth_date: date | None = None  # personal data too; fairness reads only the age band derived from it


@dataclass(frozen=True)
class _Member:
    """A customer with the hidden traits that drive their behaviour."""

    customer: SimCustomer
    persona: Persona
    activity: float
    spend_scale: float
    salary: Decimal
    payday: int
    employer: str
    loan: Decimal | None
    drift_from: int

    def vigour(self, month: int) -> float:
        return self.persona.monthly_decay ** max(0, month - self.drift_from)


@dataclass(frozen=True)
class _Window:
    """One simulated month as seconds since the start, [lo, hi)."""

    index: int
    lo: int
    hi: int

    @property
    def days(self) -> int:
        return (self.hi - self.lo) // _DAY


def customers(n: int, seed: int = 7) -> list[SimCustomer]:
    """The first `n` sandbox customers for a seed (the same ones `generate` uses)."""
    return _make_customers(random.Random(seed), n)


def generate(customers: int, months: int, start: date, seed: int = 7) -> Iterator[Event]:
    """Stream the customers' events from `start` for `months` months, in booking-time order."""
    rng = random.Random(seed)
    members = [_member(rng, c) for c in _make_customers(rng, customers)]
    bank = _Bank(rng, start, months)
    for window in bank.windows():
        yield from bank.month(members, window)


def write_jsonl(events: Iterable[Event], path: str | os.PathLike[str]) -> int:
    """Write events one JSON object a line; returns how many were written."""
    count = 0
    with Path(path).open("w", encoding="utf-8") as out:
        for event in events:
            out.write(json.dumps(event, separators=(",", ":")))
            out.write("\n")
            count += 1
    return count


def _make_customers(rng: random.Random, n: int) -> list[SimCustomer]:
    shares = [p.share for p in PROFILES]
    return [_customer(rng, number, rng.choices(PERSONAS, shares)[0]) for number in range(1, n + 1)]


def _customer(rng: random.Random, number: int, persona: str) -> SimCustomer:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return SimCustomer(
        customer_id=f"cust_{number:06d}",
        account_id=f"acc_{number:06d}",
        persona=persona,
        home_country=HOME_COUNTRY,
        full_name=f"{first} {last}",
        email=f"{first}.{last}{number}@example.com".lower(),
        phone=f"+1-{rng.randint(201, 989)}-555-{rng.randint(100, 199):04d}",
        birth_date=_birth_date(number),
    )


def _birth_date(number: int) -> date:
    """Ages 18 to 85 in 2024, from the customer number alone: the shared generator's draws stay."""
    own = random.Random(f"birth:{number}")
    return date(2024 - own.randint(18, 85), own.randint(1, 12), own.randint(1, 28))


def _member(rng: random.Random, customer: SimCustomer) -> _Member:
    persona = PERSONA_BY_NAME[customer.persona]
    has_loan = rng.random() < persona.loan_share
    return _Member(
        customer=customer,
        persona=persona,
        activity=rng.lognormvariate(0, 0.35),
        spend_scale=rng.lognormvariate(0, 0.25),
        salary=_cents(persona.salary * rng.lognormvariate(0, 0.2)),
        payday=rng.randint(0, 27),
        employer=rng.choice(BANKING["salary"].counterparties),
        loan=_cents(rng.uniform(150, 900)) if has_loan else None,
        drift_from=rng.randint(0, 3),
    )


class _Bank:
    """Generation state: the random source, the id counter and reversals waiting for their time."""

    def __init__(self, rng: random.Random, start: date, months: int) -> None:
        self.rng = rng
        self.start = start
        self.months = months
        self.seq = 0
        self.pending: list[tuple[int, int, Event]] = []
        self.batch: list[tuple[int, int, Event]] = []
        self.end = self._offset(_add_months(start, months))

    def windows(self) -> Iterator[_Window]:
        for index in range(self.months):
            lo = self._offset(_add_months(self.start, index))
            yield _Window(index, lo, self._offset(_add_months(self.start, index + 1)))

    def month(self, members: list[_Member], window: _Window) -> Iterator[Event]:
        """One month's events in booking order; only this month is ever held in memory."""
        for member in members:
            self._member_month(member, window)
        while self.pending and self.pending[0][0] < window.hi:
            self.batch.append(heapq.heappop(self.pending))
        batch, self.batch = self.batch, []
        batch.sort()
        return (event for _, _, event in batch)

    def _offset(self, day: date) -> int:
        return (day - self.start).days * _DAY

    def _member_month(self, member: _Member, window: _Window) -> None:
        vigour = member.vigour(window.index)
        self._card_spend(member, vigour, window)
        for name in member.persona.recurring:
            at = window.lo + self.rng.randrange(window.days) * _DAY + self.rng.randint(2, 5) * _HOUR
            self._spend(member, SPEND[name], at)
        self._regular_banking(member, vigour, window)
        for name, chance in member.persona.occasional:
            if self.rng.random() < chance * vigour:
                self._banking(member, BANKING[name], self._daytime(window))

    def _card_spend(self, member: _Member, vigour: float, window: _Window) -> None:
        rate = member.persona.monthly_rate * member.activity * vigour * window.days / 30.4
        mix = MIXES[member.persona.name]
        for _ in range(_poisson(self.rng, rate)):
            at = self._daytime(window)
            posted = self._spend(member, mix.draw(self.rng), at)
            if posted["transaction_type"] == "purchase" and self.rng.random() < REVERSAL_SHARE:
                self._schedule_reversal(posted, at)

    def _regular_banking(self, member: _Member, vigour: float, window: _Window) -> None:
        payday = window.lo + min(member.payday, window.days - 1) * _DAY
        if vigour >= 0.35:  # a drifting member's salary goes to another bank at some point
            salary = _cents(float(member.salary) * self.rng.uniform(0.97, 1.03))
            self._banking(member, BANKING["salary"], payday + 6 * _HOUR, salary)
        if member.loan is not None:
            due = min(payday + 3 * _DAY, window.hi - _DAY) + 4 * _HOUR
            self._banking(member, BANKING["loan_repayment"], due, member.loan)
        if member.persona.earns_interest:
            self._banking(member, BANKING["interest"], window.hi - _DAY + _HOUR)

    def _daytime(self, window: _Window) -> int:
        day = self.rng.randrange(window.days)
        return window.lo + day * _DAY + int(self.rng.triangular(7 * _HOUR, _DAY - 1, 13 * _HOUR))

    def _spend(self, member: _Member, kind: Spend, at: int) -> Event:
        rng = self.rng
        amount = kind.median * member.spend_scale * rng.lognormvariate(0, kind.sigma)
        abroad = rng.random() < member.persona.international_share * (3 if kind.travel else 1)
        online = rng.random() < kind.online_share
        channel = "card_not_present" if online and kind.channel == "card_present" else kind.channel
        return self._post(
            member,
            at,
            _notes(amount, kind.note) if kind.note else _cents(amount),
            {
                "direction": "debit",
                "transaction_type": kind.transaction_type,
                "merchant_category_code": kind.mcc,
                "merchant_name": rng.choice(kind.merchants),
                "merchant_country": rng.choice(FOREIGN_COUNTRIES) if abroad else HOME_COUNTRY,
                "channel": channel,
            },
        )

    def _banking(self, member: _Member, kind: Banking, at: int, amount: Decimal | None = None) -> None:
        rng = self.rng
        if amount is None:
            amount = _cents(kind.median * member.spend_scale * rng.lognormvariate(0, kind.sigma))
        counterparty = member.employer if kind.transaction_type == "salary_credit" else None
        self._post(
            member,
            at,
            amount,
            {
                "direction": kind.direction,
                "transaction_type": kind.transaction_type,
                "merchant_category_code": kind.mcc,
                "merchant_name": counterparty or rng.choice(kind.counterparties),
                "merchant_country": rng.choice(FOREIGN_COUNTRIES) if kind.foreign else HOME_COUNTRY,
                "channel": kind.channel,
                "description": kind.description,
            },
        )

    def _post(self, member: _Member, at: int, amount: Decimal, fields: Event) -> Event:
        self.seq += 1
        customer = member.customer
        event: Event = {
            "event_type": "transaction.posted",
            "transaction_id": f"txn_{self.seq:09d}",
            "account_id": customer.account_id,
            "customer_id": customer.customer_id,
            "amount": str(amount),
            "currency": CURRENCY,
            **fields,
            "timestamp": self._stamp(at),
            "value_date": self._day(at),
        }
        self.batch.append((at, self.seq, event))
        return event

    def _schedule_reversal(self, original: Event, at: int) -> None:
        when = at + self.rng.randint(_HOUR, 30 * _DAY)
        if when >= self.end:
            return
        kind, amount = self._reversal_terms(Decimal(str(original["amount"])))
        self.seq += 1
        event: Event = {
            "event_type": "transaction.reversed",
            "transaction_id": f"rev_{self.seq:09d}",
            "original_transaction_id": original["transaction_id"],
            "customer_id": original["customer_id"],
            "account_id": original["account_id"],
            "amount": str(amount),
            "currency": CURRENCY,
            "timestamp": self._stamp(when),
            "reversal_kind": kind,
        }
        heapq.heappush(self.pending, (when, self.seq, event))

    def _reversal_terms(self, original: Decimal) -> tuple[str, Decimal]:
        kind = self.rng.choices(_REVERSAL_KINDS, _REVERSAL_WEIGHTS)[0]
        if kind == "refund" and self.rng.random() < _PARTIAL_REFUND_SHARE:
            share = Decimal(self.rng.randint(10, 90)) / 100
            return kind, max((original * share).quantize(_CENT, ROUND_HALF_UP), _CENT)
        return kind, original

    def _day(self, at: int) -> str:
        return _iso_day(self.start.toordinal() + at // _DAY)

    def _stamp(self, at: int) -> str:
        seconds = at % _DAY
        hh, rest = divmod(seconds, _HOUR)
        mm, ss = divmod(rest, 60)
        return f"{self._day(at)}T{hh:02d}:{mm:02d}:{ss:02d}Z"


@lru_cache(maxsize=128)
def _iso_day(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def _add_months(day: date, months: int) -> date:
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def _cents(amount: float) -> Decimal:
    return max(Decimal(amount).quantize(_CENT, ROUND_HALF_UP), _CENT)


def _notes(amount: float, note: int) -> Decimal:
    return Decimal(max(note, round(amount / note) * note)).quantize(_CENT)


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw: Knuth's product method for small means, a rounded normal for large ones."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
