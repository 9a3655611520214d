"""The sandbox bank speaking Temenos: journal-entry CloudEvents out; the party, holdings and Infinity
campaign APIs answered as Transact and Infinity would."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pointflow.adapters.connectors.temenos.config import TemenosConfig
from pointflow.adapters.connectors.temenos.core_api import CAMPAIGN_PREFIX
from pointflow.adapters.connectors.temenos.envelope import JOURNAL_EVENT
from pointflow.domain.events import (
    CanonicalEvent,
    Channel,
    Direction,
    ReversalKind,
    TransactionPosted,
    TransactionReversed,
    TransactionType,
)
from pointflow.domain.money import CURRENCY_MINOR_UNITS
from pointflow.sim.bank import SimCustomer
from pointflow.sim.platforms import SandboxState

_AUDIT = {"T24_time": 112, "versionNumber": "1", "requestParse_time": 3, "responseParse_time": 2}
_CARD_CODES = frozenset({"400", "401", "402", "403", "405", "406", "407"})


class TemenosSandbox:
    """A Transact core with an Infinity campaign engine in front, reading the sandbox bank's state."""

    name = "temenos"

    def __init__(self, config: TemenosConfig | None = None, *, company: str = "US0010001") -> None:
        self.config = config or TemenosConfig()
        self.company = company
        codes = self.config.transaction_codes
        self._posting_codes: dict[tuple[TransactionType, Channel], str] = {}
        self._reversal_codes: dict[ReversalKind, str] = {}
        for code, meaning in codes.items():
            if meaning.reversal is None:
                self._posting_codes.setdefault((meaning.transaction_type, meaning.channel), code)
            else:
                self._reversal_codes.setdefault(meaning.reversal, code)
        self._customer_route = _route(self.config.customer_path)

    # --- documents -----------------------------------------------------------------------------------

    def documents(self, events: Sequence[CanonicalEvent]) -> list[bytes]:
        """One accountingJournalEntriesUpdated CloudEvent per event; a fee also books the bank's CATEG leg."""
        seen: dict[str, dict[str, Any]] = {}
        out: list[bytes] = []
        for event in events:
            if isinstance(event, TransactionPosted):
                entries = self._posted(event)
                seen[event.source.id] = entries[0]
            else:
                entries = [self._reversed(event, seen.get(event.original_source_id))]
            out.append(json.dumps(self._cloud_event(event, entries)).encode())
        return out

    def event_store_record(self, document: bytes) -> bytes:
        """The same CloudEvent as the Event Store keeps it: a record whose payload is the event's text."""
        event = json.loads(document)
        record = {
            "eventId": event["id"],
            "eventType": JOURNAL_EVENT,
            "eventDetails": "Accounting entries raised on authorisation",
            "eventSourceId": "Transact",
            "userId": "INPUTTER",
            "tenantId": "sandbox",
            "organizationId": self.company,
            "priority": 1,
            "payload": document.decode(),
            "status": "NEW",
            "creationTime": event["time"].removesuffix("Z"),
        }
        return json.dumps(record).encode()

    def _cloud_event(self, event: CanonicalEvent, entries: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "specversion": "1.0",
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"temenos:{event.source.id}")),
            "source": f"/transact/{self.company}",
            "type": JOURNAL_EVENT,
            "time": event.booked_at.isoformat().replace("+00:00", "Z"),
            "datacontenttype": "application/json",
            "data": {"journalEntries": entries},
        }

    def _posted(self, event: TransactionPosted) -> list[dict[str, Any]]:
        code = event.extra.get("bank_transaction_code") or self._posting_codes.get(
            (event.transaction_type, event.channel)
        )
        if code is None:
            raise ValueError(
                f"no transaction code means {event.transaction_type.value} by {event.channel.value}; "
                "add one to TemenosConfig.transaction_codes"
            )
        debit = event.direction is Direction.DEBIT
        entry = {
            **self._entry(event, code, negative=debit),
            "arrangementId": event.account_id,
            "valueDate": event.value_date.strftime("%Y%m%d"),
            **_narratives(event),
        }
        if event.transaction_type is not TransactionType.FEE:
            return [entry]
        # The charge's other leg books the bank's income (a CATEG entry): real events carry both.
        income = {**self._entry(event, code, negative=not debit), "journalEntryType": "CATEG"}
        income |= {"categoryId": "52000", "entryReference": f"{event.source.id}.CATEG"}
        del income["customerId"]
        return [entry, income]

    def _reversed(self, event: TransactionReversed, original: dict[str, Any] | None) -> dict[str, Any]:
        marked = event.kind is ReversalKind.REVERSAL
        if not marked and event.kind not in self._reversal_codes:
            raise ValueError(f"no transaction code books a {event.kind.value}; add one to the code table")
        code = self._reversal_codes.get(event.kind, "")
        if marked:  # Transact reverses an entry under the original's code, marked R
            code = original["transactionCode"] if original else "400"
        reverses_debit = original is None or original["creditDebitIndicator"] == "D"
        entry = {
            **self._entry(event, code, negative=not reverses_debit),
            self.config.original_reference_field: event.original_source_id,
            "valueDate": event.value_date.strftime("%Y%m%d"),
        }
        if marked:
            entry["reversalMarker"] = "R"
        if original is not None:
            entry["arrangementId"] = original["arrangementId"]
        return entry

    def _entry(self, event: CanonicalEvent, code: str, *, negative: bool) -> dict[str, Any]:
        reference = "FT" + hashlib.sha256(event.source.id.encode()).hexdigest()[:10].upper()
        booked = event.booked_at.strftime("%Y%m%d")
        return {
            "journalEntryType": "STMT",
            "transactionAmount": f"{'-' if negative else ''}{event.money.amount}",
            "customerId": event.customer_id,
            "currency": event.money.currency,
            "bookingDate": booked,
            "processingDate": booked,
            "transactionCode": code,
            "creditDebitIndicator": "D" if negative else "C",
            "categoryId": "1001",
            "companyId": self.company,
            "contractId": reference,
            "systemId": "CARD" if code in _CARD_CODES else "FT",
            "transactionReference": reference,
            "entryReference": event.source.id,
            "accountOfficer": "1",
        }

    # --- the API -------------------------------------------------------------------------------------

    def answer(
        self,
        method: str,
        path: str,
        body: Any,
        state: SandboxState,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, Any]:
        del headers  # Temenos' APIs carry the write-back key in the body (campaignName, a local ref)
        parts = urlsplit(path)
        customer = self._customer_route.fullmatch(parts.path)
        if customer and method == "GET":
            return _customer_answer(customer.group(1), state, self.company)
        if customer and method == "PUT":
            return self._update_customer(customer.group(1), body, state)
        if method == "GET" and parts.path == urlsplit(self.config.balances_path).path:
            return _balances_answer(parse_qs(parts.query), state)
        if method == "POST" and parts.path == urlsplit(self.config.campaign_path).path:
            return _campaign_answer(body, state)
        return 404, _screen_error("", "RESOURCE.NOT.FOUND", f"No API answers {method} {parts.path}")

    def _update_customer(self, customer_id: str, body: Any, state: SandboxState) -> tuple[int, Any]:
        if state.customer(customer_id) is None:
            return 404, _screen_error(customer_id, "EB-RECORD.NOT.FOUND", "Customer record not found")
        fields = body.get("body") if isinstance(body, Mapping) else None
        if not isinstance(fields, Mapping):
            fields = {}
        key, kind = fields.get(self.config.key_field), fields.get(self.config.kind_field)
        if not isinstance(key, str) or not key or not isinstance(kind, str):
            reason = f"{self.config.key_field} and {self.config.kind_field} are mandatory"
            return 400, _screen_error(customer_id, "EB-INPUT.MISSING", reason)
        state.record_write_back(key=key, kind=kind, customer_id=customer_id, body=body)
        header = {
            "id": customer_id,
            "status": "success",
            "transactionStatus": "Live",
            "uniqueIdentifier": key,
        }
        return 200, {"header": {**header, "audit": _AUDIT}, "body": dict(fields)}


def _route(template: str) -> re.Pattern[str]:
    before, _, after = urlsplit(template).path.partition("{customer_id}")
    return re.compile(re.escape(before) + "([^/]+)" + re.escape(after))


def _narratives(event: TransactionPosted) -> dict[str, list[str]]:
    tagged = [
        ("NARRATIVE", event.description),
        ("MERCHANT.NAME", event.merchant_name),
        ("MCC", event.mcc),
        ("MERCHANT.COUNTRY", event.merchant_country),
    ]
    present = [(name, text) for name, text in tagged if text]
    return {"narratives": [t for _, t in present], "narrativeNames": [n for n, _ in present]}


def _customer_answer(customer_id: str, state: SandboxState, company: str) -> tuple[int, Any]:
    customer = state.customer(customer_id)
    if customer is None:
        return 404, _screen_error(customer_id, "EB-RECORD.NOT.FOUND", "Customer record not found")
    header = {"id": customer_id, "status": "success", "transactionStatus": "Live", "audit": _AUDIT}
    return 200, {"header": header, "body": _customer_body(customer, company)}


def _customer_body(customer: SimCustomer, company: str) -> dict[str, Any]:
    given, _, last = customer.full_name.partition(" ")
    device = {"email": customer.email, "phoneNumber": customer.phone, "smsNumber": customer.phone}
    return {
        "customerMnemonic": (last + customer.customer_id[-4:]).upper(),
        "givenName": given,
        "lastName": last,
        "displayNames": [{"displayName": customer.full_name}],
        "customerNames": [{"customerName": customer.full_name}],
        "communicationDevices": [{**device, "communicationType": "Campaign", "preferredChannel": "EMAIL"}],
        # Temenos' definition caps these codes (sectorId ≤ 8, industryId ≤ 10), so small ones are used.
        "customerStatus": 1,
        "sectorId": 1,
        "industryId": 1,
        "target": 1,
        "nationalityId": customer.home_country,
        "residenceId": customer.home_country,
        "language": 1,
        "accountOfficerId": 1,
        "customerCompany": company,
        "isKycComplete": True,
    }


def _balances_answer(query: Mapping[str, list[str]], state: SandboxState) -> tuple[int, Any]:
    customer_id = (query.get("customerId") or [""])[0]
    customer = state.customer(customer_id) if customer_id else None
    if customer is None:
        return 404, _query_error("No records were found that matched the selection criteria")
    amount = _format(state.balance(customer.account_id), state.currency)
    row = {
        "accountId": customer.account_id,
        "accountName": "Current Account",
        "productId": "CURACC",
        "currencyId": state.currency,
        "workingBalance": amount,
        "ledgerBalance": amount,
        "clearedBalance": amount,
        "lockedAmount": _format(Decimal(0), state.currency),
        "useableBalance": amount,
    }
    header = {"audit": _AUDIT, "status": "success", "page_size": 99, "page_start": 1, "total_size": 1}
    return 200, {
        "header": {**header, "page_token": str(uuid.uuid5(uuid.NAMESPACE_URL, customer_id))},
        "body": [row],
    }


def _campaign_answer(body: Any, state: SandboxState) -> tuple[int, Any]:
    name = body.get("campaignName") if isinstance(body, Mapping) else None
    profiles = body.get("profileIdList") if isinstance(body, Mapping) else None
    first = profiles[0] if isinstance(profiles, list) and profiles else None
    customer_id = first.get("customerId") if isinstance(first, Mapping) else None
    if not isinstance(name, str) or not name.startswith(CAMPAIGN_PREFIX) or not isinstance(customer_id, str):
        return 400, _quantum_error(400, "campaignName and profileIdList[0].customerId are mandatory")
    if state.customer(customer_id) is None:
        return 404, _quantum_error(404, f"Customer {customer_id} not found")
    key = name.removeprefix(CAMPAIGN_PREFIX)
    state.record_write_back(key=key, kind="offer", customer_id=customer_id, body=body)
    campaign_id = "CMP" + hashlib.sha256(key.encode()).hexdigest()[:12].upper()
    return 200, {"opstatus": 0, "httpStatusCode": 200, "code": "0", "id": campaign_id, "message": "Success"}


def _format(amount: Decimal, currency: str) -> str:
    return str(amount.quantize(Decimal(1).scaleb(-CURRENCY_MINOR_UNITS[currency])))


def _screen_error(record: str, code: str, message: str) -> dict[str, Any]:
    header = {"id": record, "status": "failed", "transactionStatus": "Live", "audit": _AUDIT}
    details = [{"fieldName": "", "code": code, "message": message}]
    return {"header": header, "error": {"type": "BUSINESS", "errorDetails": details}}


def _query_error(message: str) -> dict[str, Any]:
    header = {"status": "failed", "audit": _AUDIT}
    return {"header": header, "error": {"type": "BUSINESS", "code": "TGVCP-007", "message": message}}


def _quantum_error(status: int, message: str) -> dict[str, Any]:
    return {"opstatus": status, "httpStatusCode": status, "code": str(status), "message": message}
