"""The sandbox bank as Apache Fineract: savings transactions out as `MessageV1` external events (Avro), and
the REST calls pointflow makes in: GET /clients/{id}, GET /savingsaccounts/{id}, POST …/notes."""

from __future__ import annotations

import hashlib
import re
import uuid
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date
from decimal import Decimal
from pathlib import Path
from typing import Any

from pointflow.adapters.connectors.fineract.postings import SYSTEM
from pointflow.adapters.connectors.fineract.rest import NOTE_MARK
from pointflow.adapters.connectors.fineract.schemas import MESSAGE, SAVINGS_TRANSACTION, load_schemas
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
from pointflow.domain.money import CURRENCY_MINOR_UNITS, Money
from pointflow.sim.bank import SimCustomer
from pointflow.sim.platforms import SandboxState

PRODUCER = "5a4db0c0-f1e0-4ac7-9000-000000000001"  # MessageV1.source: one producer for the whole sandbox
OPENED = date(2020, 1, 2)  # the sandbox's accounts all date from its opening day
_KEYS = uuid.UUID("8d1f6f52-9c1e-4a57-b0c4-5e2f5d6f3a10")
_SCALE = Decimal("0.00000001")  # bigdecimal: scale 8
_SCOPED = re.compile(r"^(?:savings|savingsaccount|loan|loanaccount|client):(\d{1,18})$")
_TRAILING = re.compile(r"(\d{1,18})$")
_PREFIX = "/fineract-provider/api/v1"


@dataclass
class _Registry:
    """Fineract numbers given to the sandbox's string ids, kept so that the API answers for them."""

    customers: dict[int, str] = field(default_factory=dict)  # savings account number → sim customer id
    accounts: dict[str, int] = field(default_factory=dict)  # sim customer id → savings account number
    directions: dict[str, Direction] = field(default_factory=dict)  # transaction source id → direction


class FineractSandbox:
    """Documents for the `fineract` connector (which needs the same schema directory to read them)."""

    name = SYSTEM

    def __init__(self, schema_dir: Path, *, tenant: str = "default") -> None:
        self._schemas = load_schemas(schema_dir)
        self._tenant = tenant
        self._known = _Registry()

    def documents(self, events: Sequence[CanonicalEvent]) -> list[bytes]:
        """One `MessageV1` binary per event; the connector reads each back as `native_view(event)`."""
        return [self._document(event) for event in events]

    def native_view(self, event: CanonicalEvent) -> CanonicalEvent:
        """`event` as Fineract can carry it: numeric ids scoped by product, no MCC, merchant or channel
        (the merchant name, if any, travels as the note), reversals of kind "reversal" only."""
        account = self._account_number(event)
        money = _money(event.money)
        if isinstance(event, TransactionReversed):
            return replace(
                event,
                source=SourceRef(SYSTEM, f"savings:{number(event.source.id)}"),
                original_source_id=f"savings:{number(event.original_source_id)}",
                customer_id=f"savingsaccount:{account}",
                money=money,
                kind=ReversalKind.REVERSAL,
            )
        return replace(
            event,
            source=SourceRef(SYSTEM, f"savings:{number(event.source.id)}"),
            customer_id=f"savingsaccount:{account}",
            account_id=f"savingsaccount:{account}",
            money=money,
            mcc=None,
            merchant_name=None,
            merchant_country=None,
            channel=Channel.OTHER,
            description=_note(event),
            extra={"idempotency_key": _key(event), "payment_type": _payment_name(event)},
        )

    def answer(
        self,
        method: str,
        path: str,
        body: Any,
        state: SandboxState,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        del headers  # the write-back key travels in the note's text, which Fineract keeps
        route = path.split("?", 1)[0].removeprefix(_PREFIX).rstrip("/")
        if method == "GET" and (match := re.fullmatch(r"/clients/(\d{1,18})", route)):
            return self._client(int(match.group(1)), state)
        if method == "GET" and (match := re.fullmatch(r"/clients/(\d{1,18})/accounts", route)):
            return self._client_accounts(int(match.group(1)), state)
        if method == "GET" and (match := re.fullmatch(r"/savingsaccounts/(\d{1,18})", route)):
            return self._savings_account(int(match.group(1)), state)
        if method == "POST" and (match := re.fullmatch(r"/(clients|savings)/(\d{1,18})/notes", route)):
            return self._note(match.group(1), int(match.group(2)), body, state)
        return 404, _not_found(
            "error.msg.resource.not.found", f"{method} {route} is not an API of this sandbox"
        )

    def _document(self, event: CanonicalEvent) -> bytes:
        seen = self.native_view(event)
        self._remember(event, seen)
        record = _record(seen, self._known)
        data = self._schemas.write(SAVINGS_TRANSACTION, record)
        deposit = record["transactionType"]["deposit"]
        message = {
            "id": number(seen.source.id) % 2**31,
            "source": PRODUCER,
            "type": "SavingsDepositBusinessEvent" if deposit else "SavingsWithdrawalBusinessEvent",
            "category": "Savings",
            "createdAt": seen.booked_at.astimezone(UTC).replace(tzinfo=None).isoformat(),
            "businessDate": seen.value_date.isoformat(),
            "tenantId": self._tenant,
            "idempotencyKey": _key(event),
            "dataschema": SAVINGS_TRANSACTION,
            "data": data,
        }
        return self._schemas.write(MESSAGE, message)

    def _remember(self, event: CanonicalEvent, seen: CanonicalEvent) -> None:
        if not _SCOPED.match(event.customer_id):  # already Fineract's: nothing to remember
            account = number(seen.customer_id)
            self._known.customers.setdefault(account, event.customer_id)
            self._known.accounts.setdefault(event.customer_id, account)
        if isinstance(seen, TransactionPosted):
            self._known.directions[seen.source.id] = seen.direction

    def _account_number(self, event: CanonicalEvent) -> int:
        if isinstance(event, TransactionPosted):
            return number(event.account_id)
        if event.customer_id in self._known.accounts:
            return self._known.accounts[event.customer_id]
        return number(event.customer_id)

    def _customer_of(self, account: int, state: SandboxState) -> SimCustomer | None:
        # Accounts the sandbox has not sent events for follow the sandbox bank's own numbering.
        return state.customer(self._known.customers.get(account, f"cust_{account:06d}"))

    def _client(self, client: int, state: SandboxState) -> tuple[int, Any]:
        customer = self._customer_of(client, state)
        if customer is None:
            return 404, _not_found(
                "error.msg.client.id.invalid", f"Client with identifier {client} does not exist"
            )
        return 200, _client_body(client, customer)

    def _client_accounts(self, client: int, state: SandboxState) -> tuple[int, Any]:
        customer = self._customer_of(client, state)
        if customer is None:
            return 404, _not_found(
                "error.msg.client.id.invalid", f"Client with identifier {client} does not exist"
            )
        balance = state.balance(customer.account_id)
        summary = {
            "id": client,
            "accountNo": f"{client:09d}",
            "productId": 1,
            "productName": "Sandbox savings",
            "status": _ACTIVE,
            "currency": _currency(state.currency),
            "accountBalance": balance,
        }
        return 200, {"savingsAccounts": [summary], "loanAccounts": []}

    def _savings_account(self, account: int, state: SandboxState) -> tuple[int, Any]:
        customer = self._customer_of(account, state)
        if customer is None:
            message = f"Savings account with identifier {account} does not exist"
            return 404, _not_found("error.msg.saving.account.id.invalid", message)
        return 200, _savings_body(account, customer, state)

    def _note(self, resource: str, identifier: int, body: Any, state: SandboxState) -> tuple[int, Any]:
        text = body.get("note") if isinstance(body, Mapping) else None
        if not isinstance(text, str) or not text.strip():
            return 400, _invalid("note", "The parameter `note` is mandatory.")
        if len(text) > 1000:
            return 400, _invalid("note", "The parameter `note` exceeds max length of 1000.")
        customer = self._customer_of(identifier, state)
        if customer is None:
            return 404, _not_found("error.msg.resource.not.found", f"{resource} {identifier} does not exist")
        mark = NOTE_MARK.match(text)
        kind, key = (mark.group(1), mark.group(2)) if mark else ("note", _text_key(text))
        state.record_write_back(key=key, kind=kind, customer_id=customer.customer_id, body=dict(body))
        # A repeated key is answered like the first delivery, as Fineract's idempotency store does.
        return 200, {"officeId": 1, "clientId": identifier, "resourceId": zlib.crc32(key.encode()) or 1}


def number(text: str) -> int:
    """The Fineract id for a sandbox id: its scoped number, else its trailing digits, else a stable hash."""
    match = _SCOPED.match(text) or _TRAILING.search(text)
    if match and int(match.group(1)) > 0:
        return int(match.group(1))
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:6], "big") + 10**15


def _record(seen: CanonicalEvent, known: _Registry) -> dict[str, Any]:
    account = number(seen.customer_id)
    common = {
        "id": number(seen.source.id),
        "accountId": account,
        "accountNo": f"{account:09d}",
        "date": seen.value_date.isoformat(),
        "currency": _currency(seen.money.currency),
        "amount": seen.money.amount.quantize(_SCALE),
        "submittedOnDate": seen.value_date.isoformat(),
        "isManualTransaction": False,
    }
    if isinstance(seen, TransactionReversed):
        direction = known.directions.get(seen.original_source_id, Direction.DEBIT)
        return {
            **common,
            "transactionType": _transaction_type(direction),
            "reversed": False,
            "isReversal": True,
            "originalTransactionId": str(number(seen.original_source_id)),
        }
    payment = seen.extra["payment_type"]
    return {
        **common,
        "transactionType": _transaction_type(seen.direction),
        "paymentDetailData": {
            "id": common["id"],
            "paymentType": _payment_type(payment, seen.transaction_type),
        },
        "reversed": False,
        "isReversal": False,
        "note": seen.description,
    }


def _transaction_type(direction: Direction) -> dict[str, Any]:
    deposit = direction is Direction.CREDIT
    name = "deposit" if deposit else "withdrawal"
    return {
        "id": 1 if deposit else 2,
        "code": f"savingsAccountTransactionType.{name}",
        "value": name.capitalize(),
        "deposit": deposit,
        "withdrawal": not deposit,
        "interestPosting": False,
        "feeDeduction": False,
    }


def _payment_type(name: str, transaction_type: TransactionType) -> dict[str, Any]:
    types = list(TransactionType)
    return {
        "id": types.index(transaction_type) + 1,
        "name": name,
        "isCashPayment": transaction_type is TransactionType.CASH_WITHDRAWAL,
        "isSystemDefined": False,
    }


def _payment_name(event: TransactionPosted) -> str:
    # Banks name Fineract payment types; the sandbox names them after pointflow's transaction types.
    return event.extra.get("payment_type") or event.transaction_type.value


def _key(event: CanonicalEvent) -> str:
    if isinstance(event, TransactionPosted) and event.extra.get("idempotency_key"):
        return event.extra["idempotency_key"]
    return str(uuid.uuid5(_KEYS, event.source.id))


def _note(event: TransactionPosted) -> str | None:
    text = (event.description or event.merchant_name or "").strip()
    return (text if len(text) <= 256 else text[:255] + "…") or None


def _money(money: Money) -> Money:
    minor = Decimal(1).scaleb(-CURRENCY_MINOR_UNITS[money.currency])
    return Money(money.amount.quantize(minor), money.currency)


def _text_key(text: str) -> str:
    return "note:" + hashlib.sha256(text.encode()).hexdigest()[:24]


def _currency(code: str) -> dict[str, Any]:
    return {
        "code": code,
        "decimalPlaces": CURRENCY_MINOR_UNITS.get(code, 2),
        "inMultiplesOf": 0,
        "nameCode": f"currency.{code}",
    }


_ACTIVE = {"id": 300, "code": "savingsAccountStatusType.active", "value": "Active", "active": True}
_INTEREST_TERMS = {  # the product's terms, as Fineract's enum options; the sandbox pays no interest here
    "interestCompoundingPeriodType": {
        "id": 1,
        "code": "savingsCompoundingInterestPeriodType.daily",
        "value": "Daily",
    },
    "interestPostingPeriodType": {
        "id": 4,
        "code": "savingsPostingInterestPeriodType.monthly",
        "value": "Monthly",
    },
    "interestCalculationType": {
        "id": 1,
        "code": "savingsInterestCalculationType.dailybalance",
        "value": "Daily",
    },
    "interestCalculationDaysInYearType": {
        "id": 365,
        "code": "savingsInterestCalculationDaysInYearType.days365",
    },
}


def _day(day: date) -> list[int]:
    return [day.year, day.month, day.day]


def _client_body(client: int, customer: SimCustomer) -> dict[str, Any]:
    first, _, last = customer.full_name.partition(" ")
    opened = _day(OPENED)
    return {
        "id": client,
        "accountNo": f"{client:09d}",
        "status": {"id": 300, "code": "clientStatusType.active", "value": "Active"},
        "active": True,
        "activationDate": opened,
        "firstname": first,
        "lastname": last,
        "displayName": customer.full_name,
        "mobileNo": customer.phone,
        "emailAddress": customer.email,
        "officeId": 1,
        "officeName": "Head Office",
        "timeline": {"submittedOnDate": opened, "activatedOnDate": opened},
        "savingsProductId": 1,
        "savingsProductName": "Sandbox savings",
        "groups": [],
    }


def _savings_body(account: int, customer: SimCustomer, state: SandboxState) -> dict[str, Any]:
    balance = state.balance(customer.account_id)
    currency = _currency(state.currency)
    return {
        "id": account,
        "accountNo": f"{account:09d}",
        "clientId": account,  # the sandbox gives each client one account with the same number
        "clientName": customer.full_name,
        "savingsProductId": 1,
        "savingsProductName": "Sandbox savings",
        "fieldOfficerId": 0,
        "status": _ACTIVE,
        "timeline": {"submittedOnDate": _day(OPENED), "activatedOnDate": _day(OPENED)},
        "currency": currency,
        "nominalAnnualInterestRate": 0,
        **_INTEREST_TERMS,
        "summary": {"currency": currency, "accountBalance": balance, "availableBalance": balance},
    }


def _not_found(code: str, message: str) -> dict[str, Any]:
    return _error("404", "The requested resource is not available.", code, message, None)


def _invalid(parameter: str, message: str) -> dict[str, Any]:
    code = "validation.msg.validation.errors.exist"
    return _error("400", "Validation errors exist.", code, message, parameter)


def _error(status: str, summary: str, code: str, message: str, parameter: str | None) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "developerMessage": message,
        "defaultUserMessage": message,
        "userMessageGlobalisationCode": code,
        "parameterName": parameter or "id",
        "value": None,
        "args": [],
    }
    return {
        "developerMessage": summary,
        "httpStatusCode": status,
        "defaultUserMessage": summary,
        "userMessageGlobalisationCode": code,
        "errors": [detail],
    }
