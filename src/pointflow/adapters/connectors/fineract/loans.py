"""Loan transactions (`LoanTransactionDataV1`) and their adjustments (`LoanTransactionAdjustmentDataV1`) →
canonical events; amounts are seen from the loan account (a repayment is a credit, a disbursal a debit)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pointflow.adapters.connectors.fineract import values as v
from pointflow.adapters.connectors.fineract.postings import (
    Basics,
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

TO_ADJUST = "transactionToAdjust"
NEW_DETAIL = "newTransactionDetail"

_REPAYMENTS = ("repayment", "repaymentAtDisbursement", "recoveryRepayment")
# A refund or chargeback names what it undoes through transactionRelations when Fineract links them.
_UNDOING = {
    "merchantIssuedRefund": (ReversalKind.REFUND, Direction.CREDIT),
    "payoutRefund": (ReversalKind.REFUND, Direction.CREDIT),
    "chargeback": (ReversalKind.CHARGEBACK, Direction.DEBIT),
}
_NOT_POSTINGS = (
    "accrual",
    "waiveInterest",
    "waiveCharges",
    "writeOff",
    "contra",
    "goodwillCredit",
    "chargeRefund",
    "chargePayment",
    "refund",
    "refundForActiveLoans",
    "creditBalanceRefund",
    "initiateTransfer",
    "approveTransfer",
    "withdrawTransfer",
    "rejectTransfer",
)
_ALL = (*_REPAYMENTS, "disbursement", *_UNDOING, *_NOT_POSTINGS)


def decode(data: Mapping[str, Any], ctx: Context) -> CanonicalEvent:
    name = _kind(data)
    b = basics(data, ctx, kind="loan", account_field="loanId")
    if v.flag(data, "manuallyReversed") or data.get("reversedOnDate") is not None:
        undone = v.fineract_date(data, "reversedOnDate") if data.get("reversedOnDate") is not None else None
        return reversal(
            b,
            original=b.source_id,
            kind=ReversalKind.REVERSAL,
            source_id=f"{b.source_id}:reversal",
            value_date=undone,
        )
    payment, _ = payment_type(data)
    if name in _REPAYMENTS:
        return _posted(b, ctx, Direction.CREDIT, TransactionType.LOAN_REPAYMENT, payment)
    if name == "disbursement":
        return _posted(b, ctx, Direction.DEBIT, named_type(payment, ctx) or TransactionType.OTHER, payment)
    kind, direction = _UNDOING[name]
    related = _related(data, b)
    if related is None:  # nothing to claw back from: record the money movement, typed "other"
        return _posted(b, ctx, direction, TransactionType.OTHER, payment)
    return reversal(b, original=f"loan:{related}", kind=kind)


def decode_adjustment(data: Mapping[str, Any], ctx: Context, part: str | None) -> CanonicalEvent:
    """An adjustment reverses `transactionToAdjust`; `newTransactionDetail`, split off as an item, posts."""
    if part == NEW_DETAIL:
        detail = v.mapping(data, NEW_DETAIL, required=True)
        assert detail is not None
        with v.within(NEW_DETAIL):
            if detail.get("amount") in (None, 0):
                raise NotATransaction("the adjustment leaves no new transaction")
            return decode(detail, ctx)
    original = v.mapping(data, TO_ADJUST, required=True)
    assert original is not None
    with v.within(TO_ADJUST):
        _kind(original)
        b = basics(original, ctx, kind="loan", account_field="loanId")
    return reversal(b, original=b.source_id, kind=ReversalKind.REVERSAL, source_id=f"{b.source_id}:reversal")


def _kind(data: Mapping[str, Any]) -> str:
    flags = v.mapping(data, "type", required=True)
    assert flags is not None
    name = true_flag(flags, _ALL, "type")
    if name in _NOT_POSTINGS:
        raise NotATransaction(f"a loan {name} transaction is not a posting")
    return name


def _posted(
    b: Basics, ctx: Context, direction: Direction, transaction_type: TransactionType, payment: str | None
) -> CanonicalEvent:
    return posted(
        b, ctx, direction=direction, transaction_type=transaction_type, description=None, payment=payment
    )


def _related(data: Mapping[str, Any], b: Basics) -> int | None:
    """The other transaction of the first relation that names one (Fineract stores it on either side)."""
    relations = data.get("transactionRelations")
    if relations is None:
        return None
    if not isinstance(relations, list):
        raise InvalidEvent("transactionRelations must be an array", field="transactionRelations")
    own = int(b.source_id.split(":")[1])
    for index, relation in enumerate(relations):
        if not isinstance(relation, Mapping):
            raise InvalidEvent("each relation must be an object", field=f"transactionRelations[{index}]")
        with v.within(f"transactionRelations[{index}]"):
            ends = [
                v.long_id(relation, end)
                for end in ("fromLoanTransaction", "toLoanTransaction")
                if relation.get(end)
            ]
        others = [end for end in ends if end != own]
        if others:
            return others[0]
    return None
