"""Fuzz: random bytes, random camt-shaped XML and mutated samples never break split() or decode()."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from pointflow.adapters.connectors.camt import CamtConnector
from pointflow.adapters.mcc import is_known
from pointflow.domain.errors import InvalidEvent, NotATransaction
from pointflow.domain.events import CanonicalEvent, TransactionPosted, event_record, record_text
from pointflow.domain.money import CURRENCY_MINOR_UNITS
from pointflow.service_layer.ports import DecodeLimits
from tests.shared import COREBANKING

CAMT = CamtConnector(max_document_bytes=200_000)
LIMITS = DecodeLimits(Decimal("1000000000"), 24)
NOW = datetime(2025, 1, 1, tzinfo=UTC)
ID = re.compile(r"^[\w.:\-/#@+]{1,128}$")
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def now() -> datetime:
    return NOW


@cache
def samples() -> tuple[bytes, ...]:
    return tuple(path.read_bytes() for path in sorted((COREBANKING / "iso20022" / "samples").glob("*.xml")))


def assert_canonical(event: CanonicalEvent) -> None:
    assert event.source.system == "camt"
    assert ID.match(event.source.id)
    assert ID.match(event.customer_id)
    minor = CURRENCY_MINOR_UNITS[event.money.currency]
    assert Decimal(0) < event.money.amount <= LIMITS.max_amount
    assert event.money.amount.as_tuple().exponent == -minor
    assert event.booked_at.tzinfo is UTC
    assert (
        datetime(2000, 1, 1, tzinfo=UTC)
        <= event.booked_at
        <= NOW + timedelta(hours=LIMITS.max_future_skew_hours)
    )
    assert isinstance(event.value_date, date)
    if isinstance(event, TransactionPosted):
        assert ID.match(event.account_id)
        assert event.mcc is None or is_known(event.mcc)
        assert event.merchant_country is None or re.fullmatch(r"[A-Z]{2}", event.merchant_country)
        for text in (event.merchant_name, event.description):
            assert text is None or 0 < len(text.strip()) <= 256
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in event.extra.items())
    else:
        assert ID.match(event.original_source_id)
    record_text(event_record(event))


def check(body: bytes) -> None:
    """split never raises, replays every item to itself, and decode only refuses in the two allowed ways."""
    for item in CAMT.split(body):
        assert CAMT.split(item.raw.encode()) == [item]
        assert (item.parse_error is None) != (item.payload is None)
        if item.parse_error is not None:
            continue
        CAMT.source_id(item.payload)
        try:
            event = CAMT.decode(item.payload, limits=LIMITS, now=now)
        except (InvalidEvent, NotATransaction) as refused:
            problem = refused.detail
        else:
            assert_canonical(event)
            continue
        assert problem


@FAST
@given(st.binary(max_size=2000))
def test_random_bytes(body: bytes) -> None:
    check(body)


NAMESPACES = [
    f"urn:iso:std:iso:20022:tech:xsd:camt.{k}.001.{v}" for k in ("052", "053", "054") for v in ("02", "08")
]
BODIES = {
    "052": ("BkToCstmrAcctRpt", "Rpt"),
    "053": ("BkToCstmrStmt", "Stmt"),
    "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
}
TX = "Ntry/NtryDtls/TxDtls/"
AMOUNTS = st.sampled_from(
    ["1", "0", "12.50", "0.01", "-3", "1e5", "99999999999999999999", "0.001", "abc", " 7 "]
)
DATES = st.sampled_from(["2024-05-15", "2024-02-30", "1999-01-01", "9999-12-31", "2024-05-15Z", "x", ""])
MOMENTS = st.sampled_from(["2024-05-15T10:00:00Z", "2024-05-15T10:00:00", "0001-01-01T00:00:00+01:00", "?"])
WORDS = st.sampled_from(["Café Central", "Shell Tankstelle", "MCC 5812", "MCC5411", "MCC0001", "ACME", ""])
REQUIRED = {
    "Ntry/Amt": AMOUNTS,
    "Ntry/Amt/@Ccy": st.sampled_from(["EUR", "JPY", "KWD", "XYZ", "eur", ""]),
    "Ntry/CdtDbtInd": st.sampled_from(["CRDT", "DBIT", "DBIT", "X"]),
    "Ntry/Sts/Cd": st.sampled_from(["BOOK", "BOOK", "PDNG", "?"]),
    "Acct/Id/IBAN": st.sampled_from(["CH9300762011623852957", "CH93 0076 2011", "x" * 200, "a b"]),
    f"{TX}Refs/Prtry/Tp": st.sampled_from(["OrgnlAcctSvcrRef", "Other"]),
    f"{TX}Refs/Prtry/Ref": st.one_of(st.just("ORIGINAL-1"), st.text(max_size=40)),
}
OPTIONAL = {
    "CreDtTm": MOMENTS,
    "Ntry/RvslInd": st.sampled_from(["true", "true", "false", "1", "yes"]),
    "Ntry/BookgDt/Dt": DATES,
    "Ntry/BookgDt/DtTm": MOMENTS,
    "Ntry/ValDt/Dt": DATES,
    "Ntry/AcctSvcrRef": st.text(max_size=40),
    "Ntry/NtryRef": st.text(max_size=40),
    "Ntry/BkTxCd/Domn/Cd": st.sampled_from(["PMNT", "ACMT", "LDAS", "??"]),
    "Ntry/BkTxCd/Domn/Fmly/Cd": st.sampled_from(["CCRD", "RCDT", "CNTR", "MDOP"]),
    "Ntry/BkTxCd/Domn/Fmly/SubFmlyCd": st.sampled_from(["POSD", "CWDL", "SALA", "CHRG", "INTR", "ZZZZ"]),
    "Ntry/BkTxCd/Prtry/Cd": WORDS,
    "Ntry/AddtlNtryInf": WORDS,
    "Acct/Ownr/Id/PrvtId/Othr/Id": st.text(max_size=20),
    f"{TX}RltdPties/Cdtr/Pty/Nm": st.one_of(WORDS, st.text(max_size=300)),
    f"{TX}RltdPties/Cdtr/Nm": WORDS,
    f"{TX}RltdPties/Dbtr/Pty/Nm": WORDS,
    f"{TX}RltdPties/Cdtr/Pty/PstlAdr/Ctry": st.sampled_from(["CH", "ch", "Schweiz", ""]),
    f"{TX}CardTx/Card/PlainCardData/PAN": st.text(alphabet="0123456789 x", max_size=30),
    f"{TX}CardTx/Tx/Indv/PmtCntxt/CardPres": st.sampled_from(["true", "false", "?"]),
    f"{TX}AddtlTxInf": WORDS,
}


@FAST
@given(
    st.sampled_from(NAMESPACES),
    st.fixed_dictionaries(REQUIRED, optional=OPTIONAL),
)
def test_random_camt_entries(namespace: str, values: dict[str, str]) -> None:
    body, record_name = BODIES[namespace.split("camt.")[1][:3]]
    document = etree.Element(f"{{{namespace}}}Document", nsmap={None: namespace})
    record = etree.SubElement(
        etree.SubElement(document, f"{{{namespace}}}{body}"), f"{{{namespace}}}{record_name}"
    )
    for path, value in sorted(values.items()):
        _put(record, namespace, path, "".join(c for c in value if c.isprintable()))
    check(etree.tostring(document))


def _put(record: etree._Element, namespace: str, path: str, value: str) -> None:
    element = record
    names = path.split("/")
    for name in names[:-1]:
        child = element.find(f"{{{namespace}}}{name}")
        element = child if child is not None else etree.SubElement(element, f"{{{namespace}}}{name}")
    if names[-1].startswith("@"):
        element.set(names[-1][1:], value)
        return
    etree.SubElement(element, f"{{{namespace}}}{names[-1]}").text = value


BRANCHES = ["Stmt", "Acct", "Id", "Ntry", "Sts", "BookgDt", "NtryDtls", "TxDtls", "RltdPties", "Cdtr", "Pty"]
LEAVES = ["Amt", "CdtDbtInd", "Cd", "Dt", "DtTm", "AcctSvcrRef", "IBAN", "Nm", "RvslInd"]


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(NAMESPACES).flatmap(
        lambda ns: st.recursive(
            st.tuples(st.sampled_from(LEAVES), st.text(max_size=12)).map(lambda p: _leaf(ns, *p)),
            lambda kids: st.tuples(st.sampled_from(BRANCHES), st.lists(kids, max_size=3)).map(
                lambda p: _node(ns, *p)
            ),
            max_leaves=12,
        )
    )
)
def test_random_trees_under_a_camt_namespace(tree: etree._Element) -> None:
    namespace = etree.QName(tree).namespace or ""
    body, record_name = BODIES[namespace.split("camt.")[1][:3]]
    document = etree.Element(f"{{{namespace}}}Document", nsmap={None: namespace})
    etree.SubElement(
        etree.SubElement(document, f"{{{namespace}}}{body}"), f"{{{namespace}}}{record_name}"
    ).append(tree)
    check(etree.tostring(document))


def _leaf(namespace: str, name: str, text: str) -> etree._Element:
    element = etree.Element(f"{{{namespace}}}{name}")
    element.text = "".join(c for c in text if c.isprintable())
    if name == "Amt":
        element.set("Ccy", "EUR")
    return element


def _node(namespace: str, name: str, kids: list[etree._Element]) -> etree._Element:
    element = etree.Element(f"{{{namespace}}}{name}")
    element.extend(kids)
    return element


@FAST
@given(st.data())
def test_byte_mutations_of_the_samples(data: st.DataObject) -> None:
    body = bytearray(data.draw(st.sampled_from(samples())))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(body)))
        cut = data.draw(st.integers(0, 20))
        body[at : at + cut] = data.draw(st.binary(max_size=8))
    check(bytes(body))


TEXTS = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        ["0", "-1", "1.005", "CRDT", "DBIT", "BOOK", "true", "2024-01-01", "2124-01-01T00:00:00Z", "XXX"]
    ),
)


@FAST
@given(st.data())
def test_structural_mutations_of_the_samples(data: st.DataObject) -> None:
    root = etree.fromstring(data.draw(st.sampled_from(samples())))
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    for _ in range(data.draw(st.integers(1, 5))):
        target = data.draw(st.sampled_from(elements))
        action = data.draw(st.sampled_from(["text", "drop", "copy", "attr"]))
        parent = target.getparent()
        if action == "text":
            target.text = "".join(c for c in data.draw(TEXTS) if c.isprintable())
        elif action == "attr":
            target.set("Ccy", data.draw(st.sampled_from(["EUR", "XYZ", "", "jpy", "JPY"])))
        elif parent is not None and action == "drop":
            parent.remove(target)
        elif parent is not None:
            parent.append(etree.fromstring(etree.tostring(target)))
        elements = [e for e in root.iter() if isinstance(e.tag, str)]
    check(etree.tostring(root))
