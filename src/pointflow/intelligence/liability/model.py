"""The points liability: how outstanding points will be redeemed or expire, month by month.

The model is a redemption hazard by lot age: of the points a lot still holds at the start of a month, the
share redeemed during that month, estimated per age in months from the history of every lot (exposure and
redemptions), scaled by a calendar-month factor when the history covers two full years. Projecting each open
lot forward with its hazard until its expiry date gives expected redemptions and expected breakage (points
that will expire unredeemed) per month.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

MAX_AGE = 36  # months: older lots share the last age's hazard
LIFETIME_MONTHS = 60  # how far a lot without an expiry date is followed for the breakage rate
SEASON_MONTHS = 24  # history needed before calendar-month factors are estimated


@dataclass(frozen=True, slots=True)
class LotHistory:
    """A lot as the ledger knows it: what it earned, when, when it expires, and where its points went."""

    points: int
    earned_on: date
    expires_on: date | None
    outflows: tuple[Outflow, ...] = ()


@dataclass(frozen=True, slots=True)
class Outflow:
    on: date
    points: int
    kind: str  # redeem | expire | other (clawback, adjustment)


@dataclass(frozen=True, slots=True)
class Hazard:
    """Monthly redemption hazard by lot age, and a factor per calendar month (1.0 when not estimable)."""

    by_age: tuple[float, ...]
    by_month: tuple[float, ...] = (1.0,) * 12

    def rate(self, age: int, month: int) -> float:
        return min(1.0, self.by_age[min(age, len(self.by_age) - 1)] * self.by_month[month - 1])


@dataclass(frozen=True, slots=True)
class MonthForecast:
    month: date  # first day of the month
    redeemed: float
    expired: float
    outstanding_end: float


@dataclass(frozen=True, slots=True)
class Forecast:
    as_of: date
    outstanding: int
    months: tuple[MonthForecast, ...]
    lifetime_redeemed: float
    lifetime_expired: float
    notes: tuple[str, ...] = field(default=())

    @property
    def breakage_rate(self) -> float:
        """The share of today's outstanding points expected to expire unredeemed."""
        decided = self.lifetime_redeemed + self.lifetime_expired
        return self.lifetime_expired / decided if decided else 0.0


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def estimate_hazard(lots: Iterable[LotHistory], *, start: date, end: date) -> Hazard:
    """Redeemed ÷ exposed points per lot age over the months from `start` up to (not including) `end`."""
    exposure: dict[int, float] = defaultdict(float)
    redeemed: dict[int, float] = defaultdict(float)
    month_exposure: dict[int, float] = defaultdict(float)
    month_redeemed: dict[int, float] = defaultdict(float)
    for lot in lots:
        for month, held, taken in _lot_months(lot, month_start(start), month_start(end)):
            age = min(months_between(lot.earned_on, month), MAX_AGE)
            exposure[age] += held
            redeemed[age] += taken
            month_exposure[month.month] += held
            month_redeemed[month.month] += taken
    by_age = _smoothed([redeemed[a] / exposure[a] if exposure[a] else None for a in range(MAX_AGE + 1)])
    return Hazard(by_age, _seasonality(month_exposure, month_redeemed, start, end))


def _lot_months(lot: LotHistory, first: date, stop: date) -> Iterable[tuple[date, float, float]]:
    """(month, points held at its start, points redeemed during it) for each month the lot was open."""
    held = lot.points
    flows = sorted(lot.outflows, key=lambda o: o.on)
    month = max(first, month_start(lot.earned_on))
    before = [o for o in flows if o.on < month]
    held -= sum(o.points for o in before)
    flows = flows[len(before) :]
    while month < stop and held > 0 and (lot.expires_on is None or lot.expires_on >= month):
        following = add_months(month, 1)
        inside = [o for o in flows if o.on < following]
        flows = flows[len(inside) :]
        yield month, held, sum(o.points for o in inside if o.kind == "redeem")
        held -= sum(o.points for o in inside)
        month = following


def _smoothed(rates: Sequence[float | None]) -> tuple[float, ...]:
    """Ages never observed take the nearest younger observed age's rate (or 0 with no observation at all)."""
    filled: list[float] = []
    last = next((r for r in rates if r is not None), 0.0)
    for rate in rates:
        last = rate if rate is not None else last
        filled.append(last)
    return tuple(filled)


def _seasonality(
    exposure: dict[int, float], redeemed: dict[int, float], start: date, end: date
) -> tuple[float, ...]:
    # One year shows each calendar month once, confounded with the trend: two cycles are the least.
    if months_between(start, end) < SEASON_MONTHS or not all(exposure.get(m) for m in range(1, 13)):
        return (1.0,) * 12
    overall = sum(redeemed.values()) / sum(exposure.values())
    if overall == 0:
        return (1.0,) * 12
    return tuple((redeemed[m] / exposure[m]) / overall for m in range(1, 13))


def project(
    open_lots: Iterable[tuple[int, date, date | None]], hazard: Hazard, *, as_of: date, horizon: int = 12
) -> Forecast:
    """Expected redemptions and expiries per month for `horizon` months after `as_of`, for open lots given
    as (points remaining, earned on, expires on)."""
    first = add_months(month_start(as_of), 1)
    redeemed = [0.0] * horizon
    expired = [0.0] * horizon
    outstanding = life_redeemed = life_expired = 0.0
    for remaining, earned_on, expires_on in open_lots:
        outstanding += remaining
        for k, (took, lapsed) in enumerate(_lot_path(remaining, earned_on, expires_on, hazard, first)):
            if k < horizon:
                redeemed[k] += took
                expired[k] += lapsed
            life_redeemed += took
            life_expired += lapsed
    months = _months(first, redeemed, expired, outstanding)
    return Forecast(as_of, int(outstanding), months, life_redeemed, life_expired)


def _lot_path(
    remaining: float, earned_on: date, expires_on: date | None, hazard: Hazard, first: date
) -> Iterable[tuple[float, float]]:
    """(redeemed, expired) in each month from `first` until the lot is spent or lapses."""
    month = first
    for _ in range(LIFETIME_MONTHS):
        if remaining <= 0:
            return
        if expires_on is not None and expires_on < month:
            yield 0.0, remaining
            return
        took = remaining * hazard.rate(months_between(earned_on, month), month.month)
        remaining -= took
        if expires_on is not None and expires_on < add_months(month, 1):
            yield took, remaining
            return
        yield took, 0.0
        month = add_months(month, 1)


def _months(
    first: date, redeemed: list[float], expired: list[float], outstanding: float
) -> tuple[MonthForecast, ...]:
    rows: list[MonthForecast] = []
    left = outstanding
    for k, (took, lapsed) in enumerate(zip(redeemed, expired, strict=True)):
        left -= took + lapsed
        rows.append(MonthForecast(add_months(first, k), took, lapsed, left))
    return tuple(rows)


@dataclass(frozen=True, slots=True)
class BacktestMonth:
    month: date
    forecast: float
    actual: int

    @property
    def error(self) -> float:
        """Relative error of the forecast against what happened (0 when both are 0)."""
        if self.actual == 0:
            return 0.0 if self.forecast == 0 else float("inf")
        return abs(self.forecast - self.actual) / self.actual


def backtest(
    lots: Sequence[LotHistory], *, cutoff: date, horizon: int = 3, history_months: int = 12
) -> tuple[BacktestMonth, ...]:
    """Forecast from what was known at `cutoff` (hazard from the months before it, lots open at it) and
    compare each month's expected redemptions with the redemptions the ledger then took from those lots."""
    cutoff = month_start(cutoff)
    known = [_as_known_at(lot, cutoff) for lot in lots if lot.earned_on < cutoff]
    hazard = estimate_hazard(known, start=add_months(cutoff, -history_months), end=cutoff)
    open_lots = [(held_before(lot, cutoff), lot.earned_on, lot.expires_on) for lot in known]
    forecast = project(
        [o for o in open_lots if o[0] > 0], hazard, as_of=add_months(cutoff, -1), horizon=horizon
    )
    actual: dict[date, int] = defaultdict(int)
    for lot in lots:
        if lot.earned_on >= cutoff:
            continue  # points earned later are not part of the liability forecast at the cutoff
        for flow in lot.outflows:
            if flow.kind == "redeem" and flow.on >= cutoff:
                actual[month_start(flow.on)] += flow.points
    return tuple(BacktestMonth(m.month, m.redeemed, actual[m.month]) for m in forecast.months)


def _as_known_at(lot: LotHistory, cutoff: date) -> LotHistory:
    return LotHistory(
        lot.points, lot.earned_on, lot.expires_on, tuple(o for o in lot.outflows if o.on < cutoff)
    )


def held_before(lot: LotHistory, day: date) -> int:
    """The points a lot still held when `day` began (0 once it has expired)."""
    if lot.expires_on is not None and lot.expires_on < day:
        return 0
    return lot.points - sum(o.points for o in lot.outflows if o.on < day)
