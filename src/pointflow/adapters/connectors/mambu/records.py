"""Mambu API v2 Client and DepositAccount bodies read into pointflow's customer master and balances."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pointflow.adapters.connectors import fields as f
from pointflow.adapters.connectors.mambu.document import Document
from pointflow.domain.core import AccountBalance, CustomerMaster
from pointflow.domain.errors import InvalidEvent
from pointflow.domain.money import Money

_NUMBER = re.compile(r"^-?[0-9]{1,18}(\.[0-9]{1,18})?$", re.ASCII)
_PII = {
    "firstName": "first_name",
    "middleName": "middle_name",
    "lastName": "last_name",
    "emailAddress": "email",
    "mobilePhone": "mobile_phone",
    "homePhone": "home_phone",
}
_ATTRIBUTES = {
    "gender": "gender",
    "preferredLanguage": "preferred_language",
    "loanCycle": "loan_cycle",
    "groupLoanCycle": "group_loan_cycle",
    "clientRoleKey": "client_role",
    "assignedCentreKey": "assigned_centre",
}
_ADDRESS_PARTS = ("line1", "line2", "city", "region", "postcode", "country")


def parse_client(body: Any, pii_custom_fields: Collection[str]) -> CustomerMaster:
    """Names, e-mail, phones, addresses, identity documents and listed custom fields go to `pii` only."""
    if not isinstance(body, Mapping):
        raise InvalidEvent("a Mambu client must be a JSON object", field="<body>")
    doc = Document(body)
    doc.require("id")
    custom, private = _custom_fields(body, pii_custom_fields)
    return CustomerMaster(
        customer_id=f.identifier(doc.one("id"), "id"),
        status=doc.text("state", max_len=64),
        branch=doc.text("assignedBranchKey", max_len=128),
        joined_on=_day(doc, "activationDate") or _day(doc, "creationDate"),
        birth_year=birth.year if (birth := _day(doc, "birthDate")) else None,
        attributes={**_scalars(body, _ATTRIBUTES), **custom},
        pii={**_scalars(body, _PII), **_addresses(body), **_documents(body), **private},
    )


def parse_deposit_accounts(body: Any) -> list[AccountBalance]:
    """GET /deposits answers a list, GET /deposits/{id} one account; both become balances."""
    if isinstance(body, Mapping):
        return [_balance(Document(body))]
    if not isinstance(body, list):
        raise InvalidEvent("deposit accounts must be a JSON array or object", field="<body>")
    balances: list[AccountBalance] = []
    for index, account in enumerate(body):
        if not isinstance(account, Mapping):
            raise InvalidEvent(f"[{index}] must be a deposit account object", field=f"[{index}]")
        balances.append(_balance(Document(account, f"[{index}].")))
    return balances


def _balance(doc: Document) -> AccountBalance:
    key = "encodedKey" if doc.get("encodedKey") is not None else "id"
    doc.require(key)
    doc.require("currencyCode")
    code = f.currency(doc.one("currencyCode"), doc.name("currencyCode"))
    doc.require("balances")
    balances = doc.child("balances")
    assert balances is not None
    available = _number(balances, "availableBalance")
    return AccountBalance(
        account_id=f.identifier(doc.one(key), doc.name(key)),
        balance=Money(_required_number(balances, "totalBalance"), code),
        available=Money(available, code) if available is not None else None,
        product=doc.text("accountType", max_len=64),
    )


def _required_number(doc: Document, key: str) -> Decimal:
    doc.require(key)
    value = _number(doc, key)
    assert value is not None
    return value


def _number(doc: Document, key: str) -> Decimal | None:
    raw = doc.get(key)
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | Decimal | str):
        raise InvalidEvent(f"{doc.name(key)} must be a number", field=doc.name(key))
    if isinstance(raw, str) and not _NUMBER.match(raw.strip()):
        raise InvalidEvent(f"{doc.name(key)} {raw!r} is not a decimal number", field=doc.name(key))
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise InvalidEvent(f"{doc.name(key)} is not a number", field=doc.name(key)) from None
    if not value.is_finite():
        raise InvalidEvent(f"{doc.name(key)} must be finite", field=doc.name(key))
    return value


def _day(doc: Document, key: str) -> date | None:
    text = doc.text(key, max_len=40)
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text).date()  # the date as the organisation wrote it
    except ValueError:
        raise InvalidEvent(f"{key} {text!r} is not an ISO 8601 date", field=key) from None


def _scalars(body: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, str]:
    return {ours: _string(body[theirs]) for theirs, ours in names.items() if _present(body.get(theirs))}


def _addresses(body: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for index, address in enumerate(_objects(body.get("addresses"))):
        parts = {f"address[{index}].{part}": address.get(part) for part in _ADDRESS_PARTS}
        found.update({k: _string(v) for k, v in parts.items() if _present(v)})
    return found


def _documents(body: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for index, document in enumerate(_objects(body.get("idDocuments"))):
        parts = {"type": document.get("documentType"), "id": document.get("documentId")}
        found.update({f"id_document[{index}].{k}": _string(v) for k, v in parts.items() if _present(v)})
    return found


def _custom_fields(
    body: Mapping[str, Any], private: Collection[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Custom field sets (`_<set>` objects, or arrays of them when grouped) as `_<set>.<field>` strings."""
    flat: dict[str, str] = {}
    for key, value in body.items():
        if not key.startswith("_"):
            continue
        if isinstance(value, Mapping):
            flat.update(_set_values(key, value))
        for index, group in enumerate(_objects(value)):
            flat.update(_set_values(f"{key}[{index}]", group))
    public = {k: v for k, v in flat.items() if _field_name(k) not in private}
    return public, {k: v for k, v in flat.items() if _field_name(k) in private}


def _set_values(prefix: str, values: Mapping[str, Any]) -> dict[str, str]:
    return {
        f"{prefix}.{name}": _string(value)
        for name, value in values.items()
        if name != "_index" and _present(value) and not isinstance(value, Mapping | list)
    }


def _field_name(flat_key: str) -> str:
    """`_set[2].field` and `_set.field` both name the custom field `_set.field`."""
    return re.sub(r"\[\d+\]", "", flat_key)


def _objects(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _string(value: Any) -> str:
    return value.strip() if isinstance(value, str) else str(value)
