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
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from pointflow.domain.conditions import Check, CompiledCondition, Facts, compile_condition
from pointflow.domain.events import Channel, Direction, TransactionType
from pointflow.domain.money import Mcc, Points, round_points
from pointflow.domain.programme import EarnRule, Programme, Tier

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
class _Rule:
    rule: EarnRule
    id: str
    kind: str
    when: CompiledCondition
    factor: Decimal | None
    flat_bonus: Decimal
    bonus_per_unit: Decimal
    window: str  # "" when the rule is always valid
    misses: dict[str, TraceLine] = field(default_factory=dict)

    def gate(self, facts: Facts) -> TraceLine | None:
        """The line for a rule that does not apply (inactive or not matched), else None."""
        if self.window and not self.rule.active_at(facts.booked_at):
            reason = f"{self.window}; booked at {facts.booked_at.isoformat()}"
            return TraceLine(self.id, self.kind, "inactive", reason, ZERO, self.factor)
        check = self.when.failing(facts)
        return None if check is None else self._miss(check, check.why(facts, False))

    def _miss(self, check: Check, reason: str) -> TraceLine:
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
        when=compile_condition(rule.when, home_country),
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
    base: CompiledCondition
    exclusions: tuple[_Rule, ...]
    earners: tuple[_Rule, ...]
    mcc_categories: dict[str, frozenset[str]]
    iso_categories: dict[str, frozenset[str]]
    tiers: dict[str, Tier]
    entry_tier: Tier

    def facts(self, tx: EarnInput) -> Facts:
        _check_input(tx)
        mcc = tx.mcc if tx.mcc is not None and len(tx.mcc) == 4 and tx.mcc.isdigit() else None
        iso = tx.iso_range.casefold() if tx.iso_range else None
        country = tx.merchant_country.upper() if tx.merchant_country else None
        tier = self.tiers.get(tx.tier)
        return Facts(
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
        base=compile_condition(programme.earning.base_applies_to, home),
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
    facts: Facts
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
