"""Compiled JSONPath and XPath expressions, and the plain values they read from a document."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import Any, Protocol

import jsonpath
from lxml import etree

_MATCHES_SEEN = 1000  # enough to say "matches N values" without walking a huge document twice


@dataclass(frozen=True, slots=True)
class Several:
    """A field path that matched more than one value: the mapping expects one."""

    count: int


@dataclass(frozen=True, slots=True)
class Structure:
    """A field path that matched a JSON object or array where a value was expected."""

    kind: str


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A path whose evaluation failed on this document; decode reports it against the field."""

    reason: str


class PathError(ValueError):
    """A path in a mapping file that does not compile."""


class DocumentPath(Protocol):
    text: str

    def read(self, node: Any) -> Any:
        """The one value at the path: None when absent, Several or Structure when not one plain value."""
        ...


class JsonPath:
    """A JSONPath (python-jsonpath); a bare `a.b` is read as `$.a.b`, `[0]` as `$[0]`."""

    def __init__(self, text: str) -> None:
        self.text = text
        try:
            self._compiled = jsonpath.compile(_rooted(text))
        except jsonpath.JSONPathError as error:
            raise PathError(f"not a JSONPath: {_first_line(error)}") from None

    def read(self, node: Any) -> Any:
        try:
            found = [m.obj for m in islice(self._compiled.finditer(node), _MATCHES_SEEN)]
        except (jsonpath.JSONPathError, RecursionError) as error:
            return Unreadable(_first_line(error))
        if len(found) > 1:
            return Several(len(found))
        return _json_value(found[0]) if found else None

    def locations(self, node: Any, limit: int) -> list[tuple[tuple[Any, ...], Any]]:
        """Where the path matches, as (parts, value), at most `limit` of them."""
        matches = islice(self._compiled.finditer(node), limit)
        return [(tuple(m.parts), m.obj) for m in matches]


def _rooted(text: str) -> str:
    if text.startswith(("$", "@", "^")):
        return text
    return "$" + text if text.startswith(("[", ".")) else "$." + text


def _json_value(value: Any) -> Any:
    if isinstance(value, dict):
        return Structure("object")
    if isinstance(value, list):
        return Structure("array")
    return value


class XmlPath:
    """An XPath 1.0 expression (lxml) with the mapping's namespace prefixes."""

    def __init__(self, text: str, namespaces: dict[str, str]) -> None:
        self.text = text
        try:
            self._compiled = etree.XPath(text, namespaces=namespaces, smart_strings=False)
            self._compiled(etree.Element("probe"))  # an unknown prefix or function only shows when run
        except (etree.XPathError, TypeError, ValueError) as error:  # TypeError: a bad namespace prefix
            raise PathError(f"not an XPath: {error}") from None

    def read(self, node: Any) -> Any:
        try:
            result = self._compiled(node)
        except etree.XPathError as error:
            return Unreadable(str(error))
        if isinstance(result, list):
            if len(result) > 1:
                return Several(len(result))
            return _xml_text(result[0]) if result else None
        return _xml_scalar(result)

    def elements(self, node: Any) -> list[Any]:
        """The elements the path selects (for `items`); anything else selected is refused."""
        result = self._compiled(node)
        if not isinstance(result, list) or not all(isinstance(e, etree._Element) for e in result):
            raise PathError(f"the items path {self.text} must select elements")
        return [e for e in result if not isinstance(e, etree._Comment | etree._ProcessingInstruction)]


def _xml_text(node: Any) -> str | None:
    text = str(node.xpath("string()")) if isinstance(node, etree._Element) else str(node)
    return text if text.strip() else None  # an empty element means the value is absent


def _xml_scalar(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None  # number() of a missing node
        if math.isinf(value):
            return str(value)
        return int(value) if value.is_integer() else Decimal(repr(value))
    return _xml_text(value)


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
