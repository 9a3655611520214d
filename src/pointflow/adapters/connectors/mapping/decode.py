"""Turns an item's mapped values into a canonical event: the event rule first, then each field in turn."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pointflow.adapters.connectors.mapping.compiled import CompiledMapping, CompiledTest, MappedItem
from pointflow.adapters.connectors.mapping.convert import Clock, amount, text_form
from pointflow.adapters.connectors.mapping.paths import Several, Unreadable
from pointflow.adapters.connectors.mapping.resolve import Resolver
from pointflow.domain.errors import InvalidEvent, NotATransaction
from pointflow.domain.events import (
    CanonicalEvent,
    Channel,
    Direction,
    ReversalKind,
    SourceRef,
    TransactionPosted,
    TransactionReversed,
    TransactionType,
)
from pointflow.domain.money import Money
from pointflow.service_layer.ports import DecodeLimits


def decide(mapping: CompiledMapping, item: MappedItem, resolver: Resolver) -> str:
    """posted, reversal, refund or chargeback; NotATransaction for `ignore`, InvalidEvent for `invalid`.

    A test whose `when`/`unless` conditions do not hold is passed over.
    """
    for test in mapping.tests:
        if not resolver.holds(test.when, test.unless):
            continue
        verdict, reason = _verdict(test, item)
        if verdict != "next":
            return _final(verdict, reason, test.source.native)
    name = mapping.tests[0].source.native if mapping.tests else "<event>"
    return _final(mapping.otherwise, "no test of the event rule decided what this item is", name)


def _verdict(test: CompiledTest, item: MappedItem) -> tuple[str, str]:
    name = test.source.native
    value = item.read(test.source)
    if isinstance(value, Several | Unreadable):
        raise InvalidEvent(f"{name} must be one readable value", field=name)
    text = text_form(name, value)
    if not text:
        return test.missing, f"{name} is required"
    if text in test.values:
        return test.values[text], f"{name} is {text!r}"
    for pattern, outcome in test.patterns:
        if pattern.fullmatch(text):
            return outcome, f"{name} {text!r} matches {pattern.pattern!r}"
    return test.unknown, f"{name} {text!r} is not one of: {', '.join(test.values)}"


def _final(verdict: str, reason: str, name: str) -> str:
    if verdict == "invalid":
        raise InvalidEvent(reason, field=name)
    if verdict == "ignore":
        raise NotATransaction(f"{reason}: not a transaction", field=name)
    return verdict


class Reader:
    """Reads canonical fields from one item in the order the generic connector checks them."""

    def __init__(
        self, mapping: CompiledMapping, item: MappedItem, limits: DecodeLimits, clock: Clock
    ) -> None:
        self.mapping, self.limits = mapping, limits
        self.resolver = Resolver(mapping.fields, item, clock)

    def get(self, name: str, fallback: Any = None) -> Any:
        value = self.resolver.canonical(name)
        return fallback if value is None else value

    def amount(self, code: str) -> tuple[Decimal, bool]:
        leaf, value = self.resolver.native(self.mapping.fields["amount"])
        return amount(leaf, value, code, self.limits.max_amount)

    def extra(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for field in self.mapping.extra:
            converted = self.resolver.value(field)
            if converted is not None:
                text = converted.isoformat() if isinstance(converted, date | datetime) else converted
                found[field.name.removeprefix("extra.")] = str(text)
        return found


def posted(reader: Reader, system: str) -> TransactionPosted:
    code = reader.get("currency")
    booked: datetime = reader.get("booked_at")
    source_id = reader.get("source_id")
    customer_id = reader.get("customer_id")
    account_id = reader.get("account_id")
    value, negative = reader.amount(code)
    return TransactionPosted(
        source=SourceRef(system, source_id),
        customer_id=customer_id,
        account_id=account_id,
        money=Money(value, code),
        direction=_direction(reader, negative),
        transaction_type=reader.get("transaction_type", TransactionType.PURCHASE),
        booked_at=booked,
        value_date=reader.get("value_date", booked.date()),
        mcc=reader.get("mcc"),
        merchant_name=reader.get("merchant_name"),
        merchant_country=reader.get("merchant_country"),
        channel=reader.get("channel", Channel.OTHER),
        description=reader.get("description"),
        extra=reader.extra(),
    )


def _direction(reader: Reader, negative: bool) -> Direction:
    sign = reader.mapping.fields["amount"].sign
    if sign == "negative_is_debit":
        return Direction.DEBIT if negative else Direction.CREDIT
    if sign == "negative_is_credit":
        return Direction.CREDIT if negative else Direction.DEBIT
    direction: Direction = reader.get("direction", Direction.DEBIT)
    return direction


def reversed_(reader: Reader, system: str, kind: ReversalKind) -> TransactionReversed:
    code = reader.get("currency")
    booked: datetime = reader.get("booked_at")
    source_id = reader.get("source_id")
    original = reader.get("original_source_id")
    customer_id = reader.get("customer_id")
    value, _ = reader.amount(code)
    return TransactionReversed(
        source=SourceRef(system, source_id),
        original_source_id=original,
        customer_id=customer_id,
        money=Money(value, code),
        kind=reader.get("kind", kind),
        booked_at=booked,
        value_date=reader.get("value_date", booked.date()),
    )


def decode_item(
    mapping: CompiledMapping, item: MappedItem, limits: DecodeLimits, clock: Clock
) -> CanonicalEvent:
    reader = Reader(mapping, item, limits, clock)
    verdict = decide(mapping, item, reader.resolver)
    if verdict == "posted":
        return posted(reader, mapping.spec.system)
    return reversed_(reader, mapping.spec.system, ReversalKind(verdict))
