"""The descriptive parts of a camt entry: counterparty, references, card data, bank code and free text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pointflow.adapters.connectors import fields as f
from pointflow.adapters.connectors.camt.codes import BankCode
from pointflow.adapters.connectors.camt.payload import every, first
from pointflow.domain.events import Direction

TX = "Ntry/NtryDtls/TxDtls/"
_PARTIES = f"{TX}RltdPties/"
_REFS = f"{TX}Refs/"
_CARDS = ("Ntry/CardTx/", f"{TX}CardTx/")
_MAX_EXTRA = 140
_MAX_DESCRIPTION = 256
_NOT_PROVIDED = "NOTPROVIDED"  # the placeholder SEPA uses for an absent end-to-end id

# The party on the other side: the payee of a debit, the payer of a credit; the ultimate party (the
# merchant behind a payment service provider) when the bank names one.
_COUNTERPARTY = {Direction.DEBIT: ("UltmtCdtr", "Cdtr"), Direction.CREDIT: ("UltmtDbtr", "Dbtr")}

REFERENCES: dict[str, tuple[str, ...]] = {
    "account_servicer_reference": ("Ntry/AcctSvcrRef",),
    "entry_reference": ("Ntry/NtryRef",),
    "end_to_end_id": (f"{_REFS}EndToEndId",),
    "uetr": (f"{_REFS}UETR",),
    "transaction_id": (f"{_REFS}TxId",),
    "instruction_id": (f"{_REFS}InstrId",),
    "payment_information_id": (f"{_REFS}PmtInfId", "Ntry/NtryDtls/Btch/PmtInfId"),
    "mandate_id": (f"{_REFS}MndtId",),
    "cheque_number": (f"{_REFS}ChqNb",),
    "clearing_system_reference": (f"{_REFS}ClrSysRef",),
    "creditor_reference": (f"{TX}RmtInf/Strd/CdtrRefInf/Ref",),
}
_CARD_FIELDS = {
    "card_brand": "Card/CardBrnd/Id",
    "card_terminal_id": "POI/Id/Id",
    "card_sale_reference": "Tx/Indv/SaleRefNb",
    "card_transaction_reference": "Tx/Indv/TxId/TxRef",
    "card_transaction_time": "Tx/Indv/TxId/TxDtTm",
}


@dataclass(frozen=True, slots=True)
class Counterparty:
    name: str | None = None
    country: str | None = None
    account: str | None = None  # IBAN, else the proprietary account id


def counterparty(p: Mapping[str, str], direction: Direction) -> Counterparty:
    ultimate, party = _COUNTERPARTY[direction]
    name = _party_name(p, ultimate) or _party_name(p, party)
    country = first(p, f"{_PARTIES}{party}/Pty/PstlAdr/Ctry", f"{_PARTIES}{party}/PstlAdr/Ctry")
    account = first(p, f"{_PARTIES}{party}Acct/Id/IBAN", f"{_PARTIES}{party}Acct/Id/Othr/Id")
    return Counterparty(
        name=f.text(p, name, required=False) if name else None,
        country=f.country(p, country) if country else None,
        account=_clip(p[account]) if account else None,
    )


def _party_name(p: Mapping[str, str], role: str) -> str | None:
    """v02 and v04 put the name under the role (`Cdtr/Nm`); v08 one level deeper (`Cdtr/Pty/Nm`)."""
    base = f"{_PARTIES}{role}"
    return first(p, f"{base}/Pty/Nm", f"{base}/Nm", f"{base}/Agt/FinInstnId/Nm")


def bank_code(p: Mapping[str, str]) -> BankCode:
    """The entry's code, else the first transaction's; the card context from the transaction's CardTx."""
    base = "Ntry/BkTxCd/Domn/" if "Ntry/BkTxCd/Domn/Cd" in p else f"{TX}BkTxCd/Domn/"
    context = f"{TX}CardTx/Tx/Indv/PmtCntxt/"
    return BankCode(
        domain=p.get(f"{base}Cd"),
        family=p.get(f"{base}Fmly/Cd"),
        sub_family=p.get(f"{base}Fmly/SubFmlyCd"),
        card=any(key.startswith(_CARDS) for key in p),
        card_present=p.get(f"{context}CardPres"),
        card_channel=p.get(f"{context}TxChanl"),
    )


def description(p: Mapping[str, str]) -> str | None:
    """Remittance text, else the bank's transaction or entry text."""
    texts = every(p, f"{TX}RmtInf/Ustrd") or every(p, f"{TX}AddtlTxInf") or every(p, "Ntry/AddtlNtryInf")
    text = " ".join(" ".join(texts).split())
    return text[:_MAX_DESCRIPTION] or None


def extra(p: Mapping[str, str], code: BankCode, party: Counterparty, transactions: int) -> dict[str, str]:
    """Format-specific strings worth keeping; nothing that changes between a camt.052, .053 and .054 of the
    same entry (no message or statement ids), so that a re-sent entry is a duplicate, not a conflict."""
    found = {name: p[path] for name, paths in REFERENCES.items() if (path := first(p, *paths))}
    if found.get("end_to_end_id") == _NOT_PROVIDED:
        del found["end_to_end_id"]
    found |= _card(p)
    if code.text:
        found["bank_transaction_code"] = code.text
    if proprietary := first(p, "Ntry/BkTxCd/Prtry/Cd", f"{TX}BkTxCd/Prtry/Cd"):
        found["proprietary_code"] = p[proprietary]
    if party.account:
        found["counterparty_account"] = party.account
    if instructed := first(p, "Ntry/AmtDtls/InstdAmt/Amt", f"{TX}AmtDtls/InstdAmt/Amt"):
        found["instructed_amount"] = p[instructed]
        found["instructed_currency"] = p.get(f"{instructed}/@Ccy", "")
    if transactions > 1:
        found["transaction_details"] = str(transactions)
    return {name: _clip(value) for name, value in found.items() if value}


def _card(p: Mapping[str, str]) -> dict[str, str]:
    found: dict[str, str] = {}
    pan = first(p, *(f"{card}Card/PlainCardData/PAN" for card in _CARDS))
    digits = "".join(c for c in p[pan] if c in "0123456789") if pan else ""
    if len(digits) >= 8:  # only the last four digits ever leave the connector
        found["card_last4"] = digits[-4:]
    for name, tail in _CARD_FIELDS.items():
        if path := first(p, *(f"{card}{tail}" for card in reversed(_CARDS))):
            found[name] = p[path]
    return found


def _clip(value: str) -> str:
    return " ".join(value.split())[:_MAX_EXTRA]
