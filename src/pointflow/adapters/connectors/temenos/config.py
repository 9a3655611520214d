"""What a bank configures for Temenos: its TRANSACTION codes, the reversal link and the API paths."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from pointflow.domain.events import Channel, ReversalKind, TransactionType


@dataclass(frozen=True, slots=True)
class CodeMeaning:
    """What one Transact TRANSACTION code means to pointflow.

    A code with `reversal` set books a refund or chargeback of an earlier entry, not a new transaction.
    """

    transaction_type: TransactionType
    channel: Channel = Channel.OTHER
    reversal: ReversalKind | None = None
    label: str = ""


_T, _C = TransactionType, Channel

# Illustrative defaults: every Transact bank numbers its TRANSACTION table itself, so a bank replaces this
# table with its own (docs/connectors/temenos.md shows how). The codes follow the three-digit style of
# the model bank; the meanings cover what a loyalty programme tells apart.
DEFAULT_TRANSACTION_CODES: Mapping[str, CodeMeaning] = MappingProxyType(
    {
        "110": CodeMeaning(_T.DEPOSIT, _C.BRANCH, label="cash deposit at a teller"),
        "120": CodeMeaning(_T.CASH_WITHDRAWAL, _C.BRANCH, label="cash withdrawal at a teller"),
        "201": CodeMeaning(_T.SALARY_CREDIT, label="salary credit (payroll bulk payment)"),
        "213": CodeMeaning(_T.TRANSFER, _C.ONLINE_BANKING, label="funds transfer, online banking"),
        "214": CodeMeaning(_T.OWN_ACCOUNT_TRANSFER, _C.MOBILE, label="own-account transfer, mobile"),
        "215": CodeMeaning(_T.INTERNATIONAL_PAYMENT, _C.ONLINE_BANKING, label="outward SWIFT payment"),
        "216": CodeMeaning(_T.TRANSFER, _C.BRANCH, label="funds transfer at a branch"),
        "230": CodeMeaning(_T.TRANSFER, label="standing order"),
        "240": CodeMeaning(_T.BILL_PAYMENT, _C.DIRECT_DEBIT, label="direct debit"),
        "250": CodeMeaning(_T.LOAN_REPAYMENT, _C.DIRECT_DEBIT, label="loan instalment (AA repayment)"),
        "300": CodeMeaning(_T.INTEREST, label="credit interest"),
        "310": CodeMeaning(_T.FEE, label="account maintenance charge"),
        "311": CodeMeaning(_T.FEE, label="commission or transaction charge"),
        "400": CodeMeaning(_T.PURCHASE, _C.CARD_PRESENT, label="card purchase at a point of sale"),
        "401": CodeMeaning(_T.PURCHASE, _C.CARD_NOT_PRESENT, label="card purchase, e-commerce"),
        "402": CodeMeaning(_T.QUASI_CASH, _C.CARD_PRESENT, label="card quasi-cash at a point of sale"),
        "403": CodeMeaning(_T.QUASI_CASH, _C.CARD_NOT_PRESENT, label="card quasi-cash, e-commerce"),
        "405": CodeMeaning(_T.CASH_WITHDRAWAL, _C.ATM, label="ATM cash withdrawal"),
        "406": CodeMeaning(_T.PURCHASE, reversal=ReversalKind.REFUND, label="card refund from a merchant"),
        "407": CodeMeaning(_T.PURCHASE, reversal=ReversalKind.CHARGEBACK, label="card chargeback"),
    }
)


@dataclass(frozen=True, slots=True)
class TemenosConfig:
    """How one bank's Transact and Infinity installation is reached and read.

    The paths carry the IRIS service version because each Transact API service is versioned on its own;
    a path may be an absolute URL when the API lives on another host (the Infinity Quantum server).
    """

    transaction_codes: Mapping[str, CodeMeaning] = field(default_factory=lambda: DEFAULT_TRANSACTION_CODES)
    # Transact's STMT.ENTRY has no pointer to the entry it reverses; the event must be enriched with it.
    original_reference_field: str = "originalEntryReference"
    # A card bank's MCC local reference field on STMT.ENTRY, as its event names it (else narratives).
    mcc_field: str | None = None
    customer_path: str = "/api/v4.0.0/party/customers/{customer_id}"
    balances_path: str = "/api/v4.1.0/holdings/accounts/balances"
    campaign_path: str = "/services/CampaignManagementMSAPI/createCampaign"
    campaign_type: str = "MARKETING"
    campaign_placeholder: str = "PH001"
    campaign_profile: str = "POINTFLOW"
    # WriteBack.values keys renamed to the bank's IRIS names of its CUSTOMER local reference fields.
    customer_fields: Mapping[str, str] = field(default_factory=dict)
    # The last write-back's key and kind are kept on the customer record, so that a repeat is recognisable.
    key_field: str = "loyaltyWriteBackKey"
    kind_field: str = "loyaltyWriteBackKind"
