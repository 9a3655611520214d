"""Savings transactions (`SavingsAccountTransactionDataV1`, or the REST transaction) → canonical events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pointflow.adapters.connectors.fineract import values as v
from pointflow.adapters.connectors.fineract.postings import (
    Context,
    basics,
    named_type,
    payment_type,
    posted,
    reversal,
    true_flag,
)
from pointflow.domain.errors import InvalidEvent, NotATransaction
from pointflow.domain.events import CanonicalEvent, Direction, ReversalKind, TransactionType

# transactionType flag → direction and a fixed type (None: the payment type or the default decides).
_POSTINGS: dict[str, tuple[Direction, TransactionType | None]] = {
    "deposit": (Direction.CREDIT, None),
    "withdrawal": (Direction.DEBIT, None),
    "interestPosting": (Direction.CREDIT, TransactionType.INTEREST),
    "dividendPayout": (Direction.CREDIT, TransactionType.OTHER),
    "overdraftInterest": (Direction.DEBIT, TransactionType.INTEREST),
    "feeDeduction": (Direction.DEBIT, TransactionType.FEE),
    "overdraftFee": (Direction.DEBIT, TransactionType.FEE),
    "withholdTax": (Direction.DEBIT, TransactionType.FEE),
}
# Holds, transfer book-keeping, write-offs and escheat move no money a loyalty programme rewards.
_NOT_POSTINGS = (
    "amountHold",
    "amountRelease",
    "initiateTransfer",
    "approveTransfer",
    "withdrawTransfer",
    "rejectTransfer",
    "writtenoff",
    "escheat",
)


def decode(data: Mapping[str, Any], ctx: Context) -> CanonicalEvent:
    flags = v.mapping(data, "transactionType", required=True)
    assert flags is not None
    name = true_flag(flags, (*_POSTINGS, *_NOT_POSTINGS), "transactionType")
    if name in _NOT_POSTINGS:
        raise NotATransaction(f"a savings {name} transaction is not a posting")
    b = basics(data, ctx, kind="savings", account_field="accountId")
    if v.flag(data, "isReversal"):
        return reversal(b, original=f"savings:{_original(data)}", kind=ReversalKind.REVERSAL)
    if v.flag(data, "reversed"):
        return reversal(
            b, original=b.source_id, kind=ReversalKind.REVERSAL, source_id=f"{b.source_id}:reversal"
        )
    direction, fixed = _POSTINGS[name]
    payment, cash = payment_type(data)
    return posted(
        b,
        ctx,
        direction=direction,
        transaction_type=fixed or named_type(payment, ctx) or _default_type(data, direction, cash),
        description=v.optional_text(data, "note"),
        payment=payment,
    )


def _original(data: Mapping[str, Any]) -> int:
    return v.long_id(data, "originalTransactionId")  # a string in the schema, digits in practice


def _default_type(data: Mapping[str, Any], direction: Direction, cash: bool) -> TransactionType:
    transfer = v.mapping(data, "transfer")
    if transfer is not None:
        return TransactionType.OWN_ACCOUNT_TRANSFER if _same_client(transfer) else TransactionType.TRANSFER
    if direction is Direction.CREDIT:
        return TransactionType.DEPOSIT
    return TransactionType.CASH_WITHDRAWAL if cash else TransactionType.OTHER


def _same_client(transfer: Mapping[str, Any]) -> bool:
    with v.within("transfer"):
        ids = [_client_id(transfer, side) for side in ("fromClient", "toClient")]
    return ids[0] is not None and ids[0] == ids[1]


def _client_id(transfer: Mapping[str, Any], side: str) -> int | None:
    client = v.mapping(transfer, side)
    if client is None or client.get("id") is None:
        return None
    try:
        return v.long_id(client, "id")
    except InvalidEvent:
        raise InvalidEvent(f"{side}.id must be a positive whole number", field=f"{side}.id") from None
