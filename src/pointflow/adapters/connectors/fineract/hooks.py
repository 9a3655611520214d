"""Fineract hook (webhook) bodies: a savings deposit or withdrawal becomes a posting, any other command is
not a transaction, and a body that reports an exception is invalid."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from pointflow.adapters.connectors import fields as f
from pointflow.adapters.connectors.fineract import values as v
from pointflow.adapters.connectors.fineract.localized import request_amount, request_date
from pointflow.adapters.connectors.fineract.postings import SYSTEM, Context
from pointflow.domain.errors import InvalidEvent, NotATransaction
from pointflow.domain.events import Direction, SourceRef, TransactionPosted, TransactionType
from pointflow.domain.money import Money

_SAVINGS_POSTINGS = {
    "DEPOSIT": (Direction.CREDIT, TransactionType.DEPOSIT),
    "WITHDRAWAL": (Direction.DEBIT, TransactionType.OTHER),  # a hook does not say whether it was cash
}


def is_hook(payload: Mapping[str, Any]) -> bool:
    return "entityName" in payload and "actionName" in payload


def decode(body: Mapping[str, Any], ctx: Context, currency: str | None) -> TransactionPosted:
    entity = f.text(body, "entityName", max_len=64)
    action = f.text(body, "actionName", max_len=64)
    if body.get("status") == "Exception":
        raise InvalidEvent(
            f"Fineract reports that {entity} {action} failed: {_failure(body)}", field="status"
        )
    if entity != "SAVINGSACCOUNT" or action not in _SAVINGS_POSTINGS:
        raise NotATransaction(f"the hook {entity} {action} is not a savings deposit or withdrawal")
    request = v.mapping(body, "request", required=True)
    response = v.mapping(body, "response", required=True)
    assert request is not None
    assert response is not None
    direction, transaction_type = _SAVINGS_POSTINGS[action]
    code = _currency(currency)
    with v.within("request"):
        money = Money(_amount(request, code, ctx), code)
        value_date = _date(request)
        note = v.optional_text(request, "note")
        extra = _payment(request)
    with v.within("response"):
        transaction, account = v.long_id(response, "resourceId"), v.long_id(response, "savingsId")
    return TransactionPosted(
        source=SourceRef(SYSTEM, f"savings:{transaction}"),
        customer_id=f"client:{_client(body, response)}",
        account_id=f"savingsaccount:{account}",
        money=money,
        direction=direction,
        transaction_type=transaction_type,
        booked_at=f.timestamp(body, "timestamp", ctx.now, ctx.limits.max_future_skew_hours),
        value_date=value_date,
        description=note,
        extra=extra,
    )


def source_id(body: Mapping[str, Any]) -> str | None:
    response = body.get("response")
    if isinstance(response, Mapping) and body.get("entityName") == "SAVINGSACCOUNT":
        resource = response.get("resourceId")
        if isinstance(resource, int) and not isinstance(resource, bool):
            return f"savings:{resource}"
    return None


def _failure(body: Mapping[str, Any]) -> str:
    response = body.get("response")
    if not isinstance(response, Mapping):
        return "no details"
    message = response.get("defaultUserMessage") or response.get("developerMessage") or "no message"
    codes = ", ".join(
        f"{k} {response[k]}" for k in ("statusCode", "errorCode") if response.get(k) is not None
    )
    return f"{str(message)[:200]}" + (f" ({codes})" if codes else "")


def _currency(currency: str | None) -> str:
    if currency is None:
        raise InvalidEvent(
            "a hook carries no currency; set POINTFLOW_FINERACT_CURRENCY to the tenant's currency",
            field="currency",
        )
    return currency


def _amount(request: Mapping[str, Any], code: str, ctx: Context) -> Decimal:
    raw = request.get("transactionAmount")
    locale = request.get("locale") if isinstance(request.get("locale"), str) else None
    if isinstance(raw, str):
        raw = request_amount(raw, locale)
    return f.amount({"transactionAmount": raw}, "transactionAmount", code, ctx.limits.max_amount)


def _date(request: Mapping[str, Any]) -> date:
    text = f.text(request, "transactionDate", max_len=40)
    assert text is not None
    pattern = f.text(request, "dateFormat", required=False, max_len=40)
    locale = f.text(request, "locale", required=False, max_len=20)
    return request_date(text, pattern, locale, "transactionDate")


def _payment(request: Mapping[str, Any]) -> dict[str, str]:
    if request.get("paymentTypeId") is None:
        return {}
    return {"payment_type_id": str(v.long_id(request, "paymentTypeId"))}


def _client(body: Mapping[str, Any], response: Mapping[str, Any]) -> int:
    if body.get("clientId") is not None:
        return v.long_id(body, "clientId")
    with v.within("response"):
        return v.long_id(response, "clientId")
