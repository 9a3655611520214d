"""Whatever arrives, the Fineract connector answers with items, events, InvalidEvent or NotATransaction:
random bytes, damaged Avro envelopes and JSON renderings with random values never raise anything else."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointflow.adapters.connectors.fineract import FineractConnector, load_schemas
from pointflow.adapters.connectors.fineract.schemas import LOAN_TRANSACTION, MESSAGE, SAVINGS_TRANSACTION
from pointflow.domain.errors import InvalidEvent, NotATransaction
from pointflow.domain.events import TransactionPosted, TransactionReversed
from pointflow.service_layer.ports import DecodeLimits
from tests.shared import COREBANKING

SCHEMAS = load_schemas(COREBANKING / "fineract" / "avro")
CONNECTORS = (FineractConnector(SCHEMAS, currency="USD"), FineractConnector())
LIMITS = DecodeLimits(Decimal("1000000"), 24)
NOW = datetime(2024, 5, 16, 9, 0, tzinfo=UTC)
FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def deposit_message() -> bytes:
    payload = {
        "id": 47,
        "transactionType": {"deposit": True},
        "accountId": 1,
        "date": "2024-05-15",
        "currency": {"code": "USD"},
        "amount": Decimal("500.25"),
        "paymentDetailData": {"paymentType": {"name": "Purchase", "isCashPayment": False}},
        "note": "fuzz",
    }
    envelope = {
        "id": 1,
        "source": "s",
        "type": "SavingsDepositBusinessEvent",
        "category": "Savings",
        "createdAt": "2024-05-15T10:15:30",
        "businessDate": "2024-05-15",
        "tenantId": "default",
        "idempotencyKey": "k",
        "dataschema": SAVINGS_TRANSACTION,
        "data": SCHEMAS.write(SAVINGS_TRANSACTION, payload),
    }
    return SCHEMAS.write(MESSAGE, envelope)


GOOD = deposit_message()
RENDERING: dict[str, Any] = json.loads(CONNECTORS[0].split(GOOD)[0].raw)


def survives(body: bytes) -> None:
    """split never raises and round-trips; decode gives an event or one of the two domain errors."""
    for connector in CONNECTORS:
        for item in connector.split(body):
            assert connector.split(item.raw.encode()) == [item]
            if item.parse_error is not None:
                continue
            outcome: object
            try:
                outcome = connector.decode(item.payload, limits=LIMITS, now=lambda: NOW)
            except (InvalidEvent, NotATransaction) as refused:
                outcome = refused
            if isinstance(outcome, InvalidEvent | NotATransaction):
                assert outcome.detail
                assert outcome.field is None or isinstance(outcome.field, str)
            else:
                assert isinstance(outcome, TransactionPosted | TransactionReversed)
            connector.source_id(item.payload)


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes_never_raise_anything_else(body: bytes) -> None:
    survives(body)


@FUZZ
@given(st.data())
def test_a_damaged_envelope_never_raises_anything_else(data: st.DataObject) -> None:
    body = bytearray(GOOD)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(body) - 1))
        action = data.draw(st.sampled_from(["flip", "insert", "delete"]))
        if action == "flip":
            body[at] ^= data.draw(st.integers(1, 255))
        elif action == "insert":
            body[at:at] = data.draw(st.binary(min_size=1, max_size=4))
        elif len(body) > 1:
            del body[at]
    survives(bytes(body))


def test_the_undamaged_envelope_decodes() -> None:
    (item,) = CONNECTORS[0].split(GOOD)
    assert isinstance(CONNECTORS[0].decode(item.payload, limits=LIMITS, now=lambda: NOW), TransactionPosted)


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
FIELDS = st.sampled_from(
    [
        ("id",),
        ("type",),
        ("createdAt",),
        ("dataschema",),
        ("data",),
        ("data", "id"),
        ("data", "amount"),
        ("data", "date"),
        ("data", "currency"),
        ("data", "currency", "code"),
        ("data", "transactionType"),
        ("data", "transactionType", "withdrawal"),
        ("data", "paymentDetailData"),
        ("data", "paymentDetailData", "paymentType"),
        ("data", "isReversal"),
        ("data", "originalTransactionId"),
        ("data", "transfer"),
        ("data", "note"),
    ]
)


def replaced(document: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    copy = dict(document)
    head, *rest = path
    inner = copy.get(head)
    copy[head] = replaced(inner, tuple(rest), value) if rest and isinstance(inner, dict) else value
    return copy


def dumped(document: Any) -> bytes:
    return json.dumps(document, default=str).encode()


@FUZZ
@given(st.lists(st.tuples(FIELDS, JSON_VALUES), min_size=1, max_size=3))
def test_a_rendering_with_random_values_never_raises_anything_else(changes: list[Any]) -> None:
    document = RENDERING
    for path, value in changes:
        document = replaced(document, path, value)
    survives(dumped(document))


@FUZZ
@given(JSON_VALUES, st.sampled_from([SAVINGS_TRANSACTION, LOAN_TRANSACTION, "x"]))
def test_any_json_payload_under_any_schema_never_raises_anything_else(value: Any, schema: str) -> None:
    survives(dumped({**RENDERING, "dataschema": schema, "data": value}))
    survives(dumped(value))
    survives(
        dumped({"entityName": "SAVINGSACCOUNT", "actionName": "DEPOSIT", "request": value, "response": value})
    )
