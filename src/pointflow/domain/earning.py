"""The earn-rules engine: the points one posted transaction earns, with one line of trace per rule.

Evaluation order (worked through in docs/programme-file.md):

1. Currency. A transaction in another currency than the programme's earns nothing (one "base" line,
   not_matched); currency conversion is not supported yet.
2. Exclusions, highest priority first (ties: file order), each with a line. If any active one
   matches, the result is 0 points, `excluded_by` names the first, and no other rule runs.
3. Base: `amount * base_rate` when `earning.base_applies_to` matches, else a not_matched line.
4. Multiplier and bonus rules, highest priority first (ties: file order). A multiplier needs the
   base and adds `base * (multiplier - 1)`; in "priority" mode only the first matching multiplier
   applies and later matching ones are "superseded", in "sum" mode all of them add up. A bonus adds
   `bonus_points + bonus_per_unit * amount`, base or no base. A rule outside its validity window
   (valid_from ≤ booked_at < valid_to) is "inactive". Once a rule with `stop` applies, every rule
   after it is "stopped". A capped rule gives at most `cap.points - used[(rule_id, period_key)]`,
   never below 0 ("capped" when that cut it), and `usage` reports what it consumed.
5. Tier: `(base + multiplier extras) * (tier.multiplier - 1)` on the line `tier:<name>`; an unknown
   tier counts as the first tier. Bonuses are not raised by the tier.
6. The exact sum of the line points is rounded once, half-up, to whole points.

Cap periods use the booking time in UTC. An MCC that is not four digits counts as missing. The
engine is pure: the caller looks up the MCC's ISO 18245 range and supplies each cap's usage so far.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from operator import attrgetter
from typing import Protocol

from pointflow.domain.events import Channel, Direction, TransactionType
from pointflow.domain.money import Mcc, Points, round_points
from pointflow.domain.programme import Condition, EarnRule, Programme, Tier

ZERO = Decimal(0)
_NONE: frozenset[str] = frozenset()
_TOOK_EFFECT = frozenset({"applied", "capped"})
_MISS_CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class EarnInput:
    """What the engine sees of a transaction: no customer id, no names, no account numbers."""

    amount: Decimal
    currency: str
    direction: Direction
    transaction_type: TransactionType
    mcc: str | None
    iso_range: str | None  # ISO 18245 range description of the MCC, looked up by the caller
    merchant_country: str | None
    channel: Channel
    booked_at: datetime
    tier: str


@dataclass(frozen=True, slots=True)
class TraceLine:
    rule_id: str
    kind: str  # "base" | "multiplier" | "bonus" | "exclusion" | "tier"
    outcome: str  # applied | excluded | capped | not_matched | inactive | superseded | stopped
    reason: str
    points: Decimal
    multiplier: Decimal | None = None


@dataclass(frozen=True, slots=True)
class EarnResult:
    points: Points
    exact: Decimal
    lines: tuple[TraceLine, ...]
    usage: dict[tuple[str, str], Decimal]
    excluded_by: str | None


def period_key(period: str, at: datetime) -> str:
    """The cap period of `at` in UTC: 2024-05-15, 2024-W20 (ISO week), 2024-05, 2024-Q2, 2024."""
    if period == "lifetime":
        return "lifetime"
    moment = at.astimezone(UTC)
    if period == "day":
        return f"{moment.year}-{moment.month:02d}-{moment.day:02d}"
    if period == "week":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{moment.year}-{moment.month:02d}"
    if period == "quarter":
        return f"{moment.year}-Q{(moment.month - 1) // 3 + 1}"
    if period == "year":
        return str(moment.year)
    raise ValueError(f"unknown cap period {period!r}")


@dataclass(frozen=True, slots=True)
class _Facts:
    amount: Decimal
    direction: str
    transaction_type: str
    channel: str
    mcc: str | None
    iso_range: str | None  # casefolded
    categories: frozenset[str]
    merchant_country: str | None
    international: bool
    tier: Tier
    tier_note: str
    booked_at: datetime


class _Check(Protocol):
    @property
    def cacheable(self) -> bool:
        """True when the reason for a mismatch depends only on values from a small, fixed set."""

    def holds(self, facts: _Facts) -> bool: ...
    def why(self, facts: _Facts, held: bool) -> str: ...


@dataclass(frozen=True, slots=True)
class _OneOf:
    label: str
    allowed: frozenset[str]
    listing: str
    value: Callable[[_Facts], str | None]
    cacheable: bool = True

    def holds(self, facts: _Facts) -> bool:
        return self.value(facts) in self.allowed

    def why(self, facts: _Facts, held: bool) -> str:
        value = self.value(facts)
        if held:
            return f"{self.label} is {value}"
        return f"no {self.label}" if value is None else f"{self.label} {value} is not {self.listing}"


@dataclass(frozen=True, slots=True)
class _InRanges:
    ranges: tuple[tuple[str, str], ...]
    cacheable: bool = True

    def holds(self, facts: _Facts) -> bool:
        mcc = facts.mcc
        return mcc is not None and any(start <= mcc <= end for start, end in self.ranges)

    def why(self, facts: _Facts, held: bool) -> str:
        listing = ", ".join(f"{start}-{end}" for start, end in self.ranges)
        return f"{_merchant(facts)} is {'' if held else 'not '}in MCC range {listing}"


@dataclass(frozen=True, slots=True)
class _InCategory:
    names: tuple[str, ...]
    cacheable: bool = True

    def holds(self, facts: _Facts) -> bool:
        return not facts.categories.isdisjoint(self.names)

    def why(self, facts: _Facts, held: bool) -> str:
        if held:
            hit = next(name for name in self.names if name in facts.categories)
            return f"{_merchant(facts)} is in category {hit}"
        return f"{_merchant(facts)} is not in category {' or '.join(self.names)}"


@dataclass(frozen=True, slots=True)
class _Amount:
    minimum: Decimal | None
    maximum: Decimal | None
    cacheable: bool = False

    def holds(self, facts: _Facts) -> bool:
        low, high, amount = self.minimum, self.maximum, facts.amount
        return (low is None or amount >= low) and (high is None or amount <= high)

    def why(self, facts: _Facts, held: bool) -> str:
        amount, low, high = facts.amount, self.minimum, self.maximum
        if held:
            bounds = [f"at least {low}"] if low is not None else []
            bounds += [f"at most {high}"] if high is not None else []
            return f"amount {amount} is {' and '.join(bounds)}"
        if low is not None and amount < low:
            return f"amount {amount} is below the minimum {low}"
        return f"amount {amount} is above the maximum {high}"


@dataclass(frozen=True, slots=True)
class _International:
    wanted: bool
    home_country: str
    cacheable: bool = True

    def holds(self, facts: _Facts) -> bool:
        return facts.international is self.wanted

    def why(self, facts: _Facts, held: bool) -> str:
        seen = self._describe(facts)
        wanted = "international" if self.wanted else "domestic"
        return seen if held else f"{seen}, but the rule is for {wanted} transactions"

    def _describe(self, facts: _Facts) -> str:
        country = facts.merchant_country
        if facts.transaction_type == TransactionType.INTERNATIONAL_PAYMENT:
            return "an international payment"
        if country is None:
            return "no merchant country, so domestic"
        if country == self.home_country:
            return f"merchant country {country} is the home country"
        return f"merchant country {country} is outside {self.home_country}"


def _merchant(facts: _Facts) -> str:
    return "a transaction without MCC" if facts.mcc is None else f"MCC {facts.mcc}"


@dataclass(frozen=True, slots=True)
class _Conditions:
    checks: tuple[_Check, ...]

    def failing(self, facts: _Facts) -> _Check | None:
        """The first check that does not hold, or None when the whole condition holds."""
        for check in self.checks:
            if not check.holds(facts):
                return check
        return None

    def mismatch(self, facts: _Facts) -> str | None:
        """Why the condition fails, or None when it holds."""
        check = self.failing(facts)
        return None if check is None else check.why(facts, False)

    def explain(self, facts: _Facts) -> str:
        reasons = "; ".join(check.why(facts, True) for check in self.checks)
        return reasons or "no conditions, so every transaction matches"


def _one_of(label: str, values: tuple[str, ...], attribute: str) -> _OneOf:
    allowed = frozenset(str(value) for value in values)
    listing = " or ".join(str(value) for value in values)
    return _OneOf(label, allowed, listing, attrgetter(attribute))


def _iso_range_check(values: tuple[str, ...]) -> _OneOf:
    allowed = frozenset(value.casefold() for value in values)
    return _OneOf("ISO range", allowed, " or ".join(values), attrgetter("iso_range"))


def _tier_name(facts: _Facts) -> str:
    return facts.tier.name


def _compile_condition(condition: Condition, home_country: str) -> _Conditions:
    checks = [*_kind_checks(condition), *_merchant_checks(condition, home_country)]
    return _Conditions(tuple(checks))


def _kind_checks(c: Condition) -> Iterator[_Check]:
    if c.transaction_types:
        yield _one_of("transaction type", c.transaction_types, "transaction_type")
    if c.directions:
        yield _one_of("direction", c.directions, "direction")
    if c.channels:
        yield _one_of("channel", c.channels, "channel")
    if c.min_amount is not None or c.max_amount is not None:
        yield _Amount(c.min_amount, c.max_amount)
    if c.tiers:
        yield _OneOf("tier", frozenset(c.tiers), " or ".join(c.tiers), _tier_name)


def _merchant_checks(c: Condition, home_country: str) -> Iterator[_Check]:
    if c.mccs:
        yield _one_of("MCC", c.mccs, "mcc")
    if c.mcc_ranges:
        yield _InRanges(tuple((span.start, span.end) for span in c.mcc_ranges))
    if c.categories:
        yield _InCategory(c.categories)
    if c.iso_ranges:
        yield _iso_range_check(c.iso_ranges)
    if c.international is not None:
        yield _International(c.international, home_country)


@dataclass(frozen=True, slots=True)
class _Rule:
    rule: EarnRule
    id: str
    kind: str
    when: _Conditions
    factor: Decimal | None
    flat_bonus: Decimal
    bonus_per_unit: Decimal
    window: str  # "" when the rule is always valid
    misses: dict[str, TraceLine] = field(default_factory=dict)

    def gate(self, facts: _Facts) -> TraceLine | None:
        """The line for a rule that does not apply (inactive or not matched), else None."""
        if self.window and not self.rule.active_at(facts.booked_at):
            reason = f"{self.window}; booked at {facts.booked_at.isoformat()}"
            return TraceLine(self.id, self.kind, "inactive", reason, ZERO, self.factor)
        check = self.when.failing(facts)
        return None if check is None else self._miss(check, check.why(facts, False))

    def _miss(self, check: _Check, reason: str) -> TraceLine:
        # Most rules miss most transactions for the same few reasons: reuse those immutable lines.
        line = self.misses.get(reason)
        if line is None:
            line = TraceLine(self.id, self.kind, "not_matched", reason, ZERO, self.factor)
            if check.cacheable and len(self.misses) < _MISS_CACHE_SIZE:
                self.misses[reason] = line
        return line


def _window(rule: EarnRule) -> str:
    starts, ends = rule.valid_from, rule.valid_to
    if starts is None and ends is None:
        return ""
    since = f" from {starts.isoformat()}" if starts else ""
    until = f" until {ends.isoformat()} (exclusive)" if ends else ""
    return f"rule is valid{since}{until}"


def _compile_rule(rule: EarnRule, home_country: str) -> _Rule:
    return _Rule(
        rule=rule,
        id=rule.id,
        kind=rule.kind,
        when=_compile_condition(rule.when, home_country),
        factor=rule.multiplier,
        flat_bonus=Decimal(rule.bonus_points or 0),
        bonus_per_unit=rule.bonus_per_unit or ZERO,
        window=_window(rule),
    )


@dataclass(frozen=True, slots=True)
class _Compiled:
    currency: str
    home_country: str
    base_rate: Decimal
    priority_mode: bool
    base: _Conditions
    exclusions: tuple[_Rule, ...]
    earners: tuple[_Rule, ...]
    mcc_categories: dict[str, frozenset[str]]
    iso_categories: dict[str, frozenset[str]]
    tiers: dict[str, Tier]
    entry_tier: Tier

    def facts(self, tx: EarnInput) -> _Facts:
        _check_input(tx)
        mcc = tx.mcc if tx.mcc is not None and len(tx.mcc) == 4 and tx.mcc.isdigit() else None
        iso = tx.iso_range.casefold() if tx.iso_range else None
        country = tx.merchant_country.upper() if tx.merchant_country else None
        tier = self.tiers.get(tx.tier)
        return _Facts(
            amount=tx.amount,
            direction=tx.direction,
            transaction_type=tx.transaction_type,
            channel=tx.channel,
            mcc=mcc,
            iso_range=iso,
            categories=self.mcc_categories.get(mcc or "", _NONE) | self.iso_categories.get(iso or "", _NONE),
            merchant_country=country,
            international=tx.transaction_type == TransactionType.INTERNATIONAL_PAYMENT
            or (country is not None and country != self.home_country),
            tier=tier or self.entry_tier,
            tier_note="" if tier else f" (tier {tx.tier!r} is unknown, so the entry tier)",
            booked_at=tx.booked_at,
        )


def _check_input(tx: EarnInput) -> None:
    if tx.booked_at.tzinfo is None:
        raise ValueError("booked_at must be timezone-aware")
    if tx.amount < 0:
        raise ValueError("amount must not be negative: the direction carries the sign")


def _compile(programme: Programme) -> _Compiled:
    home = programme.home_country
    ordered = sorted(programme.rules, key=lambda rule: -rule.priority)  # stable: ties keep file order
    rules = [_compile_rule(rule, home) for rule in ordered]
    return _Compiled(
        currency=programme.currency,
        home_country=home,
        base_rate=programme.earning.base_rate,
        priority_mode=programme.earning.multiplier_mode == "priority",
        base=_compile_condition(programme.earning.base_applies_to, home),
        exclusions=tuple(rule for rule in rules if rule.kind == "exclusion"),
        earners=tuple(rule for rule in rules if rule.kind != "exclusion"),
        mcc_categories=_categories_by_mcc(programme),
        iso_categories=_categories_by_iso_range(programme),
        tiers={tier.name: tier for tier in programme.tiers},
        entry_tier=programme.tiers[0],
    )


def _categories_by_mcc(programme: Programme) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for name, category in programme.categories.items():
        codes = set(category.mccs)
        for span in category.mcc_ranges:
            codes.update(Mcc(f"{code:04d}") for code in range(int(span.start), int(span.end) + 1))
        for code in codes:
            found.setdefault(code, set()).add(name)
    return {code: frozenset(names) for code, names in found.items()}


def _categories_by_iso_range(programme: Programme) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for name, category in programme.categories.items():
        for label in category.iso_ranges:
            found.setdefault(label.casefold(), set()).add(name)
    return {label: frozenset(names) for label, names in found.items()}


_CACHE: dict[int, tuple[weakref.ref[Programme], _Compiled]] = {}


def _compiled(programme: Programme) -> _Compiled:
    """The compiled form of this Programme object (the models are frozen, so it cannot go stale)."""
    key = id(programme)
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is programme:
        return hit[1]
    compiled = _compile(programme)
    _CACHE[key] = (weakref.ref(programme, lambda _: _CACHE.pop(key, None)), compiled)
    return compiled


@dataclass(slots=True)
class _Run:
    facts: _Facts
    used: Mapping[tuple[str, str], Decimal]
    lines: list[TraceLine] = field(default_factory=list)
    usage: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    excluded_by: str | None = None
    winner: str | None = None
    stopper: str | None = None

    def result(self) -> EarnResult:
        exact = ZERO if self.excluded_by else sum((line.points for line in self.lines), ZERO)
        return EarnResult(round_points(exact), exact, tuple(self.lines), self.usage, self.excluded_by)


def evaluate(programme: Programme, tx: EarnInput, used: Mapping[tuple[str, str], Decimal]) -> EarnResult:
    """The points `tx` earns under `programme` given cap usage so far, with the full rule trace."""
    compiled = _compiled(programme)
    if tx.currency != compiled.currency:
        return _foreign_currency(compiled, tx)
    run = _Run(facts=compiled.facts(tx), used=used)
    if not _exclude(compiled, run):
        base = _base(compiled, run)
        extras = _earn(compiled, run, base)
        _tier(run, base, extras)
    return run.result()


def _foreign_currency(compiled: _Compiled, tx: EarnInput) -> EarnResult:
    reason = (
        f"currency {tx.currency} is not the programme currency {compiled.currency}, "
        "so no points (currency conversion is not supported yet)"
    )
    line = TraceLine("base", "base", "not_matched", reason, ZERO)
    return EarnResult(Points(0), ZERO, (line,), {}, None)


def _exclude(compiled: _Compiled, run: _Run) -> bool:
    for rule in compiled.exclusions:
        line = rule.gate(run.facts)
        if line is None:
            line = TraceLine(rule.id, rule.kind, "excluded", rule.when.explain(run.facts), ZERO)
            run.excluded_by = run.excluded_by or rule.id
        run.lines.append(line)
    return run.excluded_by is not None


def _base(compiled: _Compiled, run: _Run) -> Decimal | None:
    facts = run.facts
    mismatch = compiled.base.mismatch(facts)
    if mismatch is not None:
        run.lines.append(TraceLine("base", "base", "not_matched", mismatch, ZERO))
        return None
    points = facts.amount * compiled.base_rate
    reason = (
        f"{compiled.base.explain(facts)}: {facts.amount} {compiled.currency} at "
        f"{compiled.base_rate} {'point' if compiled.base_rate == 1 else 'points'} per unit"
    )
    run.lines.append(TraceLine("base", "base", "applied", reason, points))
    return points


def _earn(compiled: _Compiled, run: _Run, base: Decimal | None) -> Decimal:
    extras = ZERO
    for rule in compiled.earners:
        line = _earner_line(compiled, rule, run, base)
        run.lines.append(line)
        if line.outcome not in _TOOK_EFFECT:
            continue
        if rule.kind == "multiplier":
            extras += line.points
            run.winner = run.winner or rule.id
        if rule.rule.stop:
            run.stopper = rule.id
    return extras


def _earner_line(compiled: _Compiled, rule: _Rule, run: _Run, base: Decimal | None) -> TraceLine:
    if run.stopper is not None:
        reason = f"not evaluated: rule {run.stopper} applied and stops lower-priority rules"
        return TraceLine(rule.id, rule.kind, "stopped", reason, ZERO, rule.factor)
    line = rule.gate(run.facts)
    if line is not None:
        return line
    if rule.factor is None:
        raw = rule.flat_bonus + rule.bonus_per_unit * run.facts.amount
        return _within_cap(rule, run, raw, f"{rule.when.explain(run.facts)}: bonus of {raw} points")
    if base is None:
        reason = f"{rule.when.explain(run.facts)}, but there are no base points to multiply"
        return TraceLine(rule.id, rule.kind, "not_matched", reason, ZERO, rule.factor)
    if compiled.priority_mode and run.winner is not None:
        reason = f"superseded by {run.winner} (priority mode: only one multiplier applies)"
        return TraceLine(rule.id, rule.kind, "superseded", reason, ZERO, rule.factor)
    raw = base * (rule.factor - 1)
    reason = f"{rule.when.explain(run.facts)}: x{rule.factor} adds {raw} points"
    return _within_cap(rule, run, raw, reason)


def _within_cap(rule: _Rule, run: _Run, raw: Decimal, reason: str) -> TraceLine:
    cap = rule.rule.cap
    if cap is None:
        return TraceLine(rule.id, rule.kind, "applied", reason, raw, rule.factor)
    key = (rule.id, period_key(cap.period, run.facts.booked_at))
    already = run.used.get(key, ZERO)
    allowed = min(raw, max(ZERO, cap.points - already))
    if allowed > 0:
        run.usage[key] = allowed
    if allowed == raw:
        return TraceLine(rule.id, rule.kind, "applied", reason, raw, rule.factor)
    per = "per membership" if cap.period == "lifetime" else f"per {cap.period}"
    limit = f"cap of {cap.points} points {per} reached ({already} used)"
    return TraceLine(rule.id, rule.kind, "capped", f"{reason}; {limit}", allowed, rule.factor)


def _tier(run: _Run, base: Decimal | None, extras: Decimal) -> None:
    tier, note = run.facts.tier, run.facts.tier_note
    rule_id, factor = f"tier:{tier.name}", tier.multiplier
    if base is None:
        reason = f"tier {tier.name}{note}: no base points for the tier to raise"
        run.lines.append(TraceLine(rule_id, "tier", "not_matched", reason, ZERO, factor))
        return
    earned = base + extras
    points = earned * (factor - 1)
    reason = f"tier {tier.name}{note} x{factor} on {earned} points adds {points}"
    run.lines.append(TraceLine(rule_id, "tier", "applied", reason, points, factor))
