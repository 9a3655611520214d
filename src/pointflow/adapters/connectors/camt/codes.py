"""ISO bank transaction codes (Domn/Fmly/SubFmly) to canonical transaction types and channels."""

from __future__ import annotations

from dataclasses import dataclass

from pointflow.domain.events import Channel, Direction, TransactionType

T = TransactionType

# Sub-families that say what happened whatever the family (a card fee is a fee, not a purchase).
_FEES = frozenset({"CHRG", "FEES", "COMM", "COME", "COMI", "COMT"})
_SUB_FAMILY_TYPES: dict[str, TransactionType] = {
    "INTR": T.INTEREST,
    "POSD": T.PURCHASE,  # point-of-sale payment, debit card
    "POSC": T.PURCHASE,  # point-of-sale payment, credit card
    "SMRT": T.PURCHASE,  # smart-card payment
    "CWDL": T.CASH_WITHDRAWAL,
    "XBCW": T.CASH_WITHDRAWAL,  # cross-border cash withdrawal
    "CDPT": T.DEPOSIT,  # cash deposit
    "SALA": T.SALARY_CREDIT,  # payroll
    "XBSA": T.SALARY_CREDIT,  # cross-border payroll
    "XBCT": T.INTERNATIONAL_PAYMENT,  # cross-border credit transfer
    "DMCT": T.TRANSFER,  # domestic credit transfer
    "ESCT": T.TRANSFER,  # SEPA credit transfer
    "STDO": T.TRANSFER,  # standing order
    "SDVA": T.TRANSFER,  # same-day value credit transfer
    "BOOK": T.TRANSFER,  # internal book transfer
    "ESDD": T.BILL_PAYMENT,  # SEPA core direct debit
    "BBDD": T.BILL_PAYMENT,  # SEPA B2B direct debit
    "PMDD": T.BILL_PAYMENT,  # direct debit payment
    "OODD": T.BILL_PAYMENT,  # one-off direct debit
}
_FAMILY_TYPES: dict[str, TransactionType] = {
    "CCRD": T.PURCHASE,  # customer card transactions
    "ICDT": T.TRANSFER,  # issued credit transfers
    "RCDT": T.TRANSFER,  # received credit transfers
    "IDDT": T.BILL_PAYMENT,  # issued direct debits
    "RDDT": T.BILL_PAYMENT,  # received direct debits
}
_QUASI_CASH_MCCS = frozenset({"6050", "6051"})
_CARD_PRESENT_SUB_FAMILIES = frozenset({"POSD", "POSC", "SMRT"})
_ATM_SUB_FAMILIES = frozenset({"CWDL", "XBCW"})
_FAMILY_CHANNELS = {"CNTR": Channel.BRANCH, "IDDT": Channel.DIRECT_DEBIT, "RDDT": Channel.DIRECT_DEBIT}
_REMOTE_CARD_CHANNELS = frozenset({"ECOM", "MAIL", "TLPH"})  # TransactionChannel1Code


@dataclass(frozen=True, slots=True)
class BankCode:
    """An entry's bank transaction code and what its card context says (v04 and later)."""

    domain: str | None = None
    family: str | None = None
    sub_family: str | None = None
    card: bool = False  # the entry carries CardTx data
    card_present: str | None = None  # CardTx/Tx/Indv/PmtCntxt/CardPres: "true" or "false"
    card_channel: str | None = None  # CardTx/Tx/Indv/PmtCntxt/TxChanl

    @property
    def text(self) -> str | None:
        parts = [p for p in (self.domain, self.family, self.sub_family) if p]
        return "/".join(parts) or None


def transaction_type(code: BankCode, direction: Direction, mcc: str | None) -> TransactionType:
    found = _by_code(code, direction)
    if found is T.OTHER and code.card and direction is Direction.DEBIT:
        found = T.PURCHASE
    if found is T.PURCHASE and mcc in _QUASI_CASH_MCCS:
        return T.QUASI_CASH
    return found


def _by_code(code: BankCode, direction: Direction) -> TransactionType:
    sub, family = code.sub_family or "", code.family or ""
    if sub in _FEES:
        return T.FEE
    if code.domain == "LDAS":  # loans, deposits and syndications
        return T.LOAN_REPAYMENT if direction is Direction.DEBIT else T.OTHER
    return _SUB_FAMILY_TYPES.get(sub) or _FAMILY_TYPES.get(family) or T.OTHER


def channel(code: BankCode) -> Channel:
    if code.family == "CCRD" and code.sub_family in _ATM_SUB_FAMILIES:
        return Channel.ATM
    if code.card_present == "false" or code.card_channel in _REMOTE_CARD_CHANNELS:
        return Channel.CARD_NOT_PRESENT
    if code.card_present == "true":
        return Channel.CARD_PRESENT
    if code.family in _FAMILY_CHANNELS:
        return _FAMILY_CHANNELS[code.family]
    if code.card or (code.family == "CCRD" and code.sub_family in _CARD_PRESENT_SUB_FAMILIES):
        return Channel.CARD_PRESENT
    return Channel.OTHER
