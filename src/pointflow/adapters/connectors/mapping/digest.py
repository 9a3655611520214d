"""A content fingerprint of an element or object: an id for formats whose records carry none of their own."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from lxml import etree

from pointflow.adapters.connectors.mapping.paths import (
    DocumentPath,
    JsonPath,
    Several,
    Structure,
    Unreadable,
    XmlPath,
)

Pair = tuple[str, str]


class Digest:
    """SHA-256 over `parts` and the sorted (path, text) pairs of everything under the selected nodes.

    XML paths are local names from the selected element (`Ntry/Amt`, `Ntry/Amt/@Ccy`); JSON paths are
    member names from the selected object (`card/mcc`). A path met again is numbered (`Ntry/Refs#2`).
    """

    def __init__(
        self,
        text: str,
        target: JsonPath | XmlPath,
        parts: tuple[DocumentPath, ...],
        *,
        leave_out: frozenset[str],
        length: int,
        prefix: str,
    ) -> None:
        self.text = text
        self.target, self.parts = target, parts
        self.leave_out, self.length, self.prefix = leave_out, length, prefix

    def read(self, node: Any) -> Any:
        try:
            targets = self.target.nodes(node)
        except (etree.XPathError, ValueError, RecursionError) as error:
            return Unreadable(str(error) or type(error).__name__)
        if not targets:
            return None
        parts: list[str] = []
        for path in self.parts:
            value = path.read(node)
            if value is None or isinstance(value, Several | Structure | Unreadable):
                return value
            parts.append(_text(value))
        pairs = _Pairs()
        for target in targets:
            xml = isinstance(self.target, XmlPath)
            pairs.add_all(_xml_pairs(target, self.leave_out) if xml else _json_pairs(target, self.leave_out))
        content = json.dumps([*parts, sorted(pairs.found)], ensure_ascii=False)
        return self.prefix + hashlib.sha256(content.encode()).hexdigest()[: self.length]


class _Pairs:
    """Collects (path, text) pairs, numbering a path met again."""

    def __init__(self) -> None:
        self.found: list[tuple[str, str]] = []
        self._counts: dict[str, int] = {}

    def add_all(self, pairs: Iterator[Pair]) -> None:
        for path, text in pairs:
            seen = self._counts.get(path, 0) + 1
            self._counts[path] = seen
            self.found.append((path if seen == 1 else f"{path}#{seen}", text))


def _xml_pairs(element: Any, leave_out: frozenset[str]) -> Iterator[Pair]:
    """(path, text) in document order: the element's attributes and everything inside it (its own loose
    text is not content); an element left out takes its attributes and subtree along."""
    stack = [(element, _local(element.tag))]
    while stack:
        node, path = stack.pop()
        if path in leave_out:
            continue
        if node.text and not node.text.isspace() and node is not element:
            yield path, node.text.strip()
        for name, value in node.attrib.items():
            yield f"{path}/@{_local(name)}", value.strip()
        children = [c for c in node if isinstance(c.tag, str)]
        stack.extend((c, f"{path}/{_local(c.tag)}") for c in reversed(children))


def _json_pairs(value: Any, leave_out: frozenset[str]) -> Iterator[Pair]:
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        node, path = stack.pop()
        if path in leave_out:
            continue
        if isinstance(node, dict):
            stack.extend((v, f"{path}/{k}" if path else str(k)) for k, v in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((v, path) for v in reversed(node))
        elif node is not None and _text(node):
            yield path, _text(node)


def _local(tag: Any) -> str:
    text = tag.decode() if isinstance(tag, bytes) else str(tag)
    return text.rpartition("}")[2]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    return str(value).strip()
