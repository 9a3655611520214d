"""XML documents: parsed safely (no DTD, no entities, no network), cut into self-contained items."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lxml import etree

from pointflow.adapters.connectors.mapping.model import Limits
from pointflow.adapters.connectors.mapping.paths import PathError, XmlPath
from pointflow.adapters.connectors.mapping.pieces import (
    Budget,
    DocumentError,
    Finder,
    ItemCount,
    Piece,
    empty_allowed,
)

_UTF8 = {"UTF-8", "UTF8", "US-ASCII", "ASCII"}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, dtd_validation=False
    )


def parse(text: str, limits: Limits) -> Any:
    """The root element of a UTF-8 document without a DTD, no deeper than the mapping allows."""
    try:
        root = etree.fromstring(text.encode("utf-8"), _parser())
    except (etree.LxmlError, ValueError) as error:
        raise DocumentError(f"malformed XML: {str(error) or type(error).__name__}") from None
    info = root.getroottree().docinfo
    if info.internalDTD is not None or info.doctype:
        raise DocumentError("a document type declaration (DTD) is not accepted")
    if info.encoding and info.encoding.upper() not in _UTF8:
        raise DocumentError(f"the document declares encoding {info.encoding}; send UTF-8")
    if _depth(root) > limits.max_depth:
        raise DocumentError(f"the XML nests deeper than {limits.max_depth} levels")
    return root


def _depth(root: Any) -> int:
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node)
    return deepest


def pieces(text: str, items: XmlPath, limits: Limits, *, allow_empty: bool | Finder) -> Iterator[Piece]:
    """Every item of the document; context paths start at the item so they can climb to its ancestors."""
    root = parse(text, limits)
    try:
        found = items.elements(root)
    except (PathError, etree.XPathError) as error:
        raise DocumentError(str(error)) from None
    ItemCount(limits.max_items).add(len(found))
    if not found and not empty_allowed(allow_empty, root):
        raise DocumentError(f"nothing in the document matches the items path {items.text}")
    if len(found) == 1:  # nothing to prune: the document is its own raw, byte for byte
        yield Piece(text, found[0], found[0])
        return
    budget = Budget(len(text))
    for item in _pruned(root, found):
        raw = etree.tostring(root, encoding="unicode")
        budget.spend(len(raw))
        yield Piece(raw, item, item)


def _pruned(root: Any, found: list[Any]) -> Iterator[Any]:
    """For each item, the tree without the other items and without the other records repeated beside it
    or beside one of its ancestors (elements of the same name: other statements beside its statement)."""
    chosen = set(found)
    if len(chosen) != len(found) or any(a in chosen for e in found for a in e.iterancestors()):
        raise DocumentError("the items path selects items inside other items")
    chains = {item: [*[a for a in item.iterancestors() if a is not root][::-1], item] for item in found}
    repeated: dict[Any, set[Any]] = {}
    for chain in chains.values():
        for node in chain:
            repeated.setdefault(node.getparent(), set()).add(node.tag)
    places: dict[Any, tuple[Any, int]] = {}
    for parent, tags in repeated.items():
        kept = 0
        for child in list(parent):
            if child.tag in tags:
                places[child] = (parent, kept)  # where it goes back: after the siblings that stay
                parent.remove(child)
            else:
                kept += 1
    for item in found:
        for node in chains[item]:
            parent, index = places[node]
            parent.insert(index, node)
        yield item
        for node in reversed(chains[item]):
            places[node][0].remove(node)
