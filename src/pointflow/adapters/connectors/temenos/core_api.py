"""Temenos' REST surface: the Transact party and holdings APIs read, the Infinity campaign API written."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from pointflow.adapters.connectors import fields as f
from pointflow.adapters.connectors.temenos.config import TemenosConfig
from pointflow.domain.core import AccountBalance, CustomerMaster, WriteBack, WriteBackKind
from pointflow.domain.errors import InvalidEvent
from pointflow.domain.money import Money
from pointflow.service_layer.ports import HttpCall

CAMPAIGN_PREFIX = "pointflow-"
_SIGNED_DECIMAL = re.compile(r"^-?[0-9]{1,18}(\.[0-9]{1,18})?$", re.ASCII)
# CustomerResponseBody scalars that decisioning may see (none names or locates the person).
_ATTRIBUTES = {
    "sectorId": "sector",
    "industryId": "industry",
    "target": "target",
    "nationalityId": "nationality",
    "residenceId": "residence",
    "language": "language",
    "accountOfficerId": "account_officer",
    "customerCompany": "company",
    "isKycComplete": "kyc_complete",
    "amlResult": "aml_result",
}
# Scalars that stay behind the identity boundary: names, and the protected characteristics.
_PII_SCALARS = {
    "givenName": "given_name",
    "lastName": "last_name",
    "customerMnemonic": "mnemonic",
    "title": "title",
    "dateOfBirth": "date_of_birth",
    "gender": "gender",
    "maritalStatus": "marital_status",
    "postCode": "post_code",
}
# Multi-value groups: (array, item field) → pii key; the first non-empty value is kept.
_PII_GROUPS = {
    ("displayNames", "displayName"): "display_name",
    ("customerNames", "customerName"): "customer_name",
    ("communicationDevices", "email"): "email",
    ("communicationDevices", "phoneNumber"): "phone",
    ("communicationDevices", "smsNumber"): "sms",
    ("officePhoneNumbers", "officePhoneNumber"): "office_phone",
    ("streets", "street"): "street",
    ("addresses", "address"): "address",
    ("addressCities", "addressCity"): "city",
    ("legalDetails", "legalId"): "legal_id",
    ("taxIds", "taxId"): "tax_id",
    ("employDetails", "employerName"): "employer",
}


class TemenosCoreApi:
    """Request builders and parsers for the IRIS (Transact) and Quantum (Infinity) APIs."""

    name = "temenos"

    def __init__(self, config: TemenosConfig | None = None) -> None:
        self.config = config or TemenosConfig()

    def customer_request(self, customer_id: str) -> HttpCall:
        return HttpCall("GET", self._customer_path(customer_id))

    def parse_customer(self, body: Any) -> CustomerMaster:
        header, data = _envelope(body, Mapping)
        customer_id = f.identifier(header, "id")
        birth = _iso_date(data, "dateOfBirth")
        return CustomerMaster(
            customer_id=customer_id,
            status=_scalar(data, "customerStatus"),
            segment=_scalar(data, "target"),
            branch=_scalar(data, "customerCompany"),
            joined_on=_iso_date(data, "contactDate"),
            birth_year=birth.year if birth else None,
            attributes=_pick(data, _ATTRIBUTES),
            pii={**_pick(data, _PII_SCALARS), **_groups(data)},
        )

    def balances_request(self, customer_id: str) -> HttpCall:
        return HttpCall("GET", self.config.balances_path, params={"customerId": customer_id})

    def parse_balances(self, body: Any) -> list[AccountBalance]:
        _, rows = _envelope(body, list)
        return [_balance(row) for row in rows]

    def write_back_request(self, message: WriteBack) -> HttpCall:
        if message.kind is WriteBackKind.OFFER:
            return HttpCall("POST", self.config.campaign_path, json=self._campaign(message))
        fields = {self.config.customer_fields.get(k, k): v for k, v in message.values.items()}
        fields[self.config.key_field] = message.key
        fields[self.config.kind_field] = message.kind.value
        return HttpCall("PUT", self._customer_path(message.customer_id), json={"body": fields})

    def _customer_path(self, customer_id: str) -> str:
        return self.config.customer_path.format(customer_id=quote(customer_id, safe=""))

    def _campaign(self, message: WriteBack) -> dict[str, Any]:
        """Spotlight's createCampaign body: a campaign of one, named by the key so a repeat is recognised."""
        values = message.values
        content = {"placeholderId": values.get("placeholder_id", self.config.campaign_placeholder)}
        content |= _present(values, {"target_url": "targetURL", "image_url": "imageURL"})
        return {
            "campaignName": f"{CAMPAIGN_PREFIX}{message.key}",
            "campaignDescription": values.get("description", "pointflow offer"),
            "campaignType": self.config.campaign_type,
            "campaignPriority": values.get("priority", "1"),
            "objectiveType": "SINGLE",
            "profileIdList": [{"profileId": self.config.campaign_profile, "customerId": message.customer_id}],
            "onlineContent": [content],
            **_present(
                values,
                {
                    "product_id": "productId",
                    "product_group_id": "productGroupId",
                    "starts_on": "startDate",
                    "expires_on": "endDate",
                },
            ),
        }


def _present(values: Mapping[str, str], names: Mapping[str, str]) -> dict[str, str]:
    return {native: values[ours] for ours, native in names.items() if ours in values}


def _envelope(body: Any, shape: type) -> tuple[Mapping[str, Any], Any]:
    """The common IRIS envelope {header, body}; an error envelope is refused with Transact's message."""
    if not isinstance(body, Mapping):
        raise InvalidEvent("the response must be a JSON object", field="<body>")
    if body.get("error") is not None:
        raise InvalidEvent(f"Transact answered with an error: {_error_text(body['error'])}", field="error")
    header, data = body.get("header", {}), body.get("body")
    if not isinstance(header, Mapping):
        raise InvalidEvent("header must be an object", field="header")
    if not isinstance(data, shape):
        raise InvalidEvent(f"body must be an {'array' if shape is list else 'object'}", field="body")
    return header, data


def _error_text(error: Any) -> str:
    if isinstance(error, Mapping):
        details = error.get("errorDetails")
        first = details[0] if isinstance(details, list) and details else error
        if isinstance(first, Mapping):
            return str(first.get("message") or first.get("code") or "no message")[:200]
    return "no message"


def _scalar(data: Mapping[str, Any], name: str) -> str | None:
    """A code Transact may write as a string or a number (customerStatus 4, sectorId 1001)."""
    value = data.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal) and value.is_finite():
        return str(value)
    if isinstance(value, str) and len(value) <= 256:
        return value.strip()
    raise InvalidEvent(f"{name} must be a short string or a number", field=name)


def _pick(data: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, str]:
    picked = {key: _scalar(data, native) for native, key in names.items()}
    return {key: value for key, value in picked.items() if value}


def _groups(data: Mapping[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for (array, item_field), key in _PII_GROUPS.items():
        value = _first(data, array, item_field)
        if value:
            found[key] = value
    return found


def _first(data: Mapping[str, Any], array: str, item_field: str) -> str | None:
    items = data.get(array)
    if items is None:
        return None
    if not isinstance(items, list) or not all(isinstance(item, Mapping) for item in items):
        raise InvalidEvent(f"{array} must be an array of objects", field=array)
    return next((v for item in items if (v := _scalar(item, item_field))), None)


def _iso_date(data: Mapping[str, Any], name: str) -> date | None:
    value = f.text(data, name, required=False, max_len=10)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidEvent(f"{name} {value!r} is not an ISO 8601 date", field=name) from None


def _balance(row: Any) -> AccountBalance:
    if not isinstance(row, Mapping):
        raise InvalidEvent("each balance must be an object", field="body")
    code = f.currency(row, "currencyId")
    working = _money(row, ("workingBalance", "ledgerBalance"), code)
    assert working is not None
    return AccountBalance(
        account_id=f.identifier(row, "accountId"),
        balance=working,
        available=_money(row, ("useableBalance", "clearedBalance"), code, required=False),
        product=f.text(row, "productId", required=False, max_len=64),
    )


def _money(
    row: Mapping[str, Any], names: tuple[str, ...], code: str, *, required: bool = True
) -> Money | None:
    """The first balance present; Transact types balances as signed decimal strings ("-1500.00")."""
    name = next((n for n in names if row.get(n) not in (None, "")), None)
    if name is None:
        if required:
            raise InvalidEvent(f"{names[0]} is required", field=names[0])
        return None
    value = row[name]
    if not isinstance(value, str) or not _SIGNED_DECIMAL.match(value.strip()):
        raise InvalidEvent(f"{name} must be a decimal string such as '-1500.00'", field=name)
    return Money(Decimal(value.strip()), code)
