"""camt split(): versions told apart by namespace, one replayable item per entry, hostile XML refused fast."""

from __future__ import annotations

import time

import pytest

from pointflow.adapters.connectors import CONNECTORS
from pointflow.adapters.connectors.camt import CamtConnector
from pointflow.adapters.connectors.camt.payload import CamtEntry, CamtRefusal
from pointflow.domain.errors import InvalidEvent
from pointflow.domain.events import TransactionPosted
from tests.unit.test_camt_support import CONNECTOR, LIMITS, decode_one, document, entry, now

VERSIONS = [(kind, version) for kind in ("052", "053", "054") for version in ("02", "04", "08")]


def test_the_camt_connector_is_registered_under_its_name() -> None:
    assert isinstance(CONNECTORS["camt"], CamtConnector)


@pytest.mark.parametrize(("kind", "version"), VERSIONS)
def test_every_supported_message_and_version_is_read_from_its_namespace(kind: str, version: str) -> None:
    body = document(entry(version=version), kind=kind, version=version)
    (item,) = CONNECTOR.split(body)
    assert isinstance(item.payload, CamtEntry)
    assert item.payload.message == f"camt.{kind}.001.{version}"
    assert f"urn:iso:std:iso:20022:tech:xsd:camt.{kind}.001.{version}" in item.raw
    assert isinstance(decode_one(body), TransactionPosted)


@pytest.mark.parametrize(
    "namespace",
    [
        "urn:iso:std:iso:20022:tech:xsd:camt.053.001.06",
        "urn:iso:std:iso:20022:tech:xsd:camt.053.001.10",
        "urn:iso:std:iso:20022:tech:xsd:camt.055.001.08",
        "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09",
        "urn:example:not-camt",
    ],
)
def test_other_namespaces_are_refused_naming_the_namespace(namespace: str) -> None:
    body = f'<Document xmlns="{namespace}"><BkToCstmrStmt/></Document>'.encode()
    (item,) = CONNECTOR.split(body)
    assert isinstance(item.payload, CamtRefusal)
    with pytest.raises(InvalidEvent) as caught:
        CONNECTOR.decode(item.payload, limits=LIMITS, now=now)
    assert namespace in caught.value.detail
    assert caught.value.field == "Document/@xmlns"
    assert CONNECTOR.split(item.raw.encode()) == [item]


def test_a_document_without_a_namespace_is_refused() -> None:
    (item,) = CONNECTOR.split(b"<Document><BkToCstmrStmt/></Document>")
    with pytest.raises(InvalidEvent, match="namespace"):
        CONNECTOR.decode(item.payload, limits=LIMITS, now=now)


def test_a_root_other_than_document_is_refused_naming_it() -> None:
    body = b'<BkToCstmrStmt xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"/>'
    (item,) = CONNECTOR.split(body)
    with pytest.raises(InvalidEvent) as caught:
        CONNECTOR.decode(item.payload, limits=LIMITS, now=now)
    assert caught.value.field == "Document"
    assert "BkToCstmrStmt" in caught.value.detail


def test_a_supported_namespace_with_the_wrong_message_element_is_refused_naming_it() -> None:
    body = b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrAcctRpt/></Document>'
    (item,) = CONNECTOR.split(body)
    with pytest.raises(InvalidEvent) as caught:
        CONNECTOR.decode(item.payload, limits=LIMITS, now=now)
    assert caught.value.field == "BkToCstmrStmt"


def test_each_entry_of_each_record_becomes_its_own_self_contained_item() -> None:
    first = entry(reference="<AcctSvcrRef>A-1</AcctSvcrRef>")
    second = entry(reference="<AcctSvcrRef>A-2</AcctSvcrRef>", amount="7.00")
    body = document(first, second).replace(
        b"</Stmt>",
        b"</Stmt><Stmt><Id>REC-2</Id><Acct>"
        b"<Id><Othr><Id>ACC-2</Id></Othr></Id></Acct>" + first.encode() + b"</Stmt>",
    )
    items = CONNECTOR.split(body)
    assert [CONNECTOR.source_id(i.payload) for i in items] == ["A-1", "A-2", "A-1"]
    for item in items:
        assert item.raw.count("<Ntry>") == 1
        assert item.raw.count("<Stmt>") == 1
        assert "<GrpHdr>" in item.raw
        assert CONNECTOR.split(item.raw.encode()) == [item]
    assert [decode_one(i.raw.encode()).account_id for i in items] == [
        "CH9300762011623852957",
        "CH9300762011623852957",
        "ACC-2",
    ]


def test_a_statement_without_entries_gives_no_items() -> None:
    assert CONNECTOR.split(document()) == []


def test_a_prefixed_namespace_and_a_latin_1_encoding_are_read_and_replay() -> None:
    ns = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.04"
    text = (
        f'<?xml version="1.0" encoding="ISO-8859-1"?><c:Document xmlns:c="{ns}"><c:BkToCstmrDbtCdtNtfctn>'
        "<c:Ntfctn><c:Id>N</c:Id><c:Acct><c:Id><c:IBAN>CH9300762011623852957</c:IBAN></c:Id></c:Acct>"
        '<c:Ntry><c:Amt Ccy="CHF">5.00</c:Amt><c:CdtDbtInd>DBIT</c:CdtDbtInd><c:Sts>BOOK</c:Sts>'
        "<c:BookgDt><c:Dt>2024-05-15</c:Dt></c:BookgDt><c:AcctSvcrRef>R-1</c:AcctSvcrRef>"
        "<c:NtryDtls><c:TxDtls><c:RltdPties><c:Cdtr><c:Nm>Café Zürich</c:Nm></c:Cdtr></c:RltdPties>"
        "</c:TxDtls></c:NtryDtls></c:Ntry></c:Ntfctn></c:BkToCstmrDbtCdtNtfctn></c:Document>"
    )
    (item,) = CONNECTOR.split(text.encode("latin-1"))
    assert CONNECTOR.split(item.raw.encode()) == [item]
    event = CONNECTOR.decode(item.payload, limits=LIMITS, now=now)
    assert isinstance(event, TransactionPosted)
    assert event.merchant_name == "Café Zürich"


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&lol9;</Document>'
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">&x;</Document>'
)
NETWORK_DTD = (
    b'<?xml version="1.0"?><!DOCTYPE Document SYSTEM "http://127.0.0.1:9/camt.dtd">'
    b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"/>'
)
UTF16_BOMB = (
    BILLION_LAUGHS.decode().replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16")
)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(BILLION_LAUGHS, id="billion laughs"),
        pytest.param(EXTERNAL_ENTITY, id="external entity"),
        pytest.param(NETWORK_DTD, id="external DTD"),
        pytest.param(UTF16_BOMB, id="billion laughs in UTF-16"),
        pytest.param(b"<Document><Stmt>", id="unclosed"),
        pytest.param(b"", id="empty"),
        pytest.param(b"\xff\xfe\x00garbage", id="binary"),
        pytest.param(b"{}", id="JSON"),
    ],
)
def test_hostile_or_broken_xml_becomes_one_parse_error_item_quickly(body: bytes) -> None:
    started = time.perf_counter()
    items = CONNECTOR.split(body)
    assert time.perf_counter() - started < 1
    assert len(items) == 1
    assert items[0].parse_error
    assert items[0].payload is None
    assert "root:" not in items[0].raw  # nothing from /etc/passwd was read in
    assert CONNECTOR.split(items[0].raw.encode()) == items


def test_a_document_over_the_size_limit_is_refused_before_parsing() -> None:
    small = CamtConnector(max_document_bytes=100)
    (item,) = small.split(document(entry()))
    assert item.parse_error == "the document is larger than the limit of 100 bytes"
    assert small.split(item.raw.encode()) == [item]
    assert CONNECTOR.split(document(entry()))[0].parse_error is None


def test_source_id_reads_the_reference_and_never_raises() -> None:
    (item,) = CONNECTOR.split(document(entry()))
    assert CONNECTOR.source_id(item.payload) == "REF-0001"
    (broken,) = CONNECTOR.split(document(entry(), account=""))
    assert CONNECTOR.source_id(broken.payload) == "REF-0001"
    assert CONNECTOR.source_id(None) is None
    assert CONNECTOR.source_id({"Ntry/AcctSvcrRef": "x"}) is None


def test_an_unknown_payload_is_refused_naming_the_body() -> None:
    with pytest.raises(InvalidEvent) as caught:
        CONNECTOR.decode({"not": "camt"}, limits=LIMITS, now=now)
    assert caught.value.field == "<body>"


def test_native_field_names_the_camt_path() -> None:
    assert CONNECTOR.native_field("money") == "Ntry/Amt"
    assert CONNECTOR.native_field("booked_at") == "Ntry/BookgDt"
    assert CONNECTOR.native_field("anything_else") == "anything_else"
