"""Programme conditions compiled into fast matchers that also explain, in words, why they hold or fail.

`compile_condition` turns a `Condition` into a `CompiledCondition`. The earn-rules engine resolves it
against the `Facts` of one transaction into a `Resolved` condition, which only the amount can still
change: transactions that share everything but amount and time share it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from typing import Protocol

from pointflow.domain.events import TransactionType
from pointflow.domain.money import Mcc
from pointflow.domain.programme import Condition, EarnRule, Programme, Tier

_NONE: frozenset[str] = frozenset()
_NO_CONDITIONS = "no conditions, so every transaction matches"

# A transaction's kind: all it has but its amount and time, and all its `Facts` derive from.
Kind = tuple[str | None, str | None, str | None, str, str, str, str]
kind_of: Callable[[object], Kind] = attrgetter(
    "mcc", "iso_range", "merchant_country", "transaction_type", "direction", "channel", "tier"
)


@dataclass(frozen=True, slots=True)
class Facts:
    """What conditions see of a transaction besides its amount and time, normalised once."""

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


@dataclass(frozen=True, slots=True)
class Classifier:
    """What a programme knows to read a transaction: its home country, categories and tiers."""

    home_country: str
    mcc_categories: dict[str, frozenset[str]]
    iso_categories: dict[str, frozenset[str]]
    tiers: dict[str, Tier]
    entry_tier: Tier

    def facts(self, kind: Kind) -> Facts:
        """The facts of a transaction of this kind; an MCC that is not four digits counts as missing."""
        mcc, iso_range, merchant_country, transaction_type, direction, channel, tier = kind
        mcc = mcc if mcc is not None and len(mcc) == 4 and mcc.isdigit() else None
        iso = iso_range.casefold() if iso_range else None
        country = merchant_country.upper() if merchant_country else None
        known = self.tiers.get(tier)
        return Facts(
            direction=direction,
            transaction_type=transaction_type,
            channel=channel,
            mcc=mcc,
            iso_range=iso,
            categories=self.mcc_categories.get(mcc or "", _NONE) | self.iso_categories.get(iso or "", _NONE),
            merchant_country=country,
            international=transaction_type == TransactionType.INTERNATIONAL_PAYMENT
            or (country is not None and country != self.home_country),
            tier=known or self.entry_tier,
            tier_note="" if known else f" (tier {tier!r} is unknown, so the entry tier)",
        )


def classifier(programme: Programme) -> Classifier:
    return Classifier(
        home_country=programme.home_country,
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


@dataclass(frozen=True, slots=True)
class Window:
    """When a rule is valid, and how to say so."""

    active_at: Callable[[datetime], bool]
    said: str  # "rule is valid from … until … (exclusive)"

    def inactive(self, at: datetime) -> str | None:
        """Why the rule does not apply at `at`, or None when it is valid then."""
        return None if self.active_at(at) else f"{self.said}; booked at {at.isoformat()}"


def window(rule: EarnRule) -> Window | None:
    """The rule's validity window, or None when it is always valid."""
    starts, ends = rule.valid_from, rule.valid_to
    if starts is None and ends is None:
        return None
    since = f" from {starts.isoformat()}" if starts else ""
    until = f" until {ends.isoformat()} (exclusive)" if ends else ""
    return Window(rule.active_at, f"rule is valid{since}{until}")


class Check(Protocol):
    """One part of a condition on the facts: whether it holds for a transaction, and why (not)."""

    def holds(self, facts: Facts) -> bool: ...
    def why(self, facts: Facts, held: bool) -> str: ...


@dataclass(frozen=True, slots=True)
class _OneOf:
    label: str
    allowed: frozenset[str]
    listing: str
    value: Callable[[Facts], str | None]

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

    def holds(self, facts: Facts) -> bool:
        mcc = facts.mcc
        return mcc is not None and any(start <= mcc <= end for start, end in self.ranges)

    def why(self, facts: Facts, held: bool) -> str:
        listing = ", ".join(f"{start}-{end}" for start, end in self.ranges)
        return f"{_merchant(facts)} is {'' if held else 'not '}in MCC range {listing}"


@dataclass(frozen=True, slots=True)
class _InCategory:
    names: tuple[str, ...]

    def holds(self, facts: Facts) -> bool:
        return not facts.categories.isdisjoint(self.names)

    def why(self, facts: Facts, held: bool) -> str:
        if held:
            hit = next(name for name in self.names if name in facts.categories)
            return f"{_merchant(facts)} is in category {hit}"
        return f"{_merchant(facts)} is not in category {' or '.join(self.names)}"


@dataclass(frozen=True, slots=True)
class AmountRange:
    """The one check that looks at the amount, so it is made per transaction."""

    minimum: Decimal | None
    maximum: Decimal | None
    bounds: str  # " is at least 100 and at most 500"

    def failure(self, amount: Decimal) -> str | None:
        """Why `amount` is out of range, or None when it is in range."""
        low, high = self.minimum, self.maximum
        if low is not None and amount < low:
            return f"amount {amount} is below the minimum {low}"
        if high is not None and amount > high:
            return f"amount {amount} is above the maximum {high}"
        return None

    def held(self, amount: Decimal) -> str:
        return f"amount {amount}{self.bounds}"


def _amount_range(c: Condition) -> AmountRange | None:
    low, high = c.min_amount, c.max_amount
    if low is None and high is None:
        return None
    bounds = [f"at least {low}"] if low is not None else []
    bounds += [f"at most {high}"] if high is not None else []
    return AmountRange(low, high, f" is {' and '.join(bounds)}")


@dataclass(frozen=True, slots=True)
class _International:
    wanted: bool
    home_country: str

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
class Resolved:
    """A condition decided on the facts of a transaction; only its amount check may still be open.

    The checks keep their order, so the first one that fails gives the reason: an amount check
    before the first failing check on the facts is made first, one after it never matters.
    """

    amount: AmountRange | None  # still to make, before `miss` counts
    miss: str | None  # why the first failing check on the facts fails; None when they all hold
    head: str  # the explanation up to the amount check's part (all of it when there is none)
    tail: str  # the explanation after the amount check's part

    def failure(self, amount: Decimal) -> str | None:
        """Why the condition fails for a transaction of `amount`, or None when it holds."""
        if self.amount is not None:
            why = self.amount.failure(amount)
            if why is not None:
                return why
        return self.miss

    def explain(self, amount: Decimal) -> str:
        """Why the condition holds for a transaction of `amount` (only when it does)."""
        if self.amount is None:
            return self.head
        return f"{self.head}{self.amount.held(amount)}{self.tail}"


@dataclass(frozen=True, slots=True)
class CompiledCondition:
    """A `Condition` as the checks it makes, in a fixed order so the first failure is the reason."""

    checks: tuple[Check, ...]  # the checks on the facts
    amount: AmountRange | None
    amount_at: int  # how many of `checks` come before the amount check

    def resolve(self, facts: Facts) -> Resolved:
        """This condition for every transaction with these facts, whatever its amount and time."""
        held: list[str] = []
        for index, check in enumerate(self.checks):
            if not check.holds(facts):
                first = self.amount if index >= self.amount_at else None
                return Resolved(first, check.why(facts, False), "", "")
            held.append(check.why(facts, True))
        if self.amount is None:
            return Resolved(None, None, "; ".join(held) or _NO_CONDITIONS, "")
        head = "".join(f"{why}; " for why in held[: self.amount_at])
        tail = "".join(f"; {why}" for why in held[self.amount_at :])
        return Resolved(self.amount, None, head, tail)


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
    first = list(_type_checks(condition))  # then the amount check, then the rest
    later = [*_tier_checks(condition), *_merchant_checks(condition, home_country)]
    return CompiledCondition((*first, *later), _amount_range(condition), len(first))


def _type_checks(c: Condition) -> Iterator[Check]:
    if c.transaction_types:
        yield _one_of("transaction type", c.transaction_types, "transaction_type")
    if c.directions:
        yield _one_of("direction", c.directions, "direction")
    if c.channels:
        yield _one_of("channel", c.channels, "channel")


def _tier_checks(c: Condition) -> Iterator[Check]:
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
