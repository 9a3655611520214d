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

from pointflow.domain.conditions import (
    Classifier,
    CompiledCondition,
    Facts,
    Kind,
    Resolved,
    Window,
    classifier,
    compile_condition,
    kind_of,
    window,
)
from pointflow.domain.events import Channel, Direction, TransactionType
from pointflow.domain.money import Points, round_points
from pointflow.domain.programme import Cap, EarnRule, Programme, Tier

ZERO = Decimal(0)
_TOOK_EFFECT = frozenset({"applied", "capped"})
_SHARED_CACHE_SIZE = 4096


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


TraceText = tuple[str, str, str, str, str, str | None]


@dataclass(frozen=True, slots=True)
class TraceLine:
    rule_id: str
    kind: str  # "base" | "multiplier" | "bonus" | "exclusion" | "tier"
    outcome: str  # applied | excluded | capped | not_matched | inactive | superseded | stopped
    reason: str
    points: Decimal
    multiplier: Decimal | None = None
    _text: TraceText | None = field(default=None, init=False, repr=False, compare=False)

    def as_text(self) -> TraceText:
        """The fields as text, numbers as decimal strings; worked out once a line, since the lines that
        depend only on a transaction's facts are shared by every transaction with the same facts."""
        text = self._text
        if text is None:
            multiplier = None if self.multiplier is None else str(self.multiplier)
            text = (self.rule_id, self.kind, self.outcome, self.reason, str(self.points), multiplier)
            object.__setattr__(self, "_text", text)
        return text


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
    id: str
    kind: str
    when: CompiledCondition
    factor: Decimal | None
    times: str  # "x2", how the reason names the multiplier
    flat_bonus: Decimal
    bonus_per_unit: Decimal
    cap: Cap | None
    window: Window | None  # None when the rule is always valid
    stop: bool

    def line(self, outcome: str, reason: str) -> TraceLine:
        return TraceLine(self.id, self.kind, outcome, reason, ZERO, self.factor)


def _compile_rule(rule: EarnRule, home_country: str) -> _Rule:
    return _Rule(
        id=rule.id,
        kind=rule.kind,
        when=compile_condition(rule.when, home_country),
        factor=rule.multiplier,
        times=f"x{rule.multiplier}",
        flat_bonus=Decimal(rule.bonus_points or 0),
        bonus_per_unit=rule.bonus_per_unit or ZERO,
        cap=rule.cap,
        window=window(rule),
        stop=rule.stop,
    )


@dataclass(frozen=True, slots=True)
class _Step:
    """One rule for every transaction with the same facts: decided up to amount, time and run."""

    rule: _Rule
    when: Resolved
    miss: TraceLine | None  # the line when a check on the facts fails
    fixed: TraceLine | None  # the line whatever the amount and time, when there is one

    def gate(self, tx: EarnInput) -> TraceLine | None:
        """The line for a rule that does not apply (inactive or not matched), else None."""
        rule = self.rule
        inactive = None if rule.window is None else rule.window.inactive(tx.booked_at)
        if inactive is not None:
            return rule.line("inactive", inactive)
        amount = self.when.amount
        why = None if amount is None else amount.failure(tx.amount)
        return self.miss if why is None else rule.line("not_matched", why)


def _step(rule: _Rule, facts: Facts) -> _Step:
    when = rule.when.resolve(facts)
    miss = None if when.miss is None else rule.line("not_matched", when.miss)
    return _Step(rule, when, miss, _fixed(rule, when, miss))


def _fixed(rule: _Rule, when: Resolved, miss: TraceLine | None) -> TraceLine | None:
    """The rule's line whatever the amount and time, if it has one (an earner's match never has)."""
    if rule.window is not None or when.amount is not None:
        return None
    if miss is not None or rule.kind != "exclusion":
        return miss
    return TraceLine(rule.id, rule.kind, "excluded", when.head, ZERO)


@dataclass(frozen=True, slots=True)
class _Shared:
    """What every transaction with the same facts shares: resolved conditions and the fixed lines."""

    exclusions: tuple[_Step, ...]
    base: Resolved
    base_miss: TraceLine | None  # the base line when a check on the facts fails
    earners: tuple[_Step, ...]
    tier: Tier
    tier_id: str
    tier_no_base: TraceLine
    tier_said: str  # the tier line's reason up to the points it raises


@dataclass(frozen=True, slots=True)
class _Compiled:
    currency: str
    base_rate: Decimal
    per_unit: str  # the base line's reason after the amount
    priority_mode: bool
    base: CompiledCondition
    exclusions: tuple[_Rule, ...]
    earners: tuple[_Rule, ...]
    classifier: Classifier
    shared: dict[Kind, _Shared] = field(default_factory=dict)

    def shared_by(self, tx: EarnInput) -> _Shared:
        """The part of the evaluation that depends on neither amount nor time, cached per kind of tx."""
        key = kind_of(tx)
        found = self.shared.get(key)
        if found is None:
            if len(self.shared) >= _SHARED_CACHE_SIZE:
                self.shared.clear()  # atomic, so safe under threads; rare, as the kinds repeat heavily
            found = self.shared[key] = self._share(self.classifier.facts(key))
        return found

    def _share(self, facts: Facts) -> _Shared:
        tier, note, base = facts.tier, facts.tier_note, self.base.resolve(facts)
        tier_id, factor = f"tier:{tier.name}", tier.multiplier
        no_base = f"tier {tier.name}{note}: no base points for the tier to raise"
        base_miss = None if base.miss is None else TraceLine("base", "base", "not_matched", base.miss, ZERO)
        return _Shared(
            exclusions=tuple(_step(rule, facts) for rule in self.exclusions),
            base=base,
            base_miss=base_miss,
            earners=tuple(_step(rule, facts) for rule in self.earners),
            tier=tier,
            tier_id=tier_id,
            tier_no_base=TraceLine(tier_id, "tier", "not_matched", no_base, ZERO, factor),
            tier_said=f"tier {tier.name}{note} x{factor} on ",
        )


def _check_input(tx: EarnInput) -> None:
    if tx.booked_at.tzinfo is None:
        raise ValueError("booked_at must be timezone-aware")
    if tx.amount < 0:
        raise ValueError("amount must not be negative: the direction carries the sign")


def _compile(programme: Programme) -> _Compiled:
    home, rate = programme.home_country, programme.earning.base_rate
    ordered = sorted(programme.rules, key=lambda rule: -rule.priority)  # stable: ties keep file order
    rules = [_compile_rule(rule, home) for rule in ordered]
    return _Compiled(
        currency=programme.currency,
        base_rate=rate,
        per_unit=f" {programme.currency} at {rate} {'point' if rate == 1 else 'points'} per unit",
        priority_mode=programme.earning.multiplier_mode == "priority",
        base=compile_condition(programme.earning.base_applies_to, home),
        exclusions=tuple(rule for rule in rules if rule.kind == "exclusion"),
        earners=tuple(rule for rule in rules if rule.kind != "exclusion"),
        classifier=classifier(programme),
    )


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
    tx: EarnInput
    used: Mapping[tuple[str, str], Decimal]
    lines: list[TraceLine]
    usage: dict[tuple[str, str], Decimal]
    exact: Decimal = ZERO  # the sum of the line points in order, skipping the lines that carry ZERO
    winner: str | None = None
    stopper: str | None = None


def evaluate(programme: Programme, tx: EarnInput, used: Mapping[tuple[str, str], Decimal]) -> EarnResult:
    """The points `tx` earns under `programme` given cap usage so far, with the full rule trace."""
    compiled = _compiled(programme)
    if tx.currency != compiled.currency:
        return _foreign_currency(compiled, tx)
    _check_input(tx)
    shared = compiled.shared_by(tx)
    lines: list[TraceLine] = []
    excluded_by = _exclude(shared, tx, lines)
    if excluded_by is not None:
        return EarnResult(round_points(ZERO), ZERO, tuple(lines), {}, excluded_by)
    run = _Run(tx, used, lines, {})
    base = _base(compiled, shared, run)
    extras = _earn(compiled, shared, run, base)
    _tier(shared, run, base, extras)
    return EarnResult(round_points(run.exact), run.exact, tuple(lines), run.usage, None)


def _foreign_currency(compiled: _Compiled, tx: EarnInput) -> EarnResult:
    reason = (
        f"currency {tx.currency} is not the programme currency {compiled.currency}, "
        "so no points (currency conversion is not supported yet)"
    )
    line = TraceLine("base", "base", "not_matched", reason, ZERO)
    return EarnResult(Points(0), ZERO, (line,), {}, None)


def _exclude(shared: _Shared, tx: EarnInput, lines: list[TraceLine]) -> str | None:
    excluded_by = None
    for step in shared.exclusions:
        line = step.fixed or step.gate(tx)
        if line is None:
            reason = step.when.explain(tx.amount)
            line = TraceLine(step.rule.id, step.rule.kind, "excluded", reason, ZERO)
        if line.outcome == "excluded":
            excluded_by = excluded_by or step.rule.id
        lines.append(line)
    return excluded_by


def _base(compiled: _Compiled, shared: _Shared, run: _Run) -> Decimal | None:
    amount, when = run.tx.amount, shared.base
    why = None if when.amount is None else when.amount.failure(amount)
    if why is not None:
        run.lines.append(TraceLine("base", "base", "not_matched", why, ZERO))
        return None
    if shared.base_miss is not None:
        run.lines.append(shared.base_miss)
        return None
    points = amount * compiled.base_rate
    reason = f"{when.explain(amount)}: {amount}{compiled.per_unit}"
    run.lines.append(TraceLine("base", "base", "applied", reason, points))
    run.exact += points
    return points


def _earn(compiled: _Compiled, shared: _Shared, run: _Run, base: Decimal | None) -> Decimal:
    extras = ZERO
    for step in shared.earners:
        if run.stopper is None and step.fixed is not None:
            run.lines.append(step.fixed)  # a fixed earner line is a miss: it takes no effect
            continue
        line = _earner_line(compiled, step, run, base)
        run.lines.append(line)
        if line.outcome not in _TOOK_EFFECT:
            continue
        run.exact += line.points
        if step.rule.kind == "multiplier":
            extras += line.points
            run.winner = run.winner or step.rule.id
        if step.rule.stop:
            run.stopper = step.rule.id
    return extras


def _earner_line(compiled: _Compiled, step: _Step, run: _Run, base: Decimal | None) -> TraceLine:
    rule, amount = step.rule, run.tx.amount
    if run.stopper is not None:
        reason = f"not evaluated: rule {run.stopper} applied and stops lower-priority rules"
        return rule.line("stopped", reason)
    line = step.gate(run.tx)
    if line is not None:
        return line
    if rule.factor is None:
        raw = rule.flat_bonus + rule.bonus_per_unit * amount
        return _within_cap(rule, run, raw, f"{step.when.explain(amount)}: bonus of {raw} points")
    if base is None:
        reason = f"{step.when.explain(amount)}, but there are no base points to multiply"
        return rule.line("not_matched", reason)
    if compiled.priority_mode and run.winner is not None:
        reason = f"superseded by {run.winner} (priority mode: only one multiplier applies)"
        return rule.line("superseded", reason)
    raw = base * (rule.factor - 1)
    return _within_cap(rule, run, raw, f"{step.when.explain(amount)}: {rule.times} adds {raw} points")


def _within_cap(rule: _Rule, run: _Run, raw: Decimal, reason: str) -> TraceLine:
    cap = rule.cap
    if cap is None:
        return TraceLine(rule.id, rule.kind, "applied", reason, raw, rule.factor)
    key = (rule.id, period_key(cap.period, run.tx.booked_at))
    already = run.used.get(key, ZERO)
    allowed = min(raw, max(ZERO, cap.points - already))
    if allowed > 0:
        run.usage[key] = allowed
    if allowed == raw:
        return TraceLine(rule.id, rule.kind, "applied", reason, raw, rule.factor)
    per = "per membership" if cap.period == "lifetime" else f"per {cap.period}"
    limit = f"cap of {cap.points} points {per} reached ({already} used)"
    return TraceLine(rule.id, rule.kind, "capped", f"{reason}; {limit}", allowed, rule.factor)


def _tier(shared: _Shared, run: _Run, base: Decimal | None, extras: Decimal) -> None:
    if base is None:
        run.lines.append(shared.tier_no_base)
        return
    factor = shared.tier.multiplier
    earned = base + extras
    points = earned * (factor - 1)
    reason = f"{shared.tier_said}{earned} points adds {points}"
    run.lines.append(TraceLine(shared.tier_id, "tier", "applied", reason, points, factor))
    run.exact += points
