"""A Mambu deposit transaction, as API v2 returns it or as the recommended template renders it, decoded."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from pointflow.adapters.connectors import fields as f
from pointflow.adapters.connectors.mambu import kinds
from pointflow.adapters.connectors.mambu.document import Document
from pointflow.adapters.connectors.mambu.kinds import ChannelRule
from pointflow.domain.errors import InvalidEvent, NotATransaction
from pointflow.domain.events import (
    CanonicalEvent,
    Channel,
    Direction,
    SourceRef,
    TransactionPosted,
    TransactionReversed,
    TransactionType,
)
from pointflow.domain.money import Money
from pointflow.service_layer.ports import DecodeLimits

_WORD = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
_SIGNED_DECIMAL = re.compile(r"^-?[0-9]{1,18}(\.[0-9]{1,18})?$", re.ASCII)
_ALPHA2 = re.compile(r"^[A-Za-z]{2}$")
_DESCRIPTION_MAX = 256
_HOLDER_HINT = (
    "accountHolderId is required: a Mambu DepositTransaction names no client, so the feed must add the "
    "account holder's client id (the recommended webhook template carries {CLIENT_ID})"
)


@dataclass(frozen=True, slots=True)
class Settings:
    """How one bank's Mambu tenant is read: its transaction channels and its organisation time zone."""

    system: str
    rules: Mapping[str, ChannelRule]
    organisation_tz: tzinfo | None


@dataclass(frozen=True, slots=True)
class _Card:
    mcc: str | None
    name: str | None
    country: str | None
    unrecognised_country: str | None


@dataclass(frozen=True, slots=True)
class _Common:
    """What posted transactions and reversals share."""

    source_id: str
    customer_id: str
    money: Money
    negative: bool
    booked_at: datetime
    value_date: date
    rule: ChannelRule
    unmapped_channel: str | None


def decode_transaction(
    data: Mapping[str, Any], settings: Settings, limits: DecodeLimits, now: Callable[[], datetime]
) -> CanonicalEvent:
    doc = Document(data)
    kind = _kind(doc)
    if kind in kinds.NO_POSTING:
        raise NotATransaction(f"a {kind} deposit transaction moves no customer money")
    common = _common(doc, settings, limits, now)
    if kind in kinds.REVERSED:
        return _reversed(doc, kind, common, settings)
    return _posted(doc, kind, common, settings)


def _kind(doc: Document) -> str:
    """The DepositTransaction type, from `type` (API v2) or the template's `event` (a webhook trigger)."""
    if doc.get("type") is not None:
        kind = _word(doc, "type")
        if kind in kinds.POSTED or kind in kinds.REVERSED or kind in kinds.NO_POSTING:
            return kind
        raise InvalidEvent(f"type {kind!r} is not a Mambu deposit transaction type", field="type")
    if doc.get("event") is None:
        raise InvalidEvent("type is required (or, in a webhook template, event)", field="type")
    trigger = _word(doc, "event")
    if trigger in kinds.TRIGGERS:
        return kinds.TRIGGERS[trigger]
    if trigger in kinds.POSTED or trigger in kinds.REVERSED or trigger in kinds.NO_POSTING:
        return trigger
    if kinds.is_quiet_trigger(trigger):
        raise NotATransaction(f"the {trigger} notification carries no deposit posting")
    raise InvalidEvent(f"event {trigger!r} is not a deposit transaction trigger", field="event")


def _word(doc: Document, key: str) -> str:
    value = doc.text(key, max_len=64)
    if value is None or not _WORD.match(value):
        raise InvalidEvent(f"{key} must be an upper-case Mambu name such as DEPOSIT", field=key)
    return value


def _common(doc: Document, settings: Settings, limits: DecodeLimits, now: Callable[[], datetime]) -> _Common:
    source_id = f.identifier(_needed(doc, "encodedKey"), "encodedKey")
    if doc.data.get("accountHolderId") is None:
        raise InvalidEvent(_HOLDER_HINT, field="accountHolderId")
    customer_id = f.identifier(_needed(doc, "accountHolderId"), "accountHolderId")
    code = f.currency(_needed(doc, "currencyCode"), "currencyCode")
    signed = _signed_amount(doc)
    magnitude = f.amount({"amount": abs(signed)}, "amount", code, limits.max_amount)
    booked_at, value_date = _dates(doc, settings.organisation_tz, limits, now)
    rule, unmapped = _rule(doc, settings)
    return _Common(
        source_id, customer_id, Money(magnitude, code), signed < 0, booked_at, value_date, rule, unmapped
    )


def _needed(doc: Document, key: str) -> dict[str, Any]:
    doc.require(key)
    return doc.one(key)


def _signed_amount(doc: Document) -> Decimal:
    """Mambu signs some amounts (a withdrawal is negative); the type gives the direction, the sign a hint."""
    raw = doc.require("amount")
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal | str):
        raise InvalidEvent("amount must be a number or a decimal string", field="amount")
    if isinstance(raw, str) and not _SIGNED_DECIMAL.match(raw.strip()):
        raise InvalidEvent(f"amount {raw!r} is not a plain decimal number such as -149.99", field="amount")
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise InvalidEvent(f"amount {raw!r} is not a number", field="amount") from None
    if not value.is_finite():
        raise InvalidEvent("amount must be finite", field="amount")
    return value


def _dates(
    doc: Document, zone: tzinfo | None, limits: DecodeLimits, now: Callable[[], datetime]
) -> tuple[datetime, date]:
    """Booking time in UTC, and the value date as the organisation's calendar shows it."""
    doc.require("bookingDate")
    local = _moment(doc, "bookingDate", zone)
    assert local is not None
    if local.tzinfo is None:
        raise InvalidEvent(
            "bookingDate carries no UTC offset: configure the organisation's time zone for templates that "
            "render local times",
            field="bookingDate",
        )
    booked = f.timestamp({"bookingDate": local.isoformat()}, "bookingDate", now, limits.max_future_skew_hours)
    value = _moment(doc, "valueDate", zone)
    return booked, (value or local).date()


def _moment(doc: Document, key: str, zone: tzinfo | None) -> datetime | None:
    text = doc.text(key, max_len=40)
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidEvent(f"{key} {text!r} is not an ISO 8601 date-time", field=key) from None
    if parsed.tzinfo is None and zone is not None:
        return parsed.replace(tzinfo=zone)
    return parsed


def _rule(doc: Document, settings: Settings) -> tuple[ChannelRule, str | None]:
    details = doc.child("transactionDetails")
    channel_id = details.text("transactionChannelId", max_len=128) if details is not None else None
    if channel_id is None:
        return ChannelRule(), None
    rule = settings.rules.get(channel_id.upper())
    return (rule, None) if rule is not None else (ChannelRule(), channel_id)


def _reversed(doc: Document, kind: str, common: _Common, settings: Settings) -> TransactionReversed:
    return TransactionReversed(
        source=SourceRef(settings.system, common.source_id),
        original_source_id=f.identifier(_needed(doc, "originalTransactionKey"), "originalTransactionKey"),
        customer_id=common.customer_id,
        money=common.money,
        kind=common.rule.reversal_kind or kinds.REVERSED[kind],
        booked_at=common.booked_at,
        value_date=common.value_date,
    )


def _posted(doc: Document, kind: str, common: _Common, settings: Settings) -> TransactionPosted:
    card = _card(doc)
    fixed = kinds.POSTED[kind][0]
    direction = fixed or (Direction.DEBIT if common.negative else Direction.CREDIT)
    return TransactionPosted(
        source=SourceRef(settings.system, common.source_id),
        customer_id=common.customer_id,
        account_id=f.identifier(_needed(doc, "parentAccountKey"), "parentAccountKey"),
        money=common.money,
        direction=direction,
        transaction_type=_transaction_type(doc, kind, direction, card, common.rule),
        booked_at=common.booked_at,
        value_date=common.value_date,
        mcc=card.mcc if card else None,
        merchant_name=card.name if card else None,
        merchant_country=card.country if card else None,
        channel=_channel(card, common.rule),
        description=_description(doc),
        extra=_extra(doc, card, common),
    )


def _card(doc: Document) -> _Card | None:
    card = doc.child("cardTransaction")
    if card is None:
        return None
    acceptor = card.child("cardAcceptor")
    if acceptor is None:
        return _Card(None, None, None, None)
    country = acceptor.text("country", max_len=64)
    alpha2 = country.upper() if country is not None and _ALPHA2.match(country) else None
    return _Card(
        mcc=f.mcc(acceptor.one("mcc"), acceptor.name("mcc")),
        name=acceptor.text("name"),
        country=alpha2,
        unrecognised_country=country if alpha2 is None else None,
    )


def _transaction_type(
    doc: Document, kind: str, direction: Direction, card: _Card | None, rule: ChannelRule
) -> TransactionType:
    if rule.transaction_type is not None:
        return rule.transaction_type
    if kind == "WITHDRAWAL":
        return _withdrawal_type(card, rule)
    if kind == "TRANSFER" and direction is Direction.DEBIT and _linked_loan(doc):
        return TransactionType.LOAN_REPAYMENT
    return kinds.POSTED[kind][1]


def _withdrawal_type(card: _Card | None, rule: ChannelRule) -> TransactionType:
    mcc = card.mcc if card is not None else None
    if rule.channel is Channel.ATM or mcc in kinds.CASH_MCCS:
        return TransactionType.CASH_WITHDRAWAL
    if mcc in kinds.QUASI_CASH_MCCS:
        return TransactionType.QUASI_CASH
    if card is not None:
        return TransactionType.PURCHASE
    if rule.channel is Channel.DIRECT_DEBIT:
        return TransactionType.BILL_PAYMENT
    return TransactionType.TRANSFER


def _linked_loan(doc: Document) -> bool:
    transfer = doc.child("transferDetails")
    return transfer is not None and transfer.text("linkedLoanTransactionKey", max_len=128) is not None


def _channel(card: _Card | None, rule: ChannelRule) -> Channel:
    if rule.channel is not None:
        return rule.channel
    if card is None:
        return Channel.OTHER
    return Channel.ATM if card.mcc in kinds.CASH_MCCS else Channel.CARD_PRESENT


def _description(doc: Document) -> str | None:
    notes = doc.text("notes", max_len=100_000)
    return notes[:_DESCRIPTION_MAX] if notes else None  # Mambu notes may be long; the summary is enough


def _extra(doc: Document, card: _Card | None, common: _Common) -> dict[str, str]:
    extra: dict[str, str] = {}
    if common.unmapped_channel is not None:
        extra["transaction_channel"] = common.unmapped_channel
    if card is not None and card.unrecognised_country is not None:
        extra["card_acceptor_country"] = card.unrecognised_country
    adjusted_by = doc.text("adjustmentTransactionKey", max_len=128)
    if adjusted_by is not None:
        extra["adjusted_by"] = adjusted_by
    return extra
