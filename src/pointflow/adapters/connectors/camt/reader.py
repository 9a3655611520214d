"""Reads camt XML safely and cuts it into one self-contained minimal document per entry."""

from __future__ import annotations

import re
from copy import deepcopy

from lxml import etree

from pointflow.adapters.connectors.camt.namespaces import SUPPORTED, Message, message_of
from pointflow.adapters.connectors.camt.payload import CamtEntry, CamtRefusal
from pointflow.service_layer.ports import RawEvent

# camt never needs a DTD; refusing one before parsing keeps entity tricks (bombs, XXE) out altogether.
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_LEFT_OUT = frozenset({"Ntry", "TxsSummry"})  # the other entries and a summary that no longer adds up
_FLATTENED = frozenset({"Id", "CreDtTm", "Acct", "Ntry"})
_MAX_FIELDS = 4000
_MAX_ERROR = 300


def split(body: bytes, max_bytes: int) -> list[RawEvent]:
    """Every entry of every record as its own document; never raises."""
    text = body.decode("utf-8", errors="replace")
    if len(body) > max_bytes:
        return [RawEvent(text, None, f"the document is larger than the limit of {max_bytes} bytes")]
    root = parse(body)
    if isinstance(root, str) and text.encode() != body:
        # Read the text that the quarantine will keep, so that a replay of it fails (or not) the same way.
        root = parse(text.encode())
    if isinstance(root, str):
        return [RawEvent(text, None, root)]
    return _cut(root)


def parse(body: bytes) -> etree._Element | str:
    """The root element, or why the bytes are not a well-formed XML document without a DTD."""
    if _DECLARATION.search(body):
        return "camt documents carry no DTD: DOCTYPE and ENTITY declarations are refused"
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
        remove_blank_text=True,
        collect_ids=False,
    )
    try:
        root = etree.fromstring(body, parser)
    except (etree.LxmlError, ValueError, LookupError) as error:
        return f"not well-formed XML: {error}"[:_MAX_ERROR]
    if root is None:
        return "not well-formed XML: the document is empty"
    if root.getroottree().docinfo.internalDTD is not None:  # any DOCTYPE the byte scan could not see
        return "camt documents carry no DTD: DOCTYPE and ENTITY declarations are refused"
    return root


def _cut(root: etree._Element) -> list[RawEvent]:
    name = etree.QName(root)
    if name.localname != "Document":
        detail = f"the root element is {name.localname!r}; camt messages start with Document"
        return [RawEvent(_text(root), CamtRefusal(detail, "Document"))]
    message = message_of(name.namespace or "")
    if message is None:
        detail = f"the namespace {name.namespace or '(none)'!r} is not {SUPPORTED}"
        return [RawEvent(_text(root), CamtRefusal(detail, "Document/@xmlns"))]
    body = root.find(_tag(message, message.body))
    if body is None:
        detail = f"{message.name} documents hold a {message.body} element under Document"
        return [RawEvent(_text(root), CamtRefusal(detail, message.body))]
    header = body.find(_tag(message, "GrpHdr"))
    return [
        _item(message, _minimal(message, header, record, entry))
        for record in body.iterchildren(_tag(message, message.record))
        for entry in record.iterchildren(_tag(message, "Ntry"))
    ]


def _minimal(
    message: Message, header: etree._Element | None, record: etree._Element, entry: etree._Element
) -> etree._Element:
    """A document of the same version with the group header, the record's header and just this entry."""
    document = _root(message.namespace)
    body = etree.SubElement(document, _tag(message, message.body))
    if header is not None:
        body.append(deepcopy(header))
    copy = etree.SubElement(body, record.tag)
    for child in record.iterchildren(etree.Element):
        if child is entry or etree.QName(child).localname not in _LEFT_OUT:
            copy.append(deepcopy(child))
    _drop_blanks(document)
    return document


def _drop_blanks(document: etree._Element) -> None:
    """Whitespace-only text goes, so that the minimal document reads back without depending on the XML
    parser's guess about which blanks matter (it keeps them beside mixed content)."""
    for element in document.iter():
        if element.text is not None and element.text.isspace():
            element.text = None
        if element.tail is not None and element.tail.isspace():
            element.tail = None


def _item(message: Message, document: etree._Element) -> RawEvent:
    body = document[0]
    fields: dict[str, str] = {}
    counts: dict[str, int] = {}
    for name in ("MsgId", "CreDtTm"):
        value = body.findtext(f"{_tag(message, 'GrpHdr')}/{_tag(message, name)}")
        if value and value.strip():
            fields[f"GrpHdr/{name}"] = value.strip()
    record = body.find(_tag(message, message.record))
    assert record is not None  # _minimal always adds it
    for child in record.iterchildren(etree.Element):
        name = etree.QName(child).localname
        if name in _FLATTENED:
            _flatten(child, name, fields, counts)
    details = "/".join(_tag(message, name) for name in ("Ntry", "NtryDtls", "TxDtls"))
    transactions = len(record.findall(details))
    return RawEvent(_text(document), CamtEntry(message.name, fields, transactions))


def _flatten(element: etree._Element, path: str, fields: dict[str, str], counts: dict[str, int]) -> None:
    if len(fields) >= _MAX_FIELDS:
        return
    text = element.text
    if text and not text.isspace():
        _put(fields, counts, path, text.strip())
    for name, value in element.attrib.items():
        _put(fields, counts, f"{path}/@{_local(name)}", _text_of(value).strip())
    for child in element:
        if isinstance(child.tag, str):  # comments and processing instructions were dropped; be sure
            _flatten(child, f"{path}/{_local(child.tag)}", fields, counts)


def _local(tag: str | bytes) -> str:
    """The name without its {namespace}."""
    return _text_of(tag).rpartition("}")[2]


def _text_of(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _put(fields: dict[str, str], counts: dict[str, int], path: str, value: str) -> None:
    seen = counts.get(path, 0) + 1
    counts[path] = seen
    fields[path if seen == 1 else f"{path}#{seen}"] = value


def _root(namespace: str) -> etree._Element:
    """An empty Document whose namespace is the default one, as banks write it."""
    return etree.fromstring(f'<Document xmlns="{namespace}"/>'.encode())


def _tag(message: Message, name: str) -> str:
    return f"{{{message.namespace}}}{name}"


def _text(element: etree._Element) -> str:
    return etree.tostring(element, encoding="unicode")
