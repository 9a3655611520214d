"""Two real connectors as mappings: mambu-mapping.yaml and camt053-v0X-mapping.yaml decode the samples,
the sandbox bank's history and the connectors' own test payloads to the same events, failing on the same
field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
import yaml

from pointflow.adapters.connectors import CONNECTORS
from pointflow.adapters.connectors.mapping import (
    MappingConnector,
    MappingInvalid,
    load_mapping_text,
    shipped_mappings_dir,
)
from pointflow.adapters.connectors.mapping.json_document import dumps
from pointflow.domain.errors import InvalidEvent, NotATransaction
from pointflow.domain.events import (
    CanonicalEvent,
    ReversalKind,
    TransactionPosted,
    TransactionReversed,
    TransactionType,
)
from pointflow.service_layer.ports import Connector, DecodeLimits
from pointflow.sim.emit import canonical_history, native_documents
from pointflow.sim.platforms.camt import CamtPlatform
from pointflow.sim.platforms.mambu import MambuSandbox
from tests.shared import COREBANKING
from tests.unit import test_camt_decode as camt_tests
from tests.unit import test_mambu_connector as mambu_tests
from tests.unit.test_camt_merchant import PROPRIETARY_CODE
from tests.unit.test_camt_support import ACCOUNT, document, entry, party

LIMITS = DecodeLimits(Decimal("1000000"), 24)
TESTS_NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)  # the clock of the connectors' own tests
SANDBOX_NOW = datetime(2030, 1, 1, tzinfo=UTC)
MAMBU, MAMBU_MAPPED = CONNECTORS["mambu"], CONNECTORS["mambu-mapping"]
CAMT = CONNECTORS["camt"]
CAMT_MAPPED = {"02": CONNECTORS["camt053-v02-mapping"], "08": CONNECTORS["camt053-v08-mapping"]}
SAMPLES = COREBANKING / "iso20022" / "samples"
CANONICAL = [
    "source_id",
    "original_source_id",
    "customer_id",
    "account_id",
    "money",
    "amount",
    "currency",
    "direction",
    "transaction_type",
    "kind",
    "booked_at",
    "value_date",
    "mcc",
    "merchant_name",
    "merchant_country",
    "channel",
    "description",
]


def outcomes(connector: Connector, body: bytes, now: datetime = TESTS_NOW) -> list[Any]:
    """What the ingress makes of a body: each item's event, ("ignored",), or ("invalid", field) as the
    quarantine records it (an item split could not read is quarantined with field <body>)."""
    found: list[Any] = []
    for item in connector.split(body):
        if item.parse_error is not None:
            found.append(("invalid", "<body>"))
            continue
        try:
            found.append(connector.decode(item.payload, limits=LIMITS, now=lambda: now))
        except NotATransaction:
            found.append(("ignored",))
        except InvalidEvent as error:
            found.append(("invalid", error.field))
    return found


def assert_same(real: Connector, mapped: Connector, body: bytes, now: datetime = TESTS_NOW) -> list[Any]:
    expected = outcomes(real, body, now)
    assert expected
    assert outcomes(mapped, body, now) == expected
    return expected


def assert_replayable(mapped: Connector, body: bytes) -> None:
    """Each item's raw text splits back to that item, and its source id is the event's."""
    for item in mapped.split(body):
        assert mapped.split(item.raw.encode()) == [item]
        if item.parse_error is None:
            event = mapped.decode(item.payload, limits=LIMITS, now=lambda: SANDBOX_NOW)
            assert mapped.source_id(item.payload) == event.source.id


@cache
def history() -> tuple[CanonicalEvent, ...]:
    return tuple(canonical_history(customers=6, months=2, start=date(2024, 1, 1), seed=7))


def kinds_of(events: list[Any]) -> set[Any]:
    found: set[Any] = set()
    for event in events:
        if isinstance(event, TransactionPosted):
            found |= {event.transaction_type, event.channel, *event.extra}
        elif isinstance(event, TransactionReversed):
            found.add(event.kind)
    return found


def test_the_mappings_are_registered_and_name_the_native_fields_as_the_connectors_do() -> None:
    for real, mapped in [(MAMBU, MAMBU_MAPPED), (CAMT, CAMT_MAPPED["02"]), (CAMT, CAMT_MAPPED["08"])]:
        assert isinstance(mapped, MappingConnector)
        assert [mapped.native_field(n) for n in CANONICAL] == [real.native_field(n) for n in CANONICAL]


# --- Mambu ----------------------------------------------------------------------------------------------


def test_the_sandbox_tenants_pages_and_webhooks_decode_to_the_same_events() -> None:
    sandbox = MambuSandbox()
    documents = [*native_documents(sandbox, history()), *sandbox.webhook_bodies(history())]
    decoded = [e for body in documents for e in assert_same(MAMBU, MAMBU_MAPPED, body, SANDBOX_NOW)]
    assert len(decoded) == 2 * len(history())
    assert {e.source.system for e in decoded} == {"mambu"}
    assert set(ReversalKind) | {TransactionType.QUASI_CASH, TransactionType.LOAN_REPAYMENT} <= kinds_of(
        decoded
    )
    for body in documents[:3] + documents[-3:]:
        assert_replayable(MAMBU_MAPPED, body)


def _without(payload: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k not in keys}


def _card_with(mcc: int, channel: str | None) -> dict[str, Any]:
    payload = mambu_tests.card_purchase()
    payload["cardTransaction"]["cardAcceptor"]["mcc"] = mcc
    if channel:
        payload["transactionDetails"] = {"transactionChannelId": channel}
    return payload


def _plain(kind: str, amount: Any, **changes: Any) -> dict[str, Any]:
    return _without(mambu_tests.card_purchase(type=kind, amount=amount, **changes), "cardTransaction")


MAMBU_PAYLOADS: dict[str, Any] = {
    "card purchase": mambu_tests.card_purchase(),
    **{f"{k} {a}": _plain(k, a) for k, a, _, _ in mambu_tests.POSTED_TYPES},
    **{k: mambu_tests.adjustment(k) for k in sorted(mambu_tests.kinds.REVERSED)},
    **{k: mambu_tests.card_purchase(type=k) for k in sorted(mambu_tests.kinds.NO_POSTING)},
    "chargeback": mambu_tests.adjustment(
        "CARD_TRANSACTION_REVERSAL", transactionDetails={"transactionChannelId": "chargeback"}
    ),
    "adjusted later": mambu_tests.card_purchase(adjustmentTransactionKey="8a00000000000000000000000000adj1"),
    "atm mcc": _card_with(6011, None),
    "quasi-cash mcc": _card_with(6051, None),
    "card not present": _card_with(5411, "CARD_NOT_PRESENT"),
    "atm channel": _card_with(5411, "atm"),
    "type channel on a card": _card_with(5411, "INTERNATIONAL_PAYMENT"),
    "direct debit": _plain("WITHDRAWAL", "-5", transactionDetails={"transactionChannelId": "DIRECT_DEBIT"}),
    "branch": _plain("WITHDRAWAL", "-5", transactionDetails={"transactionChannelId": "BRANCH"}),
    "salary": _plain("DEPOSIT", "5", transactionDetails={"transactionChannelId": "SALARY_CREDIT"}),
    "mobile": _plain("DEPOSIT", "5", transactionDetails={"transactionChannelId": "Mobile"}),
    "unmapped channel": _plain(
        "DEPOSIT", "1800", transactionDetails={"transactionChannelId": "SEPA_PAYROLL"}
    ),
    "loan repayment": _plain(
        "TRANSFER", Decimal("-42.50"), transferDetails={"linkedLoanTransactionKey": "8a01"}
    ),
    "alpha-3 country": mambu_tests.card(country="DEU"),
    "local time": mambu_tests.card_purchase(bookingDate="2024-05-15T16:30:00", valueDate="2024-05-15"),
    "organisation day": mambu_tests.card_purchase(
        bookingDate="2024-05-15T00:30:00+02:00", valueDate="2024-05-15T00:00:00+02:00"
    ),
    "no value date": _without(
        mambu_tests.card_purchase(bookingDate="2024-05-15T00:30:00+02:00"), "valueDate"
    ),
    "no holder": _without(mambu_tests.card_purchase(), "accountHolderId"),
    "long notes": mambu_tests.card_purchase(notes="n" * 1000),
    "a page": [mambu_tests.card_purchase(), mambu_tests.adjustment()],
    "an adjustment with odd card data": mambu_tests.adjustment(cardTransaction="yes"),
}


@pytest.mark.parametrize("payload", MAMBU_PAYLOADS.values(), ids=MAMBU_PAYLOADS.keys())
def test_the_mambu_tests_transactions_decode_to_the_same_events(payload: Any) -> None:
    assert_same(MAMBU, MAMBU_MAPPED, dumps(payload).encode())


def _rendered(**changes: str) -> bytes:
    return mambu_tests.rendered(**{**mambu_tests.CARD_VALUES, **changes}).encode()


_NO_CARD = {k: "" for k in mambu_tests.CARD_VALUES if k.startswith("CARD_")}
TEMPLATES: dict[str, bytes] = {
    "card": _rendered(),
    "no card": _rendered(**_NO_CARD, event="SAVINGS_DEPOSIT", TRANSACTION_AMOUNT="42.50"),
    "reversal": _rendered(
        event="SAVINGS_WITHDRAWAL_REVERSAL", TRANSACTION_AMOUNT="42.50", ORIGINAL_TRANSACTION_KEY="8a000001"
    ),
    "reversal without original": _rendered(event="SAVINGS_WITHDRAWAL_REVERSAL", TRANSACTION_AMOUNT="42.50"),
    **{f"empty {p}": _rendered(**{p: ""}) for p in ["TRANSACTION_KEY", "CLIENT_ID", "ACCOUNT_KEY"]},
    **{f"empty {p}": _rendered(**{p: ""}) for p in ["TRANSACTION_AMOUNT", "TRANSACTION_BOOKING_DATE"]},
    "empty currency": _rendered(ACCOUNT_CURRENCY=""),
    **{
        t: _rendered(event=t) for t in ["CLIENT_CREATED", "SAVINGS_APPROVAL", "LOAN_REPAYMENT", "FEE_CHARGED"]
    },
    "hold created": _rendered(event="CARDS_AUTHORISATION_HOLD_CREATED"),
    "misspelt trigger": _rendered(event="SAVINGS_DEPOSTI"),
    "a type as trigger": _rendered(event="CARD_TRANSACTION_REVERSAL", ORIGINAL_TRANSACTION_KEY="8a000001"),
}


@pytest.mark.parametrize("body", TEMPLATES.values(), ids=TEMPLATES.keys())
def test_rendered_webhook_templates_decode_to_the_same_events(body: bytes) -> None:
    assert_same(MAMBU, MAMBU_MAPPED, body)


# A bare NaN is the one refusal the mapping cannot copy: asserted further down, as a documented difference.
MAMBU_BAD = [
    *(p for p in mambu_tests.BAD if p.id != "NaN amount"),
    pytest.param(
        mambu_tests.card_purchase(cardTransaction=[1]), "cardTransaction", id="card data in an array"
    ),
    pytest.param(
        mambu_tests.adjustment(transactionDetails="ATM"), "transactionDetails", id="details not an object"
    ),
    pytest.param(
        mambu_tests.card_purchase(cardTransaction={"cardAcceptor": "Cafe"}),
        "cardTransaction.cardAcceptor",
        id="acceptor not an object",
    ),
]


@pytest.mark.parametrize(("payload", "field"), MAMBU_BAD)
def test_bad_mambu_transactions_fail_on_the_same_field(payload: Any, field: str) -> None:
    found = assert_same(MAMBU, MAMBU_MAPPED, dumps(payload).encode())  # an array: each element alone
    assert set(found) == {("invalid", field)}


# --- camt.053 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sample",
    [
        "genkgo_camt053.v2.minimal",
        "genkgo_camt053.v2.multi.statement",
        "genkgo_camt053.v2.with-party-ids",
        "genkgo_camt053.v8",
    ],
)
def test_the_camt053_samples_decode_to_the_same_events(sample: str) -> None:
    version = "02" if ".v2." in sample else "08"
    found = assert_same(CAMT, CAMT_MAPPED[version], (SAMPLES / f"{sample}.xml").read_bytes())
    assert all(isinstance(e, TransactionPosted) for e in found)


def test_the_sandbox_banks_statements_decode_to_the_same_events() -> None:
    documents = CamtPlatform().documents(history())
    decoded = [e for body in documents for e in assert_same(CAMT, CAMT_MAPPED["08"], body, SANDBOX_NOW)]
    assert len(decoded) == len(history())
    assert {ReversalKind.REVERSAL, TransactionType.QUASI_CASH, "mcc_source"} <= kinds_of(decoded)
    for body in documents[:5]:
        assert_replayable(CAMT_MAPPED["08"], body)


CARD_TX = camt_tests.CARD
ENTRY_CARD = "<CardTx><Card><PlainCardData><PAN>4111111111111111</PAN></PlainCardData></Card></CardTx>"
SEVERAL = "</TxDtls><TxDtls>".join(
    f'<Refs><EndToEndId>E-{n}</EndToEndId></Refs><Amt Ccy="EUR">{n}.00</Amt>' for n in (10, 20, 12)
)
ORIGINAL = "<Refs><Prtry><Tp>LegalSequenceNumber</Tp><Ref>100</Ref></Prtry><Prtry><Tp>orgnlacctsvcrref</Tp>"


def _code(domain: str, family: str, sub: str) -> str:
    family_xml = f"<Fmly><Cd>{family}</Cd><SubFmlyCd>{sub}</SubFmlyCd></Fmly>"
    return f"<BkTxCd><Domn><Cd>{domain}</Cd>{family_xml}</Domn></BkTxCd>"


def _payee(name: str, version: str, role: str = "Cdtr", country: str | None = None) -> str:
    return f"<RltdPties>{party(role, name, version, country)}</RltdPties>"


# Hand-made entries of the camt tests, each written in the version given (v02 and v08 spell parties apart).
CAMT_ENTRIES: dict[str, Callable[[str], str]] = {
    "card purchase": lambda v: entry(version=v, details=_payee("Café Central", v, country="AT")),
    "credit from a payer": lambda v: entry(
        version=v, direction="CRDT", details=_payee("Payer AG", v, "Dbtr")
    ),
    "ultimate creditor": lambda v: entry(
        version=v,
        details=f"<RltdPties>{party('Cdtr', 'PSP', v)}{party('UltmtCdtr', 'Corner Bookshop', v)}</RltdPties>",
    ),
    "entry reference": lambda v: entry(version=v, before="<NtryRef>N-1</NtryRef>", reference=""),
    "unusable reference": lambda v: entry(version=v, reference="<AcctSvcrRef>REF 0001</AcctSvcrRef>"),
    "no reference": lambda v: entry(version=v, reference=""),
    "booking day": lambda v: entry(version=v, booking="<BookgDt><Dt>2024-05-15+02:00</Dt></BookgDt>"),
    "local booking time": lambda v: entry(
        version=v, booking="<BookgDt><DtTm>2024-05-15T10:00:00</DtTm></BookgDt>"
    ),
    "value date only": lambda v: entry(version=v, booking="<ValDt><Dt>2024-05-14</Dt></ValDt>"),
    "no dates": lambda v: entry(version=v, booking=""),
    "pending": lambda v: entry(version=v, status="PDNG"),
    "zero": lambda v: entry(version=v, amount="0.00"),
    "reversal": lambda v: entry(
        version=v,
        direction="CRDT",
        extra="<RvslInd>true</RvslInd>",
        details=f"{ORIGINAL}<Ref>REF-0001</Ref></Prtry></Refs>",
    ),
    "reversal without original": lambda v: entry(version=v, direction="CRDT", extra="<RvslInd>1</RvslInd>"),
    "several transactions": lambda v: entry(version=v, amount="42.00", details=SEVERAL),
    "card present": lambda v: entry(version=v, code="<BkTxCd/>", details=CARD_TX.format(present="true")),
    "card not present": lambda v: entry(version=v, code="<BkTxCd/>", details=CARD_TX.format(present="false")),
    "entry card": lambda v: entry(version=v, code=f"<BkTxCd/>{ENTRY_CARD}"),
    "remittance": lambda v: entry(
        version=v,
        details="<RmtInf><Ustrd>Invoice 12</Ustrd><Ustrd>and   13</Ustrd></RmtInf>",
        tail="<AddtlNtryInf>Card payment</AddtlNtryInf>",
    ),
    "bank text": lambda v: entry(version=v, tail="<AddtlNtryInf>  Card   payment </AddtlNtryInf>"),
    "proprietary mcc": lambda v: entry(version=v, code=PROPRIETARY_CODE.format("mcc:5812")),
    "mcc in the bank's text": lambda v: entry(
        version=v, tail="<AddtlNtryInf>FRESH FOODS MCC 5411</AddtlNtryInf>"
    ),
    "unassigned mcc": lambda v: entry(
        version=v, code=PROPRIETARY_CODE.format("MCC0001"), details=_payee("Hotel Adler", v)
    ),
    "mcc in the remittance": lambda v: entry(
        version=v, code="<BkTxCd/>", details="<RmtInf><Ustrd>MCC 5812 please</Ustrd></RmtInf>"
    ),
    "quasi-cash": lambda v: entry(version=v, code=PROPRIETARY_CODE.format("MCC6051")),
    "inferred": lambda v: entry(version=v, details=_payee("Snack Bar am Bahnhof", v)),
    "not inferred": lambda v: entry(version=v, details=_payee("Pubs R Us Ltd", v)),
    "inferred from the bank's text": lambda v: entry(
        version=v, tail="<AddtlNtryInf>Kartenzahlung ARAL Tankstelle 4711</AddtlNtryInf>"
    ),
    "no inference for credits": lambda v: entry(
        version=v, direction="CRDT", details=_payee("Restaurant", v, "Dbtr")
    ),
    "atm": lambda v: entry(version=v, code=_code("PMNT", "CCRD", "CWDL")),
    "branch": lambda v: entry(version=v, code=_code("PMNT", "CNTR", "CWDL")),
    "fee": lambda v: entry(version=v, code=_code("ACMT", "MDOP", "CHRG")),
    "loan": lambda v: entry(version=v, code=_code("LDAS", "CSLN", "PPAY")),
    "drawdown": lambda v: entry(version=v, direction="CRDT", code=_code("LDAS", "CSLN", "DDWN")),
    "direct debit": lambda v: entry(version=v, code=_code("PMNT", "IDDT", "OTHR")),
    "salary": lambda v: entry(version=v, direction="CRDT", code=_code("PMNT", "RCDT", "SALA")),
    "only a sub-family": lambda v: entry(
        version=v, code="<BkTxCd><Domn><Fmly><SubFmlyCd>ZZZZ</SubFmlyCd></Fmly></Domn></BkTxCd>"
    ),
}
ACCOUNTS = {
    "owner": ("<Ownr><Id><PrvtId><Othr><Id>CUST-7</Id></Othr></PrvtId></Id></Ownr>", ACCOUNT),
    "organisation": ("<Ownr><Id><OrgId><Othr><Id>ORG-9</Id></Othr></OrgId></Id></Ownr>", ACCOUNT),
    "proprietary account": ("", "<Id><Othr><Id>0012-345</Id></Othr></Id>"),
    "iban in groups": ("", "<Id><IBAN>CH93 0076 2011 6238 5295 7</IBAN></Id>"),
}


@pytest.mark.parametrize("version", ["02", "08"])
@pytest.mark.parametrize("ntry", CAMT_ENTRIES.values(), ids=CAMT_ENTRIES.keys())
def test_the_camt_tests_entries_decode_to_the_same_events(ntry: Callable[[str], str], version: str) -> None:
    assert_same(CAMT, CAMT_MAPPED[version], document(ntry(version), version=version))


@pytest.mark.parametrize(("owner", "account"), ACCOUNTS.values(), ids=ACCOUNTS.keys())
def test_the_statement_account_and_owner_give_the_same_ids(owner: str, account: str) -> None:
    for ntry in (entry(), entry(reference=""), entry(before="<NtryRef>N-1</NtryRef>", reference="")):
        assert_same(CAMT, CAMT_MAPPED["08"], document(ntry, owner=owner, account=account))


@pytest.mark.parametrize(("ntry", "field"), camt_tests.BAD)
def test_bad_camt_entries_fail_on_the_same_field(ntry: str, field: str) -> None:
    [found] = assert_same(CAMT, CAMT_MAPPED["08"], document(ntry))
    assert found == ("invalid", field)


@pytest.mark.parametrize(
    ("account", "owner", "field"),
    [
        ("", "", "Acct/Id"),
        ("<Id><Othr><Id>has space</Id></Othr></Id>", "", "Acct/Id/Othr/Id"),
        (
            ACCOUNT,
            "<Ownr><Id><PrvtId><Othr><Id>c u s t</Id></Othr></PrvtId></Id></Ownr>",
            "Acct/Ownr/Id/PrvtId/Othr/Id",
        ),
    ],
)
def test_bad_camt_accounts_fail_on_the_same_field(account: str, owner: str, field: str) -> None:
    [found] = assert_same(CAMT, CAMT_MAPPED["08"], document(entry(), account=account, owner=owner))
    assert found == ("invalid", field)


def test_the_v02_mapping_is_the_v08_mapping_in_another_namespace() -> None:
    folder = shipped_mappings_dir()
    v08 = (folder / "camt053-v08-mapping.yaml").read_text(encoding="utf-8")
    v02 = (folder / "camt053-v02-mapping.yaml").read_text(encoding="utf-8")
    assert v02 == v08.replace("camt.053.001.08", "camt.053.001.02").replace("camt053-v08", "camt053-v02")


# --- what differs, as docs/connectors/mapping.md says ---------------------------------------------------


def test_the_documented_differences_are_the_only_ones_seen_here() -> None:
    # A bare NaN: malformed JSON to the connector, a text the amount refuses to the mapping.
    nan = dumps(mambu_tests.card_purchase(amount=Decimal("NaN"))).encode()
    assert (outcomes(MAMBU, nan), outcomes(MAMBU_MAPPED, nan)) == (
        [("invalid", "<body>")],
        [("invalid", "amount")],
    )
    # A zero amount with another defect: the connector names the defect, the mapping's event rule ignores it.
    zero = document(entry(amount="0", booking="<BookgDt><Dt>1999-01-01</Dt></BookgDt>"))
    assert (outcomes(CAMT, zero), outcomes(CAMT_MAPPED["08"], zero)) == (
        [("invalid", "Ntry/BookgDt/Dt")],
        [("ignored",)],
    )


def test_a_statement_without_entries_is_empty_and_another_version_is_refused_not_lost() -> None:
    empty = document()
    assert CAMT.split(empty) == [] == CAMT_MAPPED["08"].split(empty)
    [refused] = CAMT_MAPPED["08"].split(document(entry(), version="04"))
    assert refused.parse_error is not None


# --- the language the two mappings needed: each option is checked when the mapping loads ---------------

FEED: dict[str, Any] = {
    "name": "feed",
    "format": "json",
    "event": "posted",
    "fields": {
        "source_id": "id",
        "customer_id": "customer",
        "account_id": "account",
        "amount": "amount",
        "currency": "currency",
        "booked_at": "time",
    },
}
TAG_OF_PLAIN_FIELD = {"mcc": "mcc", "extra": {"how": {"tag_of": "mcc"}}}
CIRCLE = {
    "channel": {"cases": [{"when": {"field": "mcc", "present": True}, "constant": "atm"}]},
    "mcc": {"cases": [{"when": {"field": "channel", "in": ["atm"]}, "constant": "6011"}]},
}


@pytest.mark.parametrize(
    ("fields", "key"),
    [
        pytest.param({"mcc": {"path": "mcc", "tag": "own"}}, "fields.mcc.tag", id="a tag outside cases"),
        pytest.param({"mcc": {"path": "m", "cases": [{"path": "n"}]}}, "fields.mcc", id="cases and a path"),
        pytest.param({"mcc": {"path": "m", "pattern": "(MCC"}}, "fields.mcc.pattern", id="a bad pattern"),
        pytest.param({"mcc": {"path": "m", "truncate": 4}}, "fields.mcc.truncate", id="truncating a code"),
        pytest.param({"mcc": {"path": ["a", "b"], "many": "first"}}, "fields.mcc.many", id="many of a join"),
        pytest.param(
            {"mcc": {"path": "m", "keywords": {"12": ["x"]}}}, "fields.mcc.keywords.12", id="keyword"
        ),
        pytest.param(TAG_OF_PLAIN_FIELD, "fields.extra.how.tag_of", id="the tag of a field without cases"),
        pytest.param(CIRCLE, "fields.channel", id="conditions in a circle"),
        pytest.param(
            {"mcc": {"path": "m", "when": {"path": "x", "present": True, "in": ["y"]}}},
            "fields.mcc.when.0",
            id="a condition with two tests",
        ),
    ],
)
def test_a_bad_use_of_the_new_options_fails_at_load_naming_the_key(fields: dict[str, Any], key: str) -> None:
    spec = {**FEED, "fields": {**FEED["fields"], **fields}}
    with pytest.raises(MappingInvalid) as caught:
        load_mapping_text(yaml.safe_dump(spec))
    assert key in [k for k, _ in caught.value.problems], caught.value.problems


def test_the_event_rule_may_not_read_fields_and_xml_needs_no_empty_is_absent() -> None:
    rule = {"when": [{"path": "kind", "unless": {"field": "mcc", "present": True}}], "otherwise": "posted"}
    with pytest.raises(MappingInvalid) as caught:
        load_mapping_text(yaml.safe_dump({**FEED, "event": rule}))
    assert "event.when.0.when.0.field" in [k for k, _ in caught.value.problems]
    xml = {**FEED, "format": "xml", "empty_is_absent": True}
    with pytest.raises(MappingInvalid) as caught:
        load_mapping_text(yaml.safe_dump(xml))
    assert "empty_is_absent" in [k for k, _ in caught.value.problems]
