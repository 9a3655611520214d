"""What savings and loan transactions share: money, payment types, ids, the canonical events they become."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pointflow.adapters.connectors import fields as f
from pointflow.adapters.connectors.fineract import values as v
from pointflow.domain.errors import InvalidEvent
from pointflow.domain.events import (
    Direction,
    ReversalKind,
    SourceRef,
    TransactionPosted,
    TransactionReversed,
    TransactionType,
)
from pointflow.domain.money import Money
from pointflow.service_layer.ports import DecodeLimits

SYSTEM = "fineract"
_NOT_A_NAME = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Context:
    """How one record is read: the limits, the clock, what the envelope around it said."""

    limits: DecodeLimits
    now: Callable[[], datetime]
    booked_at: datetime | None = None  # the message's createdAt; None for a bare REST record
    extra: Mapping[str, str] = field(default_factory=dict)
    payment_types: Mapping[str, TransactionType] = field(default_factory=dict)


@dataclass(frozen=True)
class Basics:
    """The fields every posting or reversal needs, read once."""

    source_id: str
    account_id: str
    money: Money
    booked_at: datetime
    value_date: date


def basics(data: Mapping[str, Any], ctx: Context, *, kind: str, account_field: str) -> Basics:
    """Ids scoped by product (`savings:<id>`, `savingsaccount:<accountId>`), money, booking and value date."""
    transaction = v.long_id(data, "id")
    account = v.long_id(data, account_field)
    currency = v.mapping(data, "currency", required=True)
    assert currency is not None
    with v.within("currency"):
        code = f.currency(currency, "code")
    value_date = v.fineract_date(data, "date")
    booked = ctx.booked_at or v.booking(
        v.midnight(value_date), "date", ctx.now, ctx.limits.max_future_skew_hours
    )
    return Basics(
        source_id=f"{kind}:{transaction}",
        account_id=f"{kind}account:{account}",
        money=Money(f.amount(data, "amount", code, ctx.limits.max_amount), code),
        booked_at=booked,
        value_date=value_date,
    )


def payment_type(data: Mapping[str, Any]) -> tuple[str | None, bool]:
    """The payment type's name and whether Fineract marks it as cash (`paymentDetailData.paymentType`)."""
    detail = v.mapping(data, "paymentDetailData")
    if detail is None:
        return None, False
    with v.within("paymentDetailData"):
        kind = v.mapping(detail, "paymentType")
        if kind is None:
            return None, False
        with v.within("paymentType"):
            name = v.optional_text(kind, "name", max_len=100)
            cash = v.flag(kind, "isCashPayment")
    return name, cash or (name is not None and _normalised(name) == "cash")


def named_type(name: str | None, ctx: Context) -> TransactionType | None:
    """A bank's payment type named like a canonical type ("Bill payment") or mapped in the settings."""
    if name is None:
        return None
    if name in ctx.payment_types:
        return ctx.payment_types[name]
    try:
        return TransactionType(_normalised(name))
    except ValueError:
        return None


def posted(
    b: Basics,
    ctx: Context,
    *,
    direction: Direction,
    transaction_type: TransactionType,
    description: str | None,
    payment: str | None,
) -> TransactionPosted:
    extra = dict(ctx.extra)
    if payment is not None:
        extra["payment_type"] = payment
    return TransactionPosted(
        source=SourceRef(SYSTEM, b.source_id),
        customer_id=b.account_id,  # no client id on Fineract transactions: the account stands in for it
        account_id=b.account_id,
        money=b.money,
        direction=direction,
        transaction_type=transaction_type,
        booked_at=b.booked_at,
        value_date=b.value_date,
        description=description,
        extra=extra,
    )


def reversal(
    b: Basics,
    *,
    original: str,
    kind: ReversalKind,
    source_id: str | None = None,
    value_date: date | None = None,
) -> TransactionReversed:
    return TransactionReversed(
        source=SourceRef(SYSTEM, source_id or b.source_id),
        original_source_id=original,
        customer_id=b.account_id,
        money=b.money,
        kind=kind,
        booked_at=b.booked_at,
        value_date=value_date or b.value_date,
    )


def true_flag(flags: Mapping[str, Any], names: tuple[str, ...], field_name: str) -> str:
    """The first of `names` that is true in a Fineract transaction-type object."""
    with v.within(field_name):
        for name in names:
            if v.flag(flags, name):
                return name
    code = flags.get("code")
    shown = f" (code {code!r})" if isinstance(code, str) else ""
    raise InvalidEvent(f"{field_name} has none of the flags pointflow reads{shown}", field=field_name)


def _normalised(name: str) -> str:
    return _NOT_A_NAME.sub("_", name.lower()).strip("_")
