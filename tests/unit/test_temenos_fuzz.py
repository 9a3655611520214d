"""Whatever arrives, the temenos connector answers with items, events, InvalidEvent or NotATransaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointflow.adapters.connectors.temenos import TemenosConnector, TemenosCoreApi
from pointflow.adapters.connectors.temenos.envelope import JOURNAL_EVENT
from pointflow.domain.errors import InvalidEvent, NotATransaction
from pointflow.domain.events import TransactionPosted
from pointflow.service_layer.ports import DecodeLimits

CONNECTOR = TemenosConnector()
API = TemenosCoreApi()
LIMITS = DecodeLimits(Decimal("1000000"), 24)
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=10,
)
# Values a decoder may be handed directly, beyond what JSON parsing yields.
wild_values = st.one_of(json_values, st.decimals(), st.floats(), st.binary(max_size=8))


def now() -> datetime:
    return datetime(2021, 3, 17, tzinfo=UTC)


def valid_entry() -> dict[str, Any]:
    return {
        "arrangementId": "AA21075G5KLM",
        "journalEntryType": "STMT",
        "transactionAmount": "-42.50",
        "customerId": "100100",
        "currency": "USD",
        "bookingDate": "20210316",
        "processingDate": "20210316",
        "valueDate": "20210316",
        "transactionCode": "400",
        "creditDebitIndicator": "D",
        "narratives": ["FRESHMART", "5411", "FreshMart", "US"],
        "narrativeNames": ["NARRATIVE", "MCC", "MERCHANT.NAME", "MERCHANT.COUNTRY"],
        "entryReference": "159870392510020.000001",
        "reversalMarker": "R",
        "originalEntryReference": "159870392510020.000000",
    }


def valid_event(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": "e-1",
        "source": "/transact",
        "type": JOURNAL_EVENT,
        "time": "2021-03-16T14:30:00Z",
        "data": {"journalEntries": [entry]},
    }


def outcome(payload: Any) -> str:
    """Decode, allowing only the two named refusals; anything else escapes and fails the test."""
    refusal: InvalidEvent | None = None
    try:
        result = CONNECTOR.decode(payload, limits=LIMITS, now=now)
    except InvalidEvent as error:
        refusal = error
    except NotATransaction:
        return "ignored"
    if refusal is not None:
        assert refusal.detail
        assert refusal.field
        return "invalid"
    return type(result).__name__


def check_document(body: bytes) -> None:
    for item in CONNECTOR.split(body):
        assert CONNECTOR.split(item.raw.encode()) == [item]
        source = CONNECTOR.source_id(item.payload)
        assert source is None or isinstance(source, str)
        if item.parse_error is None:
            outcome(item.payload)


@FUZZ
@given(st.binary(max_size=200))
def test_any_bytes_split_into_replayable_items(body: bytes) -> None:
    check_document(body)


@FUZZ
@given(json_values)
def test_any_json_document_splits_and_decodes_or_is_refused_by_name(document: Any) -> None:
    check_document(json.dumps(document).encode())


@FUZZ
@given(st.lists(st.dictionaries(st.sampled_from(sorted(valid_entry())), scalars, max_size=6), max_size=3))
def test_cloud_events_with_random_entries_split_and_decode_safely(entries: list[Any]) -> None:
    check_document(json.dumps(valid_event({}) | {"data": {"journalEntries": entries}}).encode())


mutations = st.lists(
    st.tuples(st.sampled_from(sorted(valid_entry())), st.one_of(st.just("<delete>"), wild_values)),
    min_size=1,
    max_size=4,
)


def mutate(target: dict[str, Any], changes: list[tuple[str, Any]]) -> dict[str, Any]:
    mutated = dict(target)
    for name, value in changes:
        if value == "<delete>":
            mutated.pop(name, None)
        else:
            mutated[name] = value
    return mutated


@FUZZ
@given(mutations)
def test_a_mutated_journal_entry_decodes_or_is_refused_by_name(changes: list[tuple[str, Any]]) -> None:
    outcome(valid_event(mutate(valid_entry(), changes)))


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(sorted(valid_event({}))), wild_values), min_size=1, max_size=3))
def test_a_mutated_envelope_decodes_or_is_refused_by_name(changes: list[tuple[str, Any]]) -> None:
    outcome(mutate(valid_event(valid_entry()), changes))


@FUZZ
@given(st.text(max_size=200), wild_values)
def test_a_mutated_event_store_record_decodes_or_is_refused_by_name(payload: str, event_type: Any) -> None:
    outcome({"eventId": "e", "eventType": event_type, "payload": payload})
    outcome({"eventId": "e", "eventType": JOURNAL_EVENT, "payload": payload})


def test_the_unmutated_entries_decode() -> None:
    # The fuzzed payloads start from events that decode, so a mutation is what makes them fail.
    assert outcome(valid_event(valid_entry())) == "TransactionReversed"
    posted = valid_entry()
    del posted["reversalMarker"]
    assert isinstance(CONNECTOR.decode(valid_event(posted), limits=LIMITS, now=now), TransactionPosted)


@FUZZ
@given(wild_values, wild_values)
def test_the_core_api_parsers_refuse_bad_bodies_by_name(header: Any, body: Any) -> None:
    fields: list[str | None] = []
    for parse in (API.parse_customer, API.parse_balances):
        for document in ({"header": header, "body": body}, body, {"header": {"id": "1"}, "body": [body]}):
            try:
                parse(document)
            except InvalidEvent as error:
                fields.append(error.field)
    assert all(fields)
