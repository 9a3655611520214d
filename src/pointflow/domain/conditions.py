"""Programme conditions compiled into fast matchers that also explain, in words, why they hold or fail.

`compile_condition` turns a `Condition` into a `CompiledCondition`; the earn-rules engine matches it
against the `Facts` it derives from one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from typing import Protocol

from pointflow.domain.events import TransactionType
from pointflow.domain.programme import Condition, Tier


@dataclass(frozen=True, slots=True)
class Facts:
    """One transaction as conditions see it, normalised once per evaluation."""

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


class Check(Protocol):
    """One part of a condition: whether it holds for a transaction, and why (not)."""

    @property
    def cacheable(self) -> bool:
        """True when the reason for a mismatch depends only on values from a small, fixed set."""

    def holds(self, facts: Facts) -> bool: ...
    def why(self, facts: Facts, held: bool) -> str: ...


@dataclass(frozen=True, slots=True)
class _OneOf:
    label: str
    allowed: frozenset[str]
    listing: str
    value: Callable[[Facts], str | None]
    cacheable: bool = True

    def holds(self, facts: Facts) -> bool:
        return self.value(facts) in self.allowed

    def why(self, facts: Facts, held: bool) -> str:
        value = self.value(facts)
        if held:
            return f"{self.label} is {value}"
        return f"no {self.label}" if value is None else f"{self.label} {value} is not {self.listing}"


@dataclass(frozen=True, slots=True)
class _InRanges:
    ranges: tuple[tuple[str, str], ...]
    cacheable: bool = True

    def holds(self, facts: Facts) -> bool:
        mcc = facts.mcc
        return mcc is not None and any(start <= mcc <= end for start, end in self.ranges)

    def why(self, facts: Facts, held: bool) -> str:
        listing = ", ".join(f"{start}-{end}" for start, end in self.ranges)
        return f"{_merchant(facts)} is {'' if held else 'not '}in MCC range {listing}"


@dataclass(frozen=True, slots=True)
class _InCategory:
    names: tuple[str, ...]
    cacheable: bool = True

    def holds(self, facts: Facts) -> bool:
        return not facts.categories.isdisjoint(self.names)

    def why(self, facts: Facts, held: bool) -> str:
        if held:
            hit = next(name for name in self.names if name in facts.categories)
            return f"{_merchant(facts)} is in category {hit}"
        return f"{_merchant(facts)} is not in category {' or '.join(self.names)}"


@dataclass(frozen=True, slots=True)
class _Amount:
    minimum: Decimal | None
    maximum: Decimal | None
    cacheable: bool = False

    def holds(self, facts: Facts) -> bool:
        low, high, amount = self.minimum, self.maximum, facts.amount
        return (low is None or amount >= low) and (high is None or amount <= high)

    def why(self, facts: Facts, held: bool) -> str:
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

    def holds(self, facts: Facts) -> bool:
        return facts.international is self.wanted

    def why(self, facts: Facts, held: bool) -> str:
        seen = self._describe(facts)
        wanted = "international" if self.wanted else "domestic"
        return seen if held else f"{seen}, but the rule is for {wanted} transactions"

    def _describe(self, facts: Facts) -> str:
        country = facts.merchant_country
        if facts.transaction_type == TransactionType.INTERNATIONAL_PAYMENT:
            return "an international payment"
        if country is None:
            return "no merchant country, so domestic"
        if country == self.home_country:
            return f"merchant country {country} is the home country"
        return f"merchant country {country} is outside {self.home_country}"


def _merchant(facts: Facts) -> str:
    return "a transaction without MCC" if facts.mcc is None else f"MCC {facts.mcc}"


@dataclass(frozen=True, slots=True)
class CompiledCondition:
    """A `Condition` as the checks it makes, in a fixed order so the first failure is the reason."""

    checks: tuple[Check, ...]

    def failing(self, facts: Facts) -> Check | None:
        """The first check that does not hold, or None when the whole condition holds."""
        for check in self.checks:
            if not check.holds(facts):
                return check
        return None

    def mismatch(self, facts: Facts) -> str | None:
        """Why the condition fails, or None when it holds."""
        check = self.failing(facts)
        return None if check is None else check.why(facts, False)

    def explain(self, facts: Facts) -> str:
        reasons = "; ".join(check.why(facts, True) for check in self.checks)
        return reasons or "no conditions, so every transaction matches"


def _one_of(label: str, values: tuple[str, ...], attribute: str) -> _OneOf:
    allowed = frozenset(str(value) for value in values)
    listing = " or ".join(str(value) for value in values)
    return _OneOf(label, allowed, listing, attrgetter(attribute))


def _iso_range_check(values: tuple[str, ...]) -> _OneOf:
    allowed = frozenset(value.casefold() for value in values)
    return _OneOf("ISO range", allowed, " or ".join(values), attrgetter("iso_range"))


def _tier_name(facts: Facts) -> str:
    return facts.tier.name


def compile_condition(condition: Condition, home_country: str) -> CompiledCondition:
    checks = [*_kind_checks(condition), *_merchant_checks(condition, home_country)]
    return CompiledCondition(tuple(checks))


def _kind_checks(c: Condition) -> Iterator[Check]:
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


def _merchant_checks(c: Condition, home_country: str) -> Iterator[Check]:
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
