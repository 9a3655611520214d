"""Fuzz: whatever arrives, the shipped mappings answer with items, InvalidEvent or NotATransaction only."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from pointflow.adapters.connectors import CONNECTORS
from pointflow.adapters.connectors.mapping import MappedItem, MappingConnector
from pointflow.adapters.connectors.mapping.json_document import dumps
from pointflow.adapters.connectors.mapping.paths import Several, Structure, Unreadable
from pointflow.domain.errors import InvalidEvent, NotATransaction
from pointflow.domain.events import TransactionPosted, TransactionReversed
from pointflow.service_layer.ports import Connector, DecodeLimits
from tests.unit.test_camt_support import document
from tests.unit.test_camt_support import entry as camt_entry
from tests.unit.test_mapping_finacle import PURCHASE, REVERSAL, response
from tests.unit.test_mapping_flexcube import entry, notification

LIMITS = DecodeLimits(Decimal("1000000"), 24)
NOW = datetime(2024, 5, 16, 9, 0, tzinfo=UTC)
SHIPPED = sorted(name for name, c in CONNECTORS.items() if isinstance(c, MappingConnector))
EXAMPLES = {
    "flexcube": notification(entry(), entry(ref="001POS2413600013", event="REVR")),
    "finacle": response(PURCHASE, REVERSAL),
    "generic-mapping": b'[{"event_type": "transaction.posted", "transaction_id": "t1", "account_id": "a",'
    b' "customer_id": "c", "amount": "1.00", "currency": "EUR", "timestamp": "2024-05-15T10:00:00Z"}]',
    "mambu-mapping": b'[{"encodedKey": "8a01", "type": "WITHDRAWAL", "amount": -4.50, "currencyCode": "EUR",'
    b' "accountHolderId": "CL-1", "parentAccountKey": "8a02", "bookingDate": "2024-05-15T10:00:00+02:00",'
    b' "cardTransaction": {"cardAcceptor": {"name": "Cafe", "mcc": 5812, "country": "DE"}}}]',
    "camt053-v02-mapping": document(
        camt_entry(version="02"), camt_entry(version="02", reference=""), version="02"
    ),
    "camt053-v08-mapping": document(camt_entry(), camt_entry(extra="<RvslInd>true</RvslInd>", reference="")),
}
XML_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2FF), max_size=12)
WORDS = st.sampled_from(["ACC_ENTRY", "REVR", "D", "C", "Y", "N", "-3.50", "0", "EUR", "SUCCESS", "5812", ""])


def check(connector: Connector, body: bytes) -> None:
    """split never raises, every item replays to itself, decode raises only the two domain errors."""
    for item in connector.split(body):
        assert connector.split(item.raw.encode()) == [item]
        if item.parse_error is None:
            result = outcome(connector, item.payload)
            assert isinstance(result, TransactionPosted | TransactionReversed) or result.detail
            connector.source_id(item.payload)


def outcome(connector: Connector, payload: Any) -> Any:
    try:
        return connector.decode(payload, limits=LIMITS, now=lambda: NOW)
    except (InvalidEvent, NotATransaction) as error:
        return error


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SHIPPED), st.binary(max_size=300))
def test_random_bytes(name: str, body: bytes) -> None:
    check(CONNECTORS[name], body)


@st.composite
def mutated_xml(draw: st.DrawFn, name: str) -> bytes:
    root = etree.fromstring(EXAMPLES[name])
    for _ in range(draw(st.integers(1, 6))):
        nodes = list(root.iter(etree.Element))
        node = nodes[draw(st.integers(0, len(nodes) - 1))]
        action = draw(st.sampled_from(["delete", "text", "copy", "empty"]))
        parent = node.getparent()
        if action == "delete" and parent is not None:
            parent.remove(node)
        elif action == "copy" and parent is not None:
            parent.append(copy.deepcopy(node))
        elif action == "empty":
            node.text = None
        else:
            node.text = draw(st.one_of(WORDS, XML_TEXT))
    return etree.tostring(root)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["flexcube", "finacle"]).flatmap(lambda n: st.tuples(st.just(n), mutated_xml(n))))
def test_mutated_xml_examples(case: tuple[str, bytes]) -> None:
    name, body = case
    check(CONNECTORS[name], body)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(SHIPPED), st.data())
def test_truncated_examples(name: str, data: st.DataObject) -> None:
    body = EXAMPLES[name]
    check(CONNECTORS[name], body[: data.draw(st.integers(0, len(body)))])


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.decimals(allow_nan=False), XML_TEXT, WORDS),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(XML_TEXT | WORDS, inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=60, deadline=None)
@given(JSON_VALUES)
def test_random_json_documents(document: Any) -> None:
    check(CONNECTORS["generic-mapping"], dumps(document).encode())


ODD_VALUES = st.one_of(
    JSON_VALUES,
    st.builds(Several, st.integers(2, 5)),
    st.builds(Structure, st.sampled_from(["object", "array"])),
    st.builds(Unreadable, XML_TEXT),
)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(SHIPPED), st.data())
def test_decode_of_any_values_at_the_mappings_paths(name: str, data: st.DataObject) -> None:
    connector = CONNECTORS[name]
    assert isinstance(connector, MappingConnector)
    paths, contexts = connector.mapping.item_paths, connector.mapping.context_paths
    item = MappedItem(
        {p: data.draw(st.one_of(ODD_VALUES, WORDS)) for p in paths},
        {c: data.draw(st.one_of(ODD_VALUES, WORDS)) for c in contexts},
    )
    result = outcome(connector, item)
    assert isinstance(result, TransactionPosted | TransactionReversed | InvalidEvent | NotATransaction)
    connector.source_id(item)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(SHIPPED), JSON_VALUES)
def test_a_payload_that_split_did_not_make_is_invalid_naming_the_body(name: str, payload: Any) -> None:
    connector = CONNECTORS[name]
    with pytest.raises(InvalidEvent) as caught:
        connector.decode(payload, limits=LIMITS, now=lambda: NOW)
    assert caught.value.field == "<body>"
    assert connector.source_id(payload) is None
