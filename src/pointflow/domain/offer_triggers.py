"""Which configured triggers fire for a member now: a qualifying transaction, milestone, risk or schedule."""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

from pointflow.domain.conditions import (
    Classifier,
    CompiledCondition,
    Facts,
    classifier,
    compile_condition,
    kind_of,
)
from pointflow.domain.earning import EarnInput
from pointflow.domain.offer_programme import Trigger
from pointflow.domain.programme import Programme


@dataclass(frozen=True, slots=True)
class MemberContext:
    """What decisioning knows of a member: behaviour and scores under a token, never a name or account."""

    token: str
    tier: str
    today: date
    segment: str | None = None
    joined_on: date | None = None
    points_before: int = 0  # available points before the transaction that led here
    points_balance: int = 0
    churn_score: float | None = None
    churn_score_before: float | None = None
    propensity: float | None = None
    propensity_before: float | None = None
    expiring: tuple[tuple[date, int], ...] = ()  # (expires_on, points) of open lots
    category_counts: Mapping[str, int] = field(default_factory=dict)  # by trigger id: matching txns in window
    suppressed_by: tuple[str, ...] = ()  # suppression lists the member is on
    open_offer_points: int = 0  # points of offers the member holds and has not used

    @property
    def tenure_days(self) -> int:
        return 0 if self.joined_on is None else (self.today - self.joined_on).days


@dataclass(frozen=True, slots=True)
class Fired:
    trigger: Trigger
    reason: str


def fired_triggers(
    programme: Programme, context: MemberContext, transaction: EarnInput | None
) -> list[Fired]:
    """The triggers that fire, each with why; a transaction trigger needs a transaction, a schedule none."""
    offers = programme.offers
    if offers is None:
        return []
    facts = None if transaction is None else _compiled(programme).classifier.facts(kind_of(transaction))
    return [
        Fired(trigger, reason)
        for trigger in offers.triggers
        if (reason := _reason(programme, trigger, context, transaction, facts)) is not None
    ]


def _reason(
    programme: Programme, trigger: Trigger, ctx: MemberContext, tx: EarnInput | None, facts: Facts | None
) -> str | None:
    if trigger.kind in ("transaction", "category_pattern"):
        return None if tx is None or facts is None else _on_transaction(programme, trigger, ctx, tx, facts)
    if trigger.kind == "schedule":
        return _schedule(trigger, ctx.today) if tx is None else None
    return next(_state_reasons(trigger, ctx), None)


@dataclass(frozen=True, slots=True)
class _Compiled:
    classifier: Classifier
    conditions: dict[str, CompiledCondition]  # by transaction trigger id


_CACHE: dict[int, tuple[weakref.ref[Programme], _Compiled]] = {}


def _compiled(programme: Programme) -> _Compiled:
    """The programme's classifier and trigger conditions, compiled once per programme object."""
    key = id(programme)
    found = _CACHE.get(key)
    if found is not None and found[0]() is programme:
        return found[1]
    triggers = programme.offers.triggers if programme.offers else ()
    compiled = _Compiled(
        classifier(programme),
        {t.id: compile_condition(t.when, programme.home_country) for t in triggers if t.when is not None},
    )
    _CACHE[key] = (weakref.ref(programme, lambda _: _CACHE.pop(key, None)), compiled)
    return compiled


def mcc_categories(programme: Programme) -> Mapping[str, frozenset[str]]:
    """The programme's categories by MCC (compiled once per programme)."""
    return _compiled(programme).classifier.mcc_categories


def _on_transaction(
    programme: Programme, trigger: Trigger, ctx: MemberContext, tx: EarnInput, facts: Facts
) -> str | None:
    if trigger.kind == "category_pattern":
        return _pattern(trigger, ctx, facts)
    resolved = _compiled(programme).conditions[trigger.id].resolve(facts)
    if resolved.failure(tx.amount) is not None:
        return None
    return f"qualifying transaction: {resolved.explain(tx.amount)}"


def _pattern(trigger: Trigger, ctx: MemberContext, facts: Facts) -> str | None:
    assert trigger.category is not None
    count = ctx.category_counts.get(trigger.id, 0)
    if trigger.category not in facts.categories or count != trigger.min_count:
        return None  # fires once, when the pattern completes, not on every later purchase
    return f"{count} {trigger.category} transactions within {trigger.within_days} days"


def _state_reasons(trigger: Trigger, ctx: MemberContext) -> Iterator[str]:
    if trigger.kind == "points_balance" and trigger.at_least is not None:
        if ctx.points_before < trigger.at_least <= ctx.points_balance:
            yield f"points balance reached {trigger.at_least} ({ctx.points_balance})"
    elif trigger.kind == "tenure_anniversary" and _anniversary(ctx.joined_on, ctx.today):
        yield f"{ctx.tenure_days // 365} years with the bank today"
    elif trigger.kind == "score":
        yield from _score_crossed(trigger, ctx)
    elif trigger.kind == "points_expiring":
        yield from _expiring(trigger, ctx)


def _anniversary(joined_on: date | None, today: date) -> bool:
    if joined_on is None or today.year <= joined_on.year:
        return False
    return (today.month, today.day) == (joined_on.month, joined_on.day)


def _score_crossed(trigger: Trigger, ctx: MemberContext) -> Iterator[str]:
    assert trigger.threshold is not None
    now, before = (
        (ctx.churn_score, ctx.churn_score_before)
        if trigger.score == "churn"
        else (ctx.propensity, ctx.propensity_before)
    )
    if now is not None and now >= trigger.threshold and (before is None or before < trigger.threshold):
        yield f"{trigger.score} score crossed {trigger.threshold} ({now:.2f})"


def _expiring(trigger: Trigger, ctx: MemberContext) -> Iterator[str]:
    assert trigger.within_days is not None
    assert trigger.at_least is not None
    points = expiring_points(ctx, trigger.within_days)
    if points >= trigger.at_least:
        yield f"{points} points expire within {trigger.within_days} days"


def expiring_points(ctx: MemberContext, within_days: int) -> int:
    """Points of the member's lots that expire from today through today + within_days."""
    return sum(points for on, points in ctx.expiring if 0 <= (on - ctx.today).days <= within_days)


def _schedule(trigger: Trigger, today: date) -> str | None:
    if trigger.every == "week" and today.weekday() == 0:
        return "weekly schedule (Monday)"
    if trigger.every == "month" and today.day == 1:
        return "monthly schedule (first of the month)"
    return None
