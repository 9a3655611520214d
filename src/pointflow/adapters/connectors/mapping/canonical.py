"""The canonical fields a mapping fills: how each converts, which native types it takes, when it is needed."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pointflow.adapters.connectors.mapping.model import FieldType
from pointflow.domain.events import Channel, Direction, ReversalKind, TransactionType

Kind = Literal["id", "text", "extra", "amount", "currency", "enum", "instant", "day", "mcc", "country"]
Needed = Literal["always", "posted", "reversed", "optional"]
ALL_TYPES: frozenset[FieldType] = frozenset(
    {"text", "string", "int", "decimal", "date", "datetime", "enum", "mcc"}
)


@dataclass(frozen=True, slots=True)
class Canonical:
    kind: Kind
    types: frozenset[FieldType]
    default_type: FieldType
    needed: Needed = "optional"
    choices: type[StrEnum] | None = None
    fixed_ok: bool = True  # whether a constant or a default makes sense


def _id(needed: Needed) -> Canonical:
    return Canonical("id", frozenset({"text", "int"}), "text", needed)


def _enum(choices: type[StrEnum]) -> Canonical:
    return Canonical("enum", frozenset({"enum", "text"}), "enum", choices=choices)


_TEXT = Canonical("text", frozenset({"text", "string", "int", "decimal"}), "text")

CANONICAL: dict[str, Canonical] = {
    "source_id": _id("always"),
    "original_source_id": _id("reversed"),
    "customer_id": _id("always"),
    "account_id": _id("posted"),
    "amount": Canonical("amount", frozenset({"decimal"}), "decimal", "always", fixed_ok=False),
    "currency": Canonical("currency", frozenset({"text"}), "text", "always"),
    "direction": _enum(Direction),
    "transaction_type": _enum(TransactionType),
    "booked_at": Canonical("instant", frozenset({"datetime", "date"}), "datetime", "always", fixed_ok=False),
    "value_date": Canonical("day", frozenset({"date", "datetime"}), "date", fixed_ok=False),
    "mcc": Canonical("mcc", frozenset({"mcc", "int"}), "mcc"),
    "merchant_name": _TEXT,
    "merchant_country": Canonical("country", frozenset({"text"}), "text"),
    "channel": _enum(Channel),
    "description": _TEXT,
    "kind": _enum(ReversalKind),
}

# An `extra` field keeps a format-specific string; its type says how the native value is read first.
# As text, a number or a boolean (an XPath count(), a JSON true) is kept as its text.
EXTRA_KINDS: dict[FieldType, Kind] = {
    "text": "extra",
    "string": "text",  # a string only: a number or a boolean is refused
    "int": "text",
    "decimal": "text",
    "enum": "extra",
    "date": "day",
    "datetime": "instant",
    "mcc": "mcc",
}
EXTRA = Canonical("text", ALL_TYPES, "text")

# What the event says when the mapping gives no value; conditions on these fields see the same.
IMPLICIT: dict[str, StrEnum] = {
    "direction": Direction.DEBIT,
    "transaction_type": TransactionType.PURCHASE,
    "channel": Channel.OTHER,
}

# `native_field` also answers for the names the inbox compares (`money`, `event_type`).
ALIASES = {"money": "amount"}
