"""Fineract client records (REST `GET /clients/{id}` or the `ClientDataV1` event payload) → CustomerMaster,
with names, phone, e-mail, birth date, account number and external id kept apart in `pii`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pointflow.adapters.connectors.fineract import values as v
from pointflow.domain.core import CustomerMaster
from pointflow.domain.errors import InvalidEvent

# Fineract field → pii key: what must never leave the identity boundary.
_PII_TEXT = {
    "firstname": "first_name",
    "middlename": "middle_name",
    "lastname": "last_name",
    "fullname": "full_name",
    "displayName": "display_name",
    "mobileNo": "mobile",
    "emailAddress": "email",
    "accountNo": "account_no",
    "externalId": "external_id",
}


def customer_master(record: Mapping[str, Any]) -> CustomerMaster:
    """A client: status, segment, branch and tenure for decisioning; identifying data only in `pii`."""
    if not isinstance(record, Mapping):
        raise InvalidEvent("a client must be a JSON object", field="<body>")
    born = _optional_date(record, "dateOfBirth")
    return CustomerMaster(
        customer_id=f"client:{v.long_id(record, 'id')}",
        status=_code_tail(record, "status"),
        segment=_code_value_name(record, "clientClassification"),
        branch=v.optional_text(record, "officeName"),
        joined_on=_joined(record),
        birth_year=born.year if born else None,
        attributes=_attributes(record),
        pii=_pii(record, born),
    )


def account_holder(record: Mapping[str, Any], kind: str) -> CustomerMaster:
    """A savings or loan account (`kind`) as the customer pointflow knows by it; `pii` names its client."""
    if not isinstance(record, Mapping):
        raise InvalidEvent("an account must be a JSON object", field="<body>")
    pii = {"client_id": f"client:{v.long_id(record, 'clientId')}"}
    for source, key in (("clientName", "client_name"), ("accountNo", "account_no")):
        value = v.optional_text(record, source)
        if value:
            pii[key] = value
    product = v.optional_text(record, f"{kind}ProductName")
    return CustomerMaster(
        customer_id=f"{kind}account:{v.long_id(record, 'id')}",
        status=_code_tail(record, "status"),
        joined_on=_timeline_date(record, "activatedOnDate") or _timeline_date(record, "submittedOnDate"),
        attributes={"product": product} if product else {},
        pii=pii,
    )


def _attributes(record: Mapping[str, Any]) -> dict[str, str]:
    found = {
        "office_id": _id_text(record, "officeId"),
        "client_type": _code_value_name(record, "clientType"),
        "legal_form": _code_tail(record, "legalForm"),
        "savings_product": v.optional_text(record, "savingsProductName"),
        "staff": "true" if v.flag(record, "isStaff") else None,
    }
    return {key: value for key, value in found.items() if value}


def _pii(record: Mapping[str, Any], born: date | None) -> dict[str, str]:
    pii = {key: value for source, key in _PII_TEXT.items() if (value := v.optional_text(record, source))}
    gender = _code_value_name(record, "gender")  # a protected attribute: for fairness checks, not decisions
    if gender:
        pii["gender"] = gender
    if born:
        pii["date_of_birth"] = born.isoformat()
    return pii


def _joined(record: Mapping[str, Any]) -> date | None:
    return _optional_date(record, "activationDate") or _timeline_date(record, "activatedOnDate")


def _timeline_date(record: Mapping[str, Any], name: str) -> date | None:
    timeline = v.mapping(record, "timeline")
    if timeline is None:
        return None
    with v.within("timeline"):
        return _optional_date(timeline, name)


def _optional_date(record: Mapping[str, Any], name: str) -> date | None:
    return v.fineract_date(record, name) if record.get(name) is not None else None


def _code_tail(record: Mapping[str, Any], name: str) -> str | None:
    """`clientStatusType.active` → `active`: the stable code, not the translated label."""
    option = v.mapping(record, name)
    if option is None:
        return None
    with v.within(name):
        code = v.optional_text(option, "code") or v.optional_text(option, "value")
    return code.rsplit(".", 1)[-1] if code else None


def _code_value_name(record: Mapping[str, Any], name: str) -> str | None:
    value = v.mapping(record, name)
    if value is None:
        return None
    with v.within(name):
        return v.optional_text(value, "name")


def _id_text(record: Mapping[str, Any], name: str) -> str | None:
    return str(v.long_id(record, name)) if record.get(name) is not None else None
