"""Fineract's REST API as pointflow uses it: client and account reads for enrichment, notes for write-back."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pointflow.adapters.connectors import fields as f
from pointflow.adapters.connectors.fineract import clients
from pointflow.adapters.connectors.fineract import values as v
from pointflow.domain.core import AccountBalance, CustomerMaster, WriteBack, WriteBackKind
from pointflow.domain.errors import InvalidEvent
from pointflow.domain.money import Money
from pointflow.service_layer.ports import HttpCall

_CUSTOMER = re.compile(r"^(client|savingsaccount|loanaccount):([1-9][0-9]{0,18})$")
_KEY = r"[\w.:\-/#@+]{1,128}"
NOTE_MARK = re.compile(rf"^\[pointflow:({'|'.join(k.value for k in WriteBackKind)}):({_KEY})\]")
_NOTE_LIMIT = 1000  # Fineract's m_note.note column
_NOTES = {"client": "clients", "savingsaccount": "savings", "loanaccount": "loans"}
_READS = {"client": "clients", "savingsaccount": "savingsaccounts", "loanaccount": "loans"}


class FineractApi:
    """Request builders and parsers for the connector's customer ids (`client:<id>`, `savingsaccount:…`)."""

    name = "fineract"

    def customer_request(self, customer_id: str) -> HttpCall:
        kind, number = _parts(customer_id)
        return HttpCall("GET", f"/{_READS[kind]}/{number}")

    def parse_customer(self, body: Any) -> CustomerMaster:
        """A client (`GET /clients/{id}`), or the savings or loan account that stands in for one."""
        if isinstance(body, Mapping) and "clientId" in body:
            return clients.account_holder(body, "loan" if "loanProductId" in body else "savings")
        return clients.customer_master(body)

    def balances_request(self, customer_id: str) -> HttpCall:
        kind, number = _parts(customer_id)
        if kind == "client":
            return HttpCall("GET", f"/clients/{number}/accounts")
        return HttpCall("GET", f"/{_READS[kind]}/{number}")

    def parse_balances(self, body: Any) -> list[AccountBalance]:
        """`GET /savingsaccounts/{id}` (its `summary`), `GET /loans/{id}` or `GET /clients/{id}/accounts`."""
        if not isinstance(body, Mapping):
            raise InvalidEvent("the account answer must be a JSON object", field="<body>")
        if "savingsAccounts" in body or "loanAccounts" in body:
            return _client_accounts(body)
        if "loanProductId" in body:
            return [_loan_balance(body)]
        return [_savings_balance(body)]

    def write_back_request(self, message: WriteBack) -> HttpCall:
        """A note on the client (or account) record; the key opens the note and goes in `Idempotency-Key`,
        which Fineract (1.9+) uses to apply a repeated command once."""
        if not re.fullmatch(_KEY, message.key):
            raise ValueError(f"write-back key {message.key!r} may hold letters, digits and ._:-/#@+ only")
        kind, number = _parts(message.customer_id)
        return HttpCall(
            "POST",
            f"/{_NOTES[kind]}/{number}/notes",
            json={"note": note_text(message)},
            headers={"Idempotency-Key": message.key},
        )


def note_text(message: WriteBack) -> str:
    """`[pointflow:<kind>:<key>] name=value; …`, cut to the column's length."""
    details = "; ".join(f"{k}={value}" for k, value in sorted(message.values.items()))
    if message.account_id:
        details = f"account={message.account_id}" + (f"; {details}" if details else "")
    text = f"[pointflow:{message.kind.value}:{message.key}] {details}".rstrip()
    return text if len(text) <= _NOTE_LIMIT else text[: _NOTE_LIMIT - 1] + "…"


def _parts(customer_id: str) -> tuple[str, str]:
    match = _CUSTOMER.match(customer_id)
    if match is None:
        raise ValueError(
            f"{customer_id!r} is not a Fineract customer id (client:<id> or <product>account:<id>)"
        )
    return match.group(1), match.group(2)


def _savings_balance(body: Mapping[str, Any]) -> AccountBalance:
    summary = v.mapping(body, "summary", required=True)
    assert summary is not None
    code = _summary_currency(body, summary)
    with v.within("summary"):
        balance = v.decimal_value(summary, "accountBalance")
        available = (
            Money(v.decimal_value(summary, "availableBalance"), code)
            if "availableBalance" in summary
            else None
        )
    return AccountBalance(
        account_id=f"savingsaccount:{v.long_id(body, 'id')}",
        balance=Money(balance, code),
        available=available,
        product=v.optional_text(body, "savingsProductName"),
    )


def _loan_balance(body: Mapping[str, Any]) -> AccountBalance:
    """What the client owes on the loan, as a negative balance."""
    summary = v.mapping(body, "summary", required=True)
    assert summary is not None
    code = _summary_currency(body, summary)
    with v.within("summary"):
        owed = v.decimal_value(summary, "totalOutstanding")
    return AccountBalance(
        account_id=f"loanaccount:{v.long_id(body, 'id')}",
        balance=Money(-owed, code),
        product=v.optional_text(body, "loanProductName"),
    )


def _client_accounts(body: Mapping[str, Any]) -> list[AccountBalance]:
    accounts = body.get("savingsAccounts") or []
    if not isinstance(accounts, list):
        raise InvalidEvent("savingsAccounts must be an array", field="savingsAccounts")
    found = []
    for index, account in enumerate(accounts):
        if not isinstance(account, Mapping):
            raise InvalidEvent("each savings account must be an object", field=f"savingsAccounts[{index}]")
        with v.within(f"savingsAccounts[{index}]"):
            found.append(
                AccountBalance(
                    account_id=f"savingsaccount:{v.long_id(account, 'id')}",
                    balance=Money(v.decimal_value(account, "accountBalance"), _currency(account)),
                    product=v.optional_text(account, "productName"),
                )
            )
    return found


def _summary_currency(body: Mapping[str, Any], summary: Mapping[str, Any]) -> str:
    if summary.get("currency") is None:
        return _currency(body)
    with v.within("summary"):
        return _currency(summary)


def _currency(holder: Mapping[str, Any]) -> str:
    currency = v.mapping(holder, "currency", required=True)
    assert currency is not None
    with v.within("currency"):
        code = f.currency(currency, "code")
    return code
