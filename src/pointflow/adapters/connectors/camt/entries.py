"""Decodes one camt entry (`Ntry` and its statement header) into a canonical posted or reversed event."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from pointflow.adapters.connectors import fields as f
from pointflow.adapters.connectors.camt import codes, dates, details, merchant
from pointflow.adapters.connectors.camt.payload import CamtEntry, every, first
from pointflow.domain.errors import InvalidEvent, NotATransaction
from pointflow.domain.events import (
    CanonicalEvent,
    Direction,
    ReversalKind,
    SourceRef,
    TransactionPosted,
    TransactionReversed,
    TransactionType,
)
from pointflow.domain.money import Money
from pointflow.service_layer.ports import DecodeLimits

SYSTEM = "camt"
# A reversal names the entry it reverses only where the bank says so: a proprietary reference
# (TxDtls/Refs/Prtry) whose type is one of these (compared without case) and whose Ref is the original
# entry's AcctSvcrRef. camt has no standard element for it.
ORIGINAL_REFERENCE_TYPES = ("OrgnlAcctSvcrRef", "OriginalAcctSvcrRef")
_STATUS = ("Ntry/Sts/Cd", "Ntry/Sts/Prtry", "Ntry/Sts")
_OWNER = ("Acct/Ownr/Id/PrvtId/Othr/Id", "Acct/Ownr/Id/OrgId/Othr/Id")
_ZERO = re.compile(r"^0+(\.0+)?$")
_FLAGS = {"true": True, "1": True, "false": False, "0": False}
_DIRECTIONS = {"DBIT": Direction.DEBIT, "CRDT": Direction.CREDIT}


@dataclass(frozen=True, slots=True)
class _Common:
    """What a posted and a reversed transaction both carry."""

    source: SourceRef
    account_id: str
    customer_id: str
    money: Money
    direction: Direction
    booked_at: datetime
    booked_from: str
    value_date: date


def decode(
    entry: CamtEntry, *, limits: DecodeLimits, now: Callable[[], datetime], original_types: Collection[str]
) -> CanonicalEvent:
    p = entry.fields
    _require_booked(p)
    common = _common(p, limits, now)
    reversal = _flag(p, "Ntry/RvslInd")
    original = original_reference(p, original_types) if reversal else None
    if original is not None:
        return TransactionReversed(
            source=common.source,
            original_source_id=original,
            customer_id=common.customer_id,
            money=common.money,
            kind=ReversalKind.REVERSAL,
            booked_at=common.booked_at,
            value_date=common.value_date,
        )
    return _posted(entry, common, reversal=reversal)


def _common(p: Mapping[str, str], limits: DecodeLimits, now: Callable[[], datetime]) -> _Common:
    account = account_id(p)
    booked, booked_from = dates.booked_at(p, now, limits.max_future_skew_hours)
    return _Common(
        source=SourceRef(SYSTEM, source_id(p, account)),
        account_id=account,
        customer_id=customer_id(p, account),
        money=_money(p, limits),
        direction=_direction(p),
        booked_at=booked,
        booked_from=booked_from,
        value_date=dates.value_date(p, booked.date()),
    )


def _posted(entry: CamtEntry, c: _Common, *, reversal: bool) -> TransactionPosted:
    p = entry.fields
    code = details.bank_code(p)
    party = details.counterparty(p, c.direction)
    mcc, mcc_source = _mcc(p, party.name, c.direction)
    extra = details.extra(p, code, party, entry.transactions)
    if mcc_source:
        extra["mcc_source"] = mcc_source
    if not c.booked_from.startswith("Ntry/BookgDt"):
        extra["booked_from"] = c.booked_from
    if reversal:  # its original cannot be named: posted as `other`, so that no earn rule pays for it
        extra["reversal"] = "true"
    return TransactionPosted(
        source=c.source,
        customer_id=c.customer_id,
        account_id=c.account_id,
        money=c.money,
        direction=c.direction,
        transaction_type=TransactionType.OTHER
        if reversal
        else codes.transaction_type(code, c.direction, mcc),
        booked_at=c.booked_at,
        value_date=c.value_date,
        mcc=mcc,
        merchant_name=party.name,
        merchant_country=party.country,
        channel=codes.channel(code),
        description=details.description(p),
        extra=extra,
    )


def _mcc(p: Mapping[str, str], name: str | None, direction: Direction) -> tuple[str | None, str | None]:
    """The bank's own MCC for any entry; a guess from the payee's name for debits only."""
    if found := merchant.proprietary(p):
        return found, "proprietary"
    if direction is Direction.DEBIT:
        texts = [name, *every(p, f"{details.TX}AddtlTxInf"), *every(p, "Ntry/AddtlNtryInf")]
        if found := merchant.inferred(texts):
            return found, "inferred"
    return None, None


def _require_booked(p: Mapping[str, str]) -> None:
    path = first(p, *_STATUS)
    if path is None:
        raise InvalidEvent("the entry has no status (Sts)", field="Ntry/Sts")
    if p[path] != "BOOK":
        raise NotATransaction(
            f"the entry's status is {p[path][:35]!r}, not BOOK: nothing is posted yet", field=path
        )


def _money(p: Mapping[str, str], limits: DecodeLimits) -> Money:
    code = f.currency(p, "Ntry/Amt/@Ccy")
    if _ZERO.match(p.get("Ntry/Amt", "")):
        raise NotATransaction("the entry's amount is zero: it moves no money", field="Ntry/Amt")
    return Money(f.amount(p, "Ntry/Amt", code, limits.max_amount), code)


def _direction(p: Mapping[str, str]) -> Direction:
    value = f.text(p, "Ntry/CdtDbtInd", max_len=4)
    if value not in _DIRECTIONS:
        raise InvalidEvent(f"Ntry/CdtDbtInd {value!r} is neither CRDT nor DBIT", field="Ntry/CdtDbtInd")
    return _DIRECTIONS[value]


def _flag(p: Mapping[str, str], path: str) -> bool:
    value = p.get(path, "false")
    if value not in _FLAGS:
        raise InvalidEvent(f"{path} {value[:10]!r} is neither true nor false", field=path)
    return _FLAGS[value]


def account_id(p: Mapping[str, str]) -> str:
    """The statement's account: its IBAN (spaces dropped), else its proprietary Othr/Id."""
    if "Acct/Id/IBAN" in p:
        return f.identifier({"Acct/Id/IBAN": "".join(p["Acct/Id/IBAN"].split())}, "Acct/Id/IBAN")
    if "Acct/Id/Othr/Id" in p:
        return f.identifier(p, "Acct/Id/Othr/Id")
    raise InvalidEvent("the account has neither an IBAN nor an Othr/Id", field="Acct/Id")


def customer_id(p: Mapping[str, str], account: str) -> str:
    """The account owner's own id (where banks put the customer number), else the account itself."""
    path = first(p, *_OWNER)
    return f.identifier(p, path) if path else account


def source_id(p: Mapping[str, str], account: str) -> str:
    """AcctSvcrRef; else NtryRef within the account; else a hash of the entry's content and the account."""
    candidates = [("Ntry/AcctSvcrRef", p.get("Ntry/AcctSvcrRef"))]
    if "Ntry/NtryRef" in p:
        candidates.append(("Ntry/NtryRef", f"{account}:{p['Ntry/NtryRef']}"))
    for path, value in candidates:
        if value is not None:
            try:
                return f.identifier({path: value}, path)
            except InvalidEvent:
                continue  # a reference that is no usable id (spaces, too long) falls through to the next
    return _content_id(p, account)


def _content_id(p: Mapping[str, str], account: str) -> str:
    # The status is left out: the same entry may come first as PDNG in a camt.052, then as BOOK.
    content = sorted((k, v) for k, v in p.items() if k.startswith("Ntry/") and not k.startswith("Ntry/Sts"))
    digest = hashlib.sha256(json.dumps([account, content], ensure_ascii=False).encode())
    return f"camt-{digest.hexdigest()[:32]}"


def original_reference(p: Mapping[str, str], types: Collection[str]) -> str | None:
    wanted = {t.casefold() for t in types}
    path = f"{details.TX}Refs/Prtry/Ref"
    for kind, ref in zip(every(p, f"{details.TX}Refs/Prtry/Tp"), every(p, path), strict=False):
        if kind.casefold() in wanted:
            return f.identifier({path: ref}, path)
    return None
