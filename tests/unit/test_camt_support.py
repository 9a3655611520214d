"""Builders for hand-made camt documents that the camt tests share (this module holds no tests)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pointflow.adapters.connectors.camt import CamtConnector
from pointflow.adapters.connectors.camt.namespaces import KINDS
from pointflow.domain.events import CanonicalEvent
from pointflow.service_layer.ports import DecodeLimits

LIMITS = DecodeLimits(Decimal("1000000"), 24)
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
CONNECTOR = CamtConnector()
IBAN = "CH9300762011623852957"
ACCOUNT = f"<Id><IBAN>{IBAN}</IBAN></Id>"
BOOKING = "<BookgDt><DtTm>2024-05-15T14:30:00+02:00</DtTm></BookgDt><ValDt><Dt>2024-05-16</Dt></ValDt>"
CARD_PURCHASE = (
    "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>CCRD</Cd><SubFmlyCd>POSD</SubFmlyCd></Fmly></Domn></BkTxCd>"
)


def now() -> datetime:
    return NOW


def party(role: str, name: str, version: str = "08", country: str | None = None) -> str:
    """A related party the way each version writes it: v08 adds the Pty level."""
    address = f"<PstlAdr><Ctry>{country}</Ctry></PstlAdr>" if country else ""
    inner = f"<Nm>{name}</Nm>{address}"
    return f"<{role}><Pty>{inner}</Pty></{role}>" if version == "08" else f"<{role}>{inner}</{role}>"


def entry(
    *,
    amount: str = "42.50",
    currency: str = "EUR",
    direction: str = "DBIT",
    version: str = "08",
    status: str = "BOOK",
    booking: str = BOOKING,
    reference: str = "<AcctSvcrRef>REF-0001</AcctSvcrRef>",
    code: str = CARD_PURCHASE,
    details: str = "",
    before: str = "",
    extra: str = "",
    tail: str = "",
) -> str:
    """One Ntry; the optional parts are raw XML put where the schema wants them."""
    sts = f"<Sts><Cd>{status}</Cd></Sts>" if version == "08" else f"<Sts>{status}</Sts>"
    dtls = f"<NtryDtls><TxDtls>{details}</TxDtls></NtryDtls>" if details else ""
    return (
        f'{before}<Amt Ccy="{currency}">{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd>{extra}{sts}'
        f"{booking}{reference}{code}{dtls}{tail}"
    ).join(("<Ntry>", "</Ntry>"))


def document(
    *entries: str,
    kind: str = "053",
    version: str = "08",
    account: str = ACCOUNT,
    owner: str = "",
    created: str = "2024-05-15T18:00:00+00:00",
) -> bytes:
    body, record = KINDS[kind]
    ns = f"urn:iso:std:iso:20022:tech:xsd:camt.{kind}.001.{version}"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{ns}"><{body}>'
        f"<GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>{created}</CreDtTm></GrpHdr>"
        f"<{record}><Id>REC-1</Id><CreDtTm>{created}</CreDtTm><Acct>{account}{owner}</Acct>"
        f"{''.join(entries)}</{record}></{body}></Document>"
    ).encode()


def decode_one(body: bytes, connector: CamtConnector = CONNECTOR) -> CanonicalEvent:
    items = connector.split(body)
    assert len(items) == 1, items
    assert items[0].parse_error is None, items[0].parse_error
    return connector.decode(items[0].payload, limits=LIMITS, now=now)


def payload_of(body: bytes) -> Any:
    (item,) = CONNECTOR.split(body)
    return item.payload
