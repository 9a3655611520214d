"""One Transact journal entry (STMT.ENTRY as JSON) decoded to a canonical posted or reversed transaction."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from pointflow.adapters.connectors import fields as f
from pointflow.adapters.connectors.temenos.config import CodeMeaning, TemenosConfig
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

AMOUNT = "transactionAmount"
INDICATOR = "creditDebitIndicator"
REVERSAL_MARKER = "reversalMarker"
# Narratives whose narrativeNames entry says what they hold; every other narrative is description text.
NARRATIVES = "narratives"
_TAGGED = {
    "MCC": "mcc",
    "MERCHANT.CATEGORY.CODE": "mcc",
    "MERCHANT": "merchant",
    "MERCHANT.NAME": "merchant",
    "MERCHANT.COUNTRY": "country",
}
_INLINE_MCC = re.compile(r"\bMCC[:= ]\s*(\d{4})\b")
_T24_DATE = re.compile(r"^\d{8}$")
_INDICATORS = {
    "D": Direction.DEBIT,
    "DR": Direction.DEBIT,
    "DEBIT": Direction.DEBIT,
    "C": Direction.CREDIT,
    "CR": Direction.CREDIT,
    "CREDIT": Direction.CREDIT,
}
_NOT_CUSTOMER_ENTRIES = frozenset({"CATEG", "SPEC"})
_MAX_NARRATIVES = 50
_MAX_DESCRIPTION = 256
_EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True, slots=True)
class _Narratives:
    mcc: str | None
    merchant_name: str | None
    merchant_country: str | None
    description: str | None


@dataclass(frozen=True, slots=True)
class _Common:
    """What a posted and a reversed entry share."""

    source: SourceRef
    customer_id: str
    money: Money
    booked_at: datetime


def decode_entry(
    entry: Any,
    attributes: Mapping[str, Any],
    *,
    config: TemenosConfig,
    limits: DecodeLimits,
    now: Callable[[], datetime],
    system: str,
) -> CanonicalEvent:
    if not isinstance(entry, Mapping):
        raise InvalidEvent("each journal entry must be an object", field="journalEntries")
    _check_entry_type(entry)
    if entry.get("customerId") is None:
        raise NotATransaction("an internal-account entry carries no customer", field="customerId")
    code = f.currency(entry)
    amount, direction = _signed_amount(entry, code, limits.max_amount)
    booked = _booked_at(entry, attributes, now, limits.max_future_skew_hours)
    meaning = _meaning(entry, config)
    source = SourceRef(system, f.identifier(entry, "entryReference"))
    common = _Common(source, f.identifier(entry, "customerId"), Money(amount, code), booked)
    kind = _reversal_kind(entry, meaning)
    if kind is not None:
        return _reversed(entry, common, kind, config.original_reference_field)
    return _posted(entry, common, direction, meaning, config.mcc_field)


def _posted(
    entry: Mapping[str, Any],
    common: _Common,
    direction: Direction,
    meaning: CodeMeaning | None,
    mcc_field: str | None,
) -> TransactionPosted:
    narratives = _narratives(entry)
    local_mcc = f.mcc(entry, mcc_field) if mcc_field else None
    code = f.identifier(entry, "transactionCode")
    return TransactionPosted(
        source=common.source,
        customer_id=common.customer_id,
        account_id=_account(entry),
        money=common.money,
        direction=direction,
        transaction_type=meaning.transaction_type if meaning else TransactionType.OTHER,
        booked_at=common.booked_at,
        value_date=_value_date(entry, common.booked_at),
        mcc=local_mcc or narratives.mcc,
        merchant_name=narratives.merchant_name,
        merchant_country=narratives.merchant_country,
        channel=meaning.channel if meaning else Channel.OTHER,
        description=narratives.description,
        extra={} if meaning else {"bank_transaction_code": code},
    )


def _reversed(
    entry: Mapping[str, Any], common: _Common, kind: ReversalKind, original_field: str
) -> TransactionReversed:
    if entry.get(original_field) is None:
        raise InvalidEvent(
            f"a {kind.value} must name the STMT.ENTRY it reverses in {original_field}", field=original_field
        )
    return TransactionReversed(
        source=common.source,
        original_source_id=f.identifier(entry, original_field),
        customer_id=common.customer_id,
        money=common.money,
        kind=kind,
        booked_at=common.booked_at,
        value_date=_value_date(entry, common.booked_at),
    )


def _check_entry_type(entry: Mapping[str, Any]) -> None:
    kind = f.text(entry, "journalEntryType", max_len=10)
    if kind in _NOT_CUSTOMER_ENTRIES:
        raise NotATransaction(f"a {kind} entry books the bank's own ledger, not a customer account")
    if kind != "STMT":
        raise InvalidEvent(
            f"journalEntryType {kind!r} is not one of: STMT, CATEG, SPEC", field="journalEntryType"
        )


def _signed_amount(entry: Mapping[str, Any], code: str, max_amount: Decimal) -> tuple[Decimal, Direction]:
    """Transact signs the amount: negative debits the customer's account, positive credits it."""
    raw = entry.get(AMOUNT)
    negative = False
    if isinstance(raw, str) and raw.strip().startswith("-"):
        negative, raw = True, raw.strip()[1:]
    elif isinstance(raw, Decimal):
        negative, raw = raw.is_signed(), raw.copy_abs()
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        negative, raw = raw < 0, abs(raw)
    magnitude = f.amount({AMOUNT: raw}, AMOUNT, code, max_amount)
    direction = Direction.DEBIT if negative else Direction.CREDIT
    _check_indicator(entry, direction)
    return magnitude, direction


def _check_indicator(entry: Mapping[str, Any], direction: Direction) -> None:
    value = f.text(entry, INDICATOR, required=False, max_len=10)
    if value is None:
        return
    said = _INDICATORS.get(value.upper())
    if said is None:
        raise InvalidEvent(f"{INDICATOR} {value!r} is not one of: D, C, DEBIT, CREDIT", field=INDICATOR)
    if said is not direction:
        raise InvalidEvent(
            f"{INDICATOR} {value!r} contradicts the sign of {AMOUNT} ({direction.value})", field=INDICATOR
        )


def _booked_at(
    entry: Mapping[str, Any], attributes: Mapping[str, Any], now: Callable[[], datetime], skew: int
) -> datetime:
    """The CloudEvent's time when it has one; else the start of the booking day in UTC."""
    if attributes.get("time") is not None:
        return f.timestamp(attributes, "time", now, skew)
    booked = datetime.combine(_t24_date(entry, "bookingDate"), time(), tzinfo=UTC)
    if booked > now() + timedelta(hours=skew):
        raise InvalidEvent(
            f"bookingDate {booked.date()} is more than {skew} hours in the future", field="bookingDate"
        )
    return booked


def _value_date(entry: Mapping[str, Any], booked: datetime) -> date:
    if entry.get("valueDate") is not None:
        return _t24_date(entry, "valueDate")
    if entry.get("bookingDate") is not None:
        return _t24_date(entry, "bookingDate")
    return booked.date()


def _t24_date(entry: Mapping[str, Any], name: str) -> date:
    """A Transact date: YYYYMMDD as T24 stores it, or ISO 8601 as the IRIS APIs write it."""
    value = f.text(entry, name, max_len=10)
    assert value is not None
    try:
        parsed = datetime.strptime(value, "%Y%m%d").date() if _T24_DATE.match(value) else None
        parsed = parsed or date.fromisoformat(value)
    except ValueError:
        raise InvalidEvent(f"{name} {value!r} is not a date such as 20210316", field=name) from None
    if parsed < _EARLIEST:
        raise InvalidEvent(f"{name} {value} is before {_EARLIEST}", field=name)
    return parsed


def _meaning(entry: Mapping[str, Any], config: TemenosConfig) -> CodeMeaning | None:
    return config.transaction_codes.get(f.identifier(entry, "transactionCode"))


def _reversal_kind(entry: Mapping[str, Any], meaning: CodeMeaning | None) -> ReversalKind | None:
    """REVERSAL.MARKER 'R' marks Transact's reversing entry; refund and chargeback codes mark the others."""
    marker = f.text(entry, REVERSAL_MARKER, required=False, max_len=2)
    if marker not in (None, "R"):
        raise InvalidEvent(f"{REVERSAL_MARKER} {marker!r} must be 'R' or absent", field=REVERSAL_MARKER)
    if meaning is not None and meaning.reversal is not None:
        return meaning.reversal
    return ReversalKind.REVERSAL if marker == "R" else None


def _account(entry: Mapping[str, Any]) -> str:
    return f.identifier(entry, "accountId" if entry.get("accountId") is not None else "arrangementId")


def _narratives(entry: Mapping[str, Any]) -> _Narratives:
    texts = _string_list(entry, "narratives")
    names = _string_list(entry, "narrativeNames")
    named: dict[str, str] = {}
    free: list[str] = []
    for index, text in enumerate(texts):
        name = names[index].strip().upper() if index < len(names) else ""
        if name in _TAGGED:
            named.setdefault(_TAGGED[name], text.strip())
        elif text.strip():
            free.append(text.strip())
    country, merchant = named.get("country"), named.get("merchant", "")[:_MAX_DESCRIPTION]
    return _Narratives(
        mcc=_mcc(named.get("mcc"), free),
        merchant_name=merchant or None,
        merchant_country=f.country({NARRATIVES: country}, NARRATIVES) if country is not None else None,
        # Long narratives are common in Transact; the description is for people, so it is cut, not refused.
        description=" ".join(free)[:_MAX_DESCRIPTION] or None,
    )


def _mcc(tagged: str | None, free: list[str]) -> str | None:
    """The MCC of a card entry: a narrative named MCC, or 'MCC:5411' written into the narrative text."""
    if tagged is not None:
        return f.mcc({NARRATIVES: tagged}, NARRATIVES)
    for text in free:
        found = _INLINE_MCC.search(text)
        if found:
            return f.mcc({NARRATIVES: found.group(1)}, NARRATIVES)
    return None


def _string_list(entry: Mapping[str, Any], name: str) -> list[str]:
    value = entry.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidEvent(f"{name} must be an array of strings", field=name)
    if len(value) > _MAX_NARRATIVES:
        raise InvalidEvent(f"{name} holds more than {_MAX_NARRATIVES} lines", field=name)
    return value
