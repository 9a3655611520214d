"""split() of mapping connectors: self-contained raws that replay to the same item, bounded cost, safe XML."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from pointflow.adapters.connectors import CONNECTORS
from pointflow.adapters.connectors.mapping import MappingConnector, load_mapping_text
from pointflow.service_layer.ports import DecodeLimits, RawEvent

STATEMENTS = MappingConnector(
    load_mapping_text(
        """
name: statements
format: json
items: $.statements[*].entries[*]
context:
  account: $.statements[*].account
  bank: $.header.bank
event: posted
fields:
  source_id: id
  customer_id: {context: bank}
  account_id: {context: account}
  amount: {path: amount, sign: negative_is_debit}
  currency: {constant: EUR}
  booked_at: {path: day, type: date, timezone: UTC}
limits: {max_items: 5, max_depth: 8, max_bytes: 4000}
"""
    )
)
ENTRIES = MappingConnector(
    load_mapping_text(
        """
name: entries
format: xml
namespaces: {c: "urn:example:stmt"}
items: //c:Ntry
context:
  account: ancestor::c:Stmt/c:Acct
event: posted
fields:
  source_id: c:Ref
  customer_id: /c:Doc/c:Owner
  account_id: {context: account}
  amount: c:Amt
  currency: c:Amt/@Ccy
  booked_at: {path: c:Day, type: date, timezone: UTC}
limits: {max_items: 5}
"""
    )
)


FIELDS = "fields: {source_id: id, customer_id: c, account_id: a, amount: m, currency: c, booked_at: t}"


def tiny(head: str) -> MappingConnector:
    """A JSON mapping with throwaway fields, for tests about cutting documents."""
    return MappingConnector(load_mapping_text(f"format: json\nevent: posted\n{head}\n{FIELDS}\n"))


def statement_document() -> dict[str, Any]:
    return {
        "header": {"bank": "BANK1", "created": "2024-05-15"},
        "statements": [
            {"account": "ACC-A", "entries": [{"id": "a1", "amount": "-5.00"}, {"id": "a2", "amount": 7}]},
            {"account": "ACC-B", "entries": [{"id": "b1", "amount": Decimal("1.50")}]},
            {"account": "ACC-C", "entries": []},
        ],
    }


def xml_document(entries_a: int = 2) -> bytes:
    entry = '<Ntry><Ref>{ref}</Ref><Amt Ccy="EUR">{amt}</Amt><Day>2024-05-15</Day></Ntry>'
    a = "".join(entry.format(ref=f"a{i}", amt=f"{i + 1}.00") for i in range(entries_a))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Doc xmlns="urn:example:stmt"><Owner>cust-1</Owner>\n'
        f"<Stmt><Acct>ACC-A</Acct>{a}<!-- a comment --></Stmt>\n"
        f"<Stmt><Acct>ACC-B</Acct>{entry.format(ref='b1', amt='9.99')}</Stmt>\n</Doc>"
    ).encode()


def assert_round_trip(connector: Any, items: list[RawEvent]) -> None:
    for item in items:
        assert connector.split(item.raw.encode()) == [item]


def test_each_json_item_keeps_its_own_statement_and_the_header_but_no_other_entry() -> None:
    items = STATEMENTS.split(json.dumps(statement_document(), default=str).encode())
    assert [i.payload.values["id"] for i in items] == ["a1", "a2", "b1"]
    assert [i.payload.context["account"] for i in items] == ["ACC-A", "ACC-A", "ACC-B"]
    assert all(i.payload.context["bank"] == "BANK1" for i in items)
    raw = json.loads(items[2].raw)
    assert raw["header"] == {"bank": "BANK1", "created": "2024-05-15"}
    assert [s["account"] for s in raw["statements"]] == ["ACC-B"]  # not the statements beside its own
    assert_round_trip(STATEMENTS, items)


def test_json_numbers_stay_exact_decimals_in_the_raw_of_a_cut_document() -> None:
    entries = b'[{"id": "x", "amount": 1.10}, {"id": "y", "amount": 2e2}]'
    body = b'{"statements": [{"account": "A", "entries": ' + entries + b"}]}"
    first, second = STATEMENTS.split(body)
    assert first.payload.values["amount"] == Decimal("1.10")
    assert '"amount":1.10' in first.raw
    assert second.payload.values["amount"] == Decimal("2E+2")
    assert_round_trip(STATEMENTS, [first, second])


def test_each_xml_item_keeps_its_ancestors_and_the_documents_other_parts_but_no_other_item() -> None:
    items = ENTRIES.split(xml_document())
    assert [i.payload.values["c:Ref"] for i in items] == ["a0", "a1", "b1"]
    assert [i.payload.context["account"] for i in items] == ["ACC-A", "ACC-A", "ACC-B"]
    assert all(i.payload.values["/c:Doc/c:Owner"] == "cust-1" for i in items)
    assert items[2].raw.count("<Ntry>") == 1
    assert "ACC-A" not in items[2].raw
    assert "a comment" in items[0].raw
    assert_round_trip(ENTRIES, items)


def test_a_document_with_one_item_is_its_own_raw_byte_for_byte() -> None:
    body = xml_document(entries_a=0)
    [item] = ENTRIES.split(body)
    assert item.raw == body.decode()


@pytest.mark.parametrize(
    ("connector", "body", "reason"),
    [
        pytest.param(STATEMENTS, b'{"statements": [', "malformed JSON", id="malformed JSON"),
        pytest.param(STATEMENTS, b'{"a": "\xff\xfe"}', "nothing in the document", id="invalid UTF-8"),
        pytest.param(STATEMENTS, b'"just a string"', "JSON object or array", id="a JSON string"),
        pytest.param(STATEMENTS, b"[[[[[[[[[[1]]]]]]]]]]", "deeper than 8", id="too deep"),
        pytest.param(STATEMENTS, b"[" * 100_000, "", id="deeper than the parser goes"),
        pytest.param(
            CONNECTORS["generic-mapping"], b"1" * 5000, "unreadable JSON", id="more digits than int()"
        ),
        pytest.param(STATEMENTS, b" " * 5000, "larger than the mapping's limit", id="too large"),
        pytest.param(ENTRIES, b"<Doc><Ntry>", "malformed XML", id="malformed XML"),
        pytest.param(ENTRIES, b"<Doc/>", "nothing in the document matches", id="no items"),
        pytest.param(ENTRIES, b"\x00\x01", "malformed XML", id="binary"),
    ],
)
def test_an_unreadable_document_is_one_item_with_a_reason_that_replays_the_same(
    connector: Any, body: bytes, reason: str
) -> None:
    [item] = connector.split(body)
    assert item.payload is None
    assert item.parse_error is not None
    assert reason in item.parse_error
    assert_round_trip(connector, [item])


def test_more_items_than_the_limit_refuses_the_document() -> None:
    entries = [{"id": f"e{i}", "amount": 1} for i in range(6)]
    [item] = STATEMENTS.split(json.dumps({"statements": [{"account": "A", "entries": entries}]}).encode())
    assert item.parse_error == "the document holds more than 5 items, the mapping's limit"
    [xml_item] = ENTRIES.split(xml_document(entries_a=5))
    assert xml_item.parse_error == "the document holds more than 5 items, the mapping's limit"


def test_items_inside_items_are_refused() -> None:
    nested = tiny("name: nested\nitems: $..entries[*]")
    [item] = nested.split(b'{"entries": [{"id": 1, "entries": [{"id": 2}]}]}')
    assert item.parse_error is not None
    assert "inside other items" in item.parse_error


def test_a_huge_header_repeated_for_every_item_refuses_the_document_instead_of_costing_without_bound() -> (
    None
):
    wide = tiny("name: wide\nitems: $.e[*]\nlimits: {max_items: 100000, max_bytes: 67108864}")
    body = json.dumps({"header": "h" * 2_000_000, "e": [{} for _ in range(20)]}).encode()
    started = time.perf_counter()
    [item] = wide.split(body)
    assert time.perf_counter() - started < 5
    assert item.parse_error is not None
    assert "repeat its header" in item.parse_error


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<Doc xmlns="urn:example:stmt"><Stmt><Acct>&lol4;</Acct><Ntry><Ref>x</Ref></Ntry></Stmt></Doc>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Doc [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Doc xmlns="urn:example:stmt"><Stmt><Acct>&secret;</Acct><Ntry><Ref>x</Ref></Ntry></Stmt></Doc>"""


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(BILLION_LAUGHS, id="entity expansion"),
        pytest.param(EXTERNAL_ENTITY, id="external entity"),
        pytest.param(b'<!DOCTYPE Doc SYSTEM "http://example.invalid/doc.dtd"><Doc/>', id="external DTD"),
    ],
)
def test_a_document_type_declaration_is_refused_before_anything_is_read(body: bytes) -> None:
    [item] = ENTRIES.split(body)
    assert item.parse_error is not None
    assert item.raw == body.decode()  # the text as sent, never expanded
    assert "DTD" in item.parse_error or "malformed" in item.parse_error
    assert_round_trip(ENTRIES, [item])


def test_a_document_declaring_another_encoding_is_refused() -> None:
    body = xml_document().replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')
    [item] = ENTRIES.split(body)
    assert item.parse_error == "the document declares encoding ISO-8859-1; send UTF-8"


def test_allow_empty_makes_a_document_without_items_an_empty_list() -> None:
    empty = tiny("name: empty\nitems: $.e[*]\nallow_empty: true")
    assert empty.split(b'{"e": []}') == []
    assert STATEMENTS.split(b'{"statements": []}')[0].parse_error is not None


def test_every_shipped_mapping_is_a_registered_connector() -> None:
    assert {"flexcube", "finacle", "generic-mapping"} <= set(CONNECTORS)


def test_items_that_are_members_of_an_object_are_cut_one_per_raw() -> None:
    keyed = tiny("name: keyed\nitems: $.accounts.*")
    items = keyed.split(b'{"bank": "B", "accounts": {"x": {"id": "1"}, "y": {"id": "2"}}}')
    assert [json.loads(i.raw) for i in items] == [
        {"bank": "B", "accounts": {"x": {"id": "1"}}},
        {"bank": "B", "accounts": {"y": {"id": "2"}}},
    ]
    assert_round_trip(keyed, items)


def test_a_document_of_a_batch_without_items_is_refused_alone() -> None:
    items = STATEMENTS.split(
        b'[{"statements": []}, {"statements": [{"account": "A", "entries": [{"id": "x"}]}]}]'
    )
    assert items[0].parse_error is not None
    assert items[0].raw == '[{"statements":[]}]'
    assert items[1].payload.values["id"] == "x"
    assert_round_trip(STATEMENTS, items)


def test_xpath_numbers_and_booleans_are_values_too() -> None:
    counted = MappingConnector(
        load_mapping_text(
            """
name: counted
format: xml
namespaces: {c: "urn:example:stmt"}
items: //c:Ntry
event: posted
fields:
  source_id: c:Ref
  customer_id: /c:Doc/c:Owner
  account_id: ../c:Acct
  amount: c:Amt
  currency: c:Amt/@Ccy
  booked_at: {path: c:Day, type: date, timezone: UTC}
  extra:
    siblings: count(../c:Ntry)
    cents: number(c:Amt) * 100
    half: number(c:Amt) div 2
    has_ref: boolean(c:Ref)
    missing: number(c:Nothing)
"""
        )
    )
    [item] = counted.split(xml_document(entries_a=0))
    event = counted.decode(
        item.payload, limits=DecodeLimits(Decimal(10**6), 24), now=lambda: datetime(2024, 6, 1, tzinfo=UTC)
    )
    assert event.extra == {"siblings": "1", "cents": "999", "half": "4.995", "has_ref": "true"}
