"""The sandbox bank as a camt bank: canonical events out as camt.053 or camt.054 v08 documents, one per
account, currency and booking day. camt is a file format, not an API: every call answers 404."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from lxml import etree

from pointflow.domain.events import (
    CanonicalEvent,
    Channel,
    Direction,
    TransactionPosted,
    TransactionReversed,
    TransactionType,
)
from pointflow.sim.platforms import SandboxState

T = TransactionType
_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
_BODIES = {"053": ("BkToCstmrStmt", "Stmt"), "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn")}
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}$")
_MAX_REFERENCE = 35  # Max35Text: AcctSvcrRef and the proprietary reference that names an original
ORIGINAL_REFERENCE_TYPE = "OrgnlAcctSvcrRef"
MCC_ISSUER = "pointflow-sandbox"

# (domain, family, sub-family) for a debit and for a credit; the connector maps them back (own-account
# transfers come back as transfers: camt has no code that says both accounts are the customer's).
_CODES: dict[TransactionType, tuple[tuple[str, str, str], tuple[str, str, str]]] = {
    T.PURCHASE: (("PMNT", "CCRD", "POSD"), ("PMNT", "CCRD", "POSD")),
    T.QUASI_CASH: (("PMNT", "CCRD", "POSD"), ("PMNT", "CCRD", "POSD")),
    T.CASH_WITHDRAWAL: (("PMNT", "CCRD", "CWDL"), ("PMNT", "CCRD", "CWDL")),
    T.DEPOSIT: (("PMNT", "CNTR", "CDPT"), ("PMNT", "CNTR", "CDPT")),
    T.SALARY_CREDIT: (("PMNT", "ICDT", "SALA"), ("PMNT", "RCDT", "SALA")),
    T.TRANSFER: (("PMNT", "ICDT", "DMCT"), ("PMNT", "RCDT", "DMCT")),
    T.OWN_ACCOUNT_TRANSFER: (("PMNT", "ICDT", "BOOK"), ("PMNT", "RCDT", "BOOK")),
    T.INTERNATIONAL_PAYMENT: (("PMNT", "ICDT", "XBCT"), ("PMNT", "RCDT", "XBCT")),
    T.BILL_PAYMENT: (("PMNT", "RDDT", "ESDD"), ("PMNT", "IDDT", "ESDD")),
    T.FEE: (("ACMT", "MDOP", "CHRG"), ("ACMT", "MCOP", "CHRG")),
    T.INTEREST: (("ACMT", "MDOP", "INTR"), ("ACMT", "MCOP", "INTR")),
    T.LOAN_REPAYMENT: (("LDAS", "CSLN", "PPAY"), ("LDAS", "CSLN", "PPAY")),
}
_CARD_ENTRY = {
    Channel.CARD_PRESENT: ("true", None, "CICC"),
    Channel.CARD_NOT_PRESENT: ("false", "ECOM", "DFLE"),
}
_NOT_FOUND = {
    "type": "about:blank",
    "title": "Not Found",
    "status": 404,
    "detail": "camt is a file format: the bank sends statements and notifications and has no "
    "customer-master, balance or write-back API behind it",
}


@dataclass(frozen=True, slots=True)
class _Line:
    """One entry to write: the event and where it goes."""

    event: CanonicalEvent
    account: str
    customer: str
    direction: Direction
    kind: TransactionType  # a reversal is written with its original's code when the original was seen


class CamtPlatform:
    """Writes what a bank exporting ISO 20022 would send: camt.053 statements (or camt.054 notifications)."""

    name = "camt"

    def __init__(self, *, message: Literal["053", "054"] = "053", servicer_bic: str = "SBOXUS33XXX") -> None:
        self.message = message
        self.servicer_bic = servicer_bic
        self._originals: dict[str, _Line] = {}  # source id → how the original was written
        self._accounts: dict[str, str] = {}  # customer id → the account last seen

    @property
    def namespace(self) -> str:
        return f"{_PREFIX}camt.{self.message}.001.08"

    def documents(self, events: Sequence[CanonicalEvent]) -> list[bytes]:
        groups: dict[tuple[str, str, str, date], list[_Line]] = defaultdict(list)
        for event in events:
            line = self._line(event)
            groups[(line.account, line.customer, event.money.currency, event.booked_at.date())].append(line)
        return [self._document(key, lines) for key, lines in sorted(groups.items())]

    def answer(
        self,
        method: str,
        path: str,
        body: Any,
        state: SandboxState,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        """camt has no API: every path answers 404 with an RFC 9457 problem."""
        del method, body, state, headers
        return 404, {**_NOT_FOUND, "instance": path}

    def _line(self, event: CanonicalEvent) -> _Line:
        if isinstance(event, TransactionPosted):
            line = _Line(event, event.account_id, event.customer_id, event.direction, event.transaction_type)
            self._originals[event.source.id] = line
            self._accounts[event.customer_id] = event.account_id
            return line
        original = self._originals.get(event.original_source_id)
        if original is None:  # most reversals give money back for a purchase
            account = self._accounts.get(event.customer_id, event.customer_id)
            return _Line(event, account, event.customer_id, Direction.CREDIT, T.PURCHASE)
        reverse = Direction.CREDIT if original.direction is Direction.DEBIT else Direction.DEBIT
        return _Line(event, original.account, event.customer_id, reverse, original.kind)

    def _document(self, key: tuple[str, str, str, date], lines: list[_Line]) -> bytes:
        account, customer, currency, day = key
        body_name, record_name = _BODIES[self.message]
        ns = self.namespace
        document = etree.fromstring(f'<Document xmlns="{ns}"/>'.encode())
        body = _sub(document, body_name)
        created = max(line.event.booked_at for line in lines).isoformat()
        ident = _short_id(f"{account}|{currency}|{day.isoformat()}")
        header = _sub(body, "GrpHdr")
        _sub(header, "MsgId", f"MSG-{ident}")
        _sub(header, "CreDtTm", created)
        record = _sub(body, record_name)
        _sub(record, "Id", f"{record_name.upper()}-{ident}")
        _sub(record, "CreDtTm", created)
        self._account(record, account, customer, currency)
        if self.message == "053":
            _net_balance(record, lines, currency, day)
        for line in lines:
            _entry(record, line)
        return etree.tostring(document, xml_declaration=True, encoding="UTF-8")

    def _account(self, record: etree._Element, account: str, customer: str, currency: str) -> None:
        acct = _sub(record, "Acct")
        ident = _sub(acct, "Id")
        if _IBAN.match(account):
            _sub(ident, "IBAN", account)
        else:
            _sub(_sub(ident, "Othr"), "Id", account)
        _sub(acct, "Ccy", currency)
        other = _sub(_sub(_sub(_sub(acct, "Ownr"), "Id"), "PrvtId"), "Othr")
        _sub(other, "Id", customer)
        _sub(_sub(other, "SchmeNm"), "Cd", "CUST")  # ISO's code for a customer identification number
        _sub(_sub(_sub(acct, "Svcr"), "FinInstnId"), "BICFI", self.servicer_bic)


def _net_balance(record: etree._Element, lines: list[_Line], currency: str, day: date) -> None:
    """camt.053 needs a balance; the sandbox does not know the account's, so it states the day's net
    movement under a proprietary balance type rather than invent an opening or closing balance."""
    net = sum(
        (line.event.money.amount if line.direction is Direction.CREDIT else -line.event.money.amount)
        for line in lines
    )
    balance = _sub(record, "Bal")
    _sub(_sub(_sub(balance, "Tp"), "CdOrPrtry"), "Prtry", "NETMVMT")
    _amount(balance, "Amt", abs(Decimal(net)), currency)
    _sub(balance, "CdtDbtInd", "DBIT" if net < 0 else "CRDT")
    _sub(_sub(balance, "Dt"), "Dt", day.isoformat())


def _entry(record: etree._Element, line: _Line) -> None:
    event = line.event
    entry = _sub(record, "Ntry")
    _amount(entry, "Amt", event.money.amount, event.money.currency)
    _sub(entry, "CdtDbtInd", "CRDT" if line.direction is Direction.CREDIT else "DBIT")
    if isinstance(event, TransactionReversed):
        _sub(entry, "RvslInd", "true")
    _sub(_sub(entry, "Sts"), "Cd", "BOOK")
    _sub(_sub(entry, "BookgDt"), "DtTm", event.booked_at.isoformat())
    _sub(_sub(entry, "ValDt"), "Dt", event.value_date.isoformat())
    _sub(entry, "AcctSvcrRef", _reference(event.source.id))
    _bank_code(entry, line)
    if isinstance(event, TransactionReversed):
        _reversal_details(entry, event)
        return
    _details(entry, event, line.direction)
    if event.description:
        _sub(entry, "AddtlNtryInf", event.description)


def _bank_code(entry: etree._Element, line: _Line) -> None:
    code = _sub(entry, "BkTxCd")
    event = line.event
    channel = event.channel if isinstance(event, TransactionPosted) else Channel.OTHER
    codes = _CODES.get(line.kind)
    if codes is not None:
        domain, family, sub_family = codes[line.direction is Direction.CREDIT]
        if line.kind is T.CASH_WITHDRAWAL and channel is Channel.BRANCH:
            family = "CNTR"
        domn = _sub(code, "Domn")
        _sub(domn, "Cd", domain)
        fmly = _sub(domn, "Fmly")
        _sub(fmly, "Cd", family)
        _sub(fmly, "SubFmlyCd", sub_family)
    mcc = event.mcc if isinstance(event, TransactionPosted) else None
    if mcc or codes is None:
        prtry = _sub(code, "Prtry")
        _sub(prtry, "Cd", f"MCC{mcc}" if mcc else "OTHR")
        _sub(prtry, "Issr", MCC_ISSUER)


def _details(entry: etree._Element, event: TransactionPosted, direction: Direction) -> None:
    if not (event.merchant_name or event.merchant_country or event.channel in _CARD_ENTRY):
        return
    details = _sub(_sub(entry, "NtryDtls"), "TxDtls")
    if event.merchant_name or event.merchant_country:
        role = "Cdtr" if direction is Direction.DEBIT else "Dbtr"
        party = _sub(_sub(_sub(details, "RltdPties"), role), "Pty")
        if event.merchant_name:
            _sub(party, "Nm", event.merchant_name)
        if event.merchant_country:
            _sub(_sub(party, "PstlAdr"), "Ctry", event.merchant_country)
    if event.channel in _CARD_ENTRY:
        present, channel, reading = _CARD_ENTRY[event.channel]
        context = _sub(_sub(_sub(_sub(details, "CardTx"), "Tx"), "Indv"), "PmtCntxt")
        _sub(context, "CardPres", present)
        if channel:
            _sub(context, "TxChanl", channel)
        _sub(context, "CardDataNtryMd", reading)


def _reversal_details(entry: etree._Element, event: TransactionReversed) -> None:
    reference = _sub(_sub(_sub(_sub(entry, "NtryDtls"), "TxDtls"), "Refs"), "Prtry")
    _sub(reference, "Tp", ORIGINAL_REFERENCE_TYPE)
    _sub(reference, "Ref", _reference(event.original_source_id))


def _reference(value: str) -> str:
    if len(value) > _MAX_REFERENCE:
        raise ValueError(f"camt references hold at most {_MAX_REFERENCE} characters: {value!r}")
    return value


def _amount(parent: etree._Element, name: str, amount: Decimal, currency: str) -> None:
    _sub(parent, name, format(amount, "f")).set("Ccy", currency)


def _short_id(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:20].upper()


def _sub(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    namespace = etree.QName(parent).namespace
    element = etree.SubElement(parent, f"{{{namespace}}}{name}")
    if text is not None:
        element.text = text
    return element
