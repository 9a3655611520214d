"""Canonical events as the sandbox Mambu tenant posts them: API v2 DepositTransactions and rendered
webhook templates."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from pointflow.adapters.connectors.mambu import RECOMMENDED_WEBHOOK_TEMPLATE
from pointflow.domain.events import (
    CanonicalEvent,
    Channel,
    Direction,
    ReversalKind,
    TransactionPosted,
    TransactionReversed,
    TransactionType,
)

ORGANISATION_TIME = timezone(timedelta(hours=2))  # the sandbox tenant writes dates in this offset
_CARD_CHANNELS = frozenset({Channel.CARD_PRESENT, Channel.CARD_NOT_PRESENT, Channel.ATM})
# Types Mambu's own fields cannot tell apart: the sandbox tenant posts them through a channel of that name.
_TYPE_CHANNELS = frozenset(
    {
        TransactionType.SALARY_CREDIT,
        TransactionType.INTERNATIONAL_PAYMENT,
        TransactionType.OWN_ACCOUNT_TRANSFER,
    }
)
_ADJUSTMENT_OF = {
    "DEPOSIT": "ADJUSTMENT",
    "WITHDRAWAL": "WITHDRAWAL_ADJUSTMENT",
    "TRANSFER": "TRANSFER_ADJUSTMENT",
    "FEE_APPLIED": "FEE_ADJUSTED",
    "INTEREST_APPLIED": "INTEREST_APPLIED_ADJUSTMENT",
}
TRIGGER_OF = {
    "DEPOSIT": "SAVINGS_DEPOSIT",
    "WITHDRAWAL": "SAVINGS_WITHDRAWAL",
    "ADJUSTMENT": "SAVINGS_DEPOSIT_REVERSAL",
    "WITHDRAWAL_ADJUSTMENT": "SAVINGS_WITHDRAWAL_REVERSAL",
    "INTEREST_APPLIED": "DEPOSIT_INTEREST_APPLIED",
    "INTEREST_APPLIED_ADJUSTMENT": "DEPOSIT_INTEREST_APPLIED_ADJUSTMENT",
}


def deposit_transactions(events: Sequence[CanonicalEvent]) -> list[dict[str, Any]]:
    """One DepositTransaction per event, with the account holder's client id added as `accountHolderId`."""
    originals: dict[str, dict[str, Any]] = {}
    found: list[dict[str, Any]] = []
    for event in events:
        if isinstance(event, TransactionPosted):
            transaction = _posted(event)
            originals[event.source.id] = transaction
        else:
            transaction = _reversal(event, originals.get(event.original_source_id))
        found.append(transaction)
    return found


def render(transaction: Mapping[str, Any]) -> str:
    """The recommended template with Mambu's placeholders filled in as Mambu does: text, "" when absent."""
    card = transaction.get("cardTransaction", {})
    acceptor = card.get("cardAcceptor", {})
    values = {
        "TRANSACTION_KEY": transaction["encodedKey"],
        "TRANSACTION_ID": transaction["id"],
        "CLIENT_ID": transaction["accountHolderId"],
        "ACCOUNT_KEY": transaction.get("parentAccountKey"),
        "TRANSACTION_AMOUNT": transaction["amount"],
        "ACCOUNT_CURRENCY": transaction["currencyCode"],
        "TRANSACTION_BOOKING_DATE": transaction["bookingDate"],
        "TRANSACTION_VALUE_DATE": transaction["valueDate"],
        "TRANSACTION_NOTES": transaction.get("notes"),
        "ORIGINAL_TRANSACTION_KEY": transaction.get("originalTransactionKey"),
        "TRANSACTION_CHANNEL_ID": transaction.get("transactionDetails", {}).get("transactionChannelId"),
        "CARD_TRANSACTION_REFERENCE": card.get("externalReferenceId"),
        "CARD_ACCEPTOR_NAME": acceptor.get("name"),
        "CARD_ACCEPTOR_COUNTRY": acceptor.get("country"),
        "CARD_ACCEPTOR_MCC": acceptor.get("mcc"),
    }
    trigger = TRIGGER_OF.get(transaction["type"], transaction["type"])
    text = RECOMMENDED_WEBHOOK_TEMPLATE.replace('"event": "SAVINGS_DEPOSIT"', f'"event": "{trigger}"')
    for name, value in values.items():
        text = text.replace("{" + name + "}", "" if value is None else str(value))
    return text


def _posted(event: TransactionPosted) -> dict[str, Any]:
    kind = _mambu_type(event)
    negative = event.direction is Direction.DEBIT
    transaction = _common(event.source.id, event.customer_id, event.money.amount, negative, event)
    transaction.update(type=kind, parentAccountKey=event.account_id)
    transaction["valueDate"] = datetime.combine(event.value_date, time(), ORGANISATION_TIME).isoformat()
    if event.description:
        transaction["notes"] = event.description
    transaction["transactionDetails"] = {"transactionChannelId": _channel_id(event)}
    if kind == "TRANSFER":
        link = (
            "linkedLoanTransactionKey" if event.transaction_type is TransactionType.LOAN_REPAYMENT else None
        )
        transaction["transferDetails"] = {
            link or "linkedDepositTransactionKey": encoded_key("link", event.source.id)
        }
    if event.channel in _CARD_CHANNELS:
        transaction["cardTransaction"] = _card(event)
    return transaction


def _reversal(event: TransactionReversed, original: Mapping[str, Any] | None) -> dict[str, Any]:
    original_type = original["type"] if original is not None else "WITHDRAWAL"
    by_card = event.kind is not ReversalKind.REVERSAL
    kind = (
        "CARD_TRANSACTION_REVERSAL" if by_card else _ADJUSTMENT_OF.get(original_type, "WITHDRAWAL_ADJUSTMENT")
    )
    negative = not by_card and original is not None and original["amount"] > 0  # undoing a credit
    transaction = _common(event.source.id, event.customer_id, event.money.amount, negative, event)
    transaction.update(type=kind, originalTransactionKey=event.original_source_id)
    transaction["valueDate"] = datetime.combine(event.value_date, time(), ORGANISATION_TIME).isoformat()
    if original is not None:
        transaction["parentAccountKey"] = original["parentAccountKey"]
    if event.kind is ReversalKind.CHARGEBACK:
        transaction["transactionDetails"] = {"transactionChannelId": "CHARGEBACK"}
    return transaction


def _common(
    source_id: str, customer_id: str, amount: Decimal, negative: bool, event: CanonicalEvent
) -> dict[str, Any]:
    booked = event.booked_at.astimezone(ORGANISATION_TIME).isoformat()
    return {
        "encodedKey": source_id,
        "id": str(int(hashlib.sha256(source_id.encode()).hexdigest()[:12], 16) % 10**9),
        "accountHolderId": customer_id,
        "amount": -amount if negative else amount,
        "currencyCode": event.money.currency,
        "bookingDate": booked,
        "creationDate": booked,
        "affectedAmounts": {"fundsAmount": amount},
    }


def _mambu_type(event: TransactionPosted) -> str:
    debit = event.direction is Direction.DEBIT
    if event.transaction_type is TransactionType.FEE and debit:
        return "FEE_APPLIED"
    if event.transaction_type is TransactionType.INTEREST and not debit:
        return "INTEREST_APPLIED"
    transfers = (
        TransactionType.TRANSFER,
        TransactionType.OWN_ACCOUNT_TRANSFER,
        TransactionType.LOAN_REPAYMENT,
    )
    if event.transaction_type in transfers and event.channel not in _CARD_CHANNELS:
        return "TRANSFER"
    return "WITHDRAWAL" if debit else "DEPOSIT"


def _channel_id(event: TransactionPosted) -> str:
    if event.transaction_type in _TYPE_CHANNELS:
        return event.transaction_type.value.upper()
    return event.channel.value.upper()


def _card(event: TransactionPosted) -> dict[str, Any]:
    acceptor: dict[str, Any] = {}
    if event.merchant_name:
        acceptor["name"] = event.merchant_name
    if event.merchant_country:
        acceptor["country"] = event.merchant_country
    if event.mcc:
        acceptor["mcc"] = int(event.mcc)
    return {
        "externalReferenceId": encoded_key("card", event.source.id),
        "amount": event.money.amount,
        "currencyCode": event.money.currency,
        "advice": False,
        "cardToken": encoded_key("token", event.customer_id),
        "userTransactionTime": event.booked_at.astimezone(ORGANISATION_TIME).strftime("%H:%M:%S"),
        "cardAcceptor": acceptor,
    }


def encoded_key(kind: str, value: str) -> str:
    """A Mambu-looking encoded key (32 hex digits), stable for the same input."""
    return hashlib.md5(f"{kind}:{value}".encode(), usedforsecurity=False).hexdigest()
