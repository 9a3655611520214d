"""Canonical events: what every connector turns a core platform's native payload into."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

import orjson

from pointflow.domain.money import Money

# `extra` keys that describe how an event travelled (a stream's event id, say), not the transaction: they
# stay out of the hashed record, so the same posting arriving by two routes is a duplicate, not a conflict.
DELIVERY_PREFIX = "delivery."


class Direction(StrEnum):
    DEBIT = "debit"  # money leaves the customer's account (a purchase, a payment)
    CREDIT = "credit"  # money arrives (a deposit, a salary, a refund)


class TransactionType(StrEnum):
    PURCHASE = "purchase"
    CASH_WITHDRAWAL = "cash_withdrawal"
    QUASI_CASH = "quasi_cash"
    FEE = "fee"
    INTEREST = "interest"
    OWN_ACCOUNT_TRANSFER = "own_account_transfer"
    TRANSFER = "transfer"
    INTERNATIONAL_PAYMENT = "international_payment"
    DEPOSIT = "deposit"
    SALARY_CREDIT = "salary_credit"
    LOAN_REPAYMENT = "loan_repayment"
    BILL_PAYMENT = "bill_payment"
    OTHER = "other"


class ReversalKind(StrEnum):
    REVERSAL = "reversal"
    REFUND = "refund"
    CHARGEBACK = "chargeback"


class Channel(StrEnum):
    CARD_PRESENT = "card_present"
    CARD_NOT_PRESENT = "card_not_present"
    ATM = "atm"
    BRANCH = "branch"
    ONLINE_BANKING = "online_banking"
    MOBILE = "mobile"
    DIRECT_DEBIT = "direct_debit"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where an event came from: the core platform and its own id for the transaction."""

    system: str
    id: str


@dataclass(frozen=True, slots=True)
class TransactionPosted:
    """A transaction the core platform has posted to a customer's account."""

    source: SourceRef
    customer_id: str
    account_id: str
    money: Money
    direction: Direction
    transaction_type: TransactionType
    booked_at: datetime
    value_date: date
    mcc: str | None = None
    merchant_name: str | None = None
    merchant_country: str | None = None
    channel: Channel = Channel.OTHER
    description: str | None = None
    extra: dict[str, str] = field(default_factory=dict)  # e.g. mcc_source=inferred, bank_transaction_code


@dataclass(frozen=True, slots=True)
class TransactionReversed:
    """A reversal, refund or chargeback of an earlier posted transaction, whole or in part."""

    source: SourceRef
    original_source_id: str
    customer_id: str
    money: Money
    kind: ReversalKind
    booked_at: datetime
    value_date: date


CanonicalEvent = TransactionPosted | TransactionReversed


def event_record(event: CanonicalEvent) -> dict[str, str | None]:
    """The event as flat strings, the form that is hashed for duplicate detection and stored in the inbox."""
    if isinstance(event, TransactionPosted):
        return {
            "event_type": "transaction.posted",
            "source_system": event.source.system,
            "source_id": event.source.id,
            "customer_id": event.customer_id,
            "account_id": event.account_id,
            "amount": str(event.money.amount),
            "currency": event.money.currency,
            "direction": event.direction.value,
            "transaction_type": event.transaction_type.value,
            "booked_at": event.booked_at.isoformat(),
            "value_date": event.value_date.isoformat(),
            "mcc": event.mcc,
            "merchant_name": event.merchant_name,
            "merchant_country": event.merchant_country,
            "channel": event.channel.value,
            "description": event.description,
            **{f"extra.{k}": v for k, v in sorted(event.extra.items()) if not k.startswith(DELIVERY_PREFIX)},
        }
    return {
        "event_type": "transaction.reversed",
        "source_system": event.source.system,
        "source_id": event.source.id,
        "original_source_id": event.original_source_id,
        "customer_id": event.customer_id,
        "amount": str(event.money.amount),
        "currency": event.money.currency,
        "kind": event.kind.value,
        "booked_at": event.booked_at.isoformat(),
        "value_date": event.value_date.isoformat(),
    }


def record_text(record: dict[str, str | None]) -> str:
    """Canonical JSON of a record: what the inbox keeps and what its hash covers."""
    return orjson.dumps(record, option=orjson.OPT_SORT_KEYS).decode()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def differing_fields(stored: dict[str, str | None], incoming: dict[str, str | None]) -> list[str]:
    return sorted(k for k in stored.keys() | incoming.keys() if stored.get(k) != incoming.get(k))


FREE_TEXT = ("merchant_name", "description")  # kept in the inbox record as keyed hashes only


def pseudonymous(record: dict[str, Any], tokenise: Callable[[str], str]) -> dict[str, Any]:
    """The record as the inbox keeps it: tokens, not the bank's ids, and keyed hashes of free text (which
    may name someone); equal text gives an equal hash, so a conflict still shows."""
    record["customer_id"] = tokenise(str(record["customer_id"]))
    if record.get("account_id"):
        record["account_id"] = tokenise(f"account:{record['account_id']}")
    for name in (n for n in FREE_TEXT if record.get(n)):
        record[name] = tokenise(f"text:{record[name]}")
    return record
