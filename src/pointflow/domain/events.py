"""Canonical events: what every connector turns a core platform's native payload into."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from pointflow.domain.money import Money


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
    extra: dict[str, str] = field(default_factory=dict)


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
