"""Compiled JSONPath and XPath expressions, and the plain values they read from a document."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import Any, Protocol

import jsonpath
from lxml import etree

_MATCHES_SEEN = 1000  # enough to say "matches N values" without walking a huge document twice
_MEMBER_NAMES = re.compile(r"^(\$\.)?[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


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
    """A JSONPath (python-jsonpath); a bare `a.b` is read as `$.a.b`, `[0]` as `$[0]`.

    With `empty_is_absent`, an empty string, and an object holding nothing but those, read as absent
    (the way a template renders a placeholder that has no value).
    """

    def __init__(self, text: str, *, empty_is_absent: bool = False) -> None:
        self.text = text
        self.empty_is_absent = empty_is_absent
        try:
            self._compiled = jsonpath.compile(_rooted(text))
        except jsonpath.JSONPathError as error:
            raise PathError(f"not a JSONPath: {_first_line(error)}") from None
        # Most paths are member names (`card.mcc`): walked directly, they skip python-jsonpath's machinery.
        self._names = tuple(text.removeprefix("$.").split(".")) if _MEMBER_NAMES.match(text) else None

    def read(self, node: Any) -> Any:
        found = self._found(node)
        if isinstance(found, Unreadable):
            return found
        if len(found) > 1:
            return Several(len(found))
        return _json_value(found[0]) if found else None

    def read_all(self, node: Any) -> Any:
        """Every value at the path, in document order (a tuple), or Unreadable."""
        found = self._found(node)
        return found if isinstance(found, Unreadable) else tuple(_json_value(v) for v in found)

    def _found(self, node: Any) -> list[Any] | Unreadable:
        if self._names is not None:
            found = _members(node, self._names)
        else:
            try:
                found = [m.obj for m in islice(self._compiled.finditer(node), _MATCHES_SEEN)]
            except (jsonpath.JSONPathError, RecursionError) as error:
                return Unreadable(_first_line(error))
        return [v for v in found if not is_empty(v)] if self.empty_is_absent else found

    def finds(self, node: Any) -> bool:
        """Whether the path matches anything in the document."""
        try:
            return next(iter(self._compiled.finditer(node)), None) is not None
        except (jsonpath.JSONPathError, RecursionError):
            return False

    def nodes(self, node: Any) -> list[Any]:
        """The objects and arrays the path selects (what a digest fingerprints)."""
        found = islice(self._compiled.finditer(node), _MATCHES_SEEN)
        return [m.obj for m in found if isinstance(m.obj, dict | list)]

    def locations(self, node: Any, limit: int) -> list[tuple[tuple[Any, ...], Any]]:
        """Where the path matches, as (parts, value), at most `limit` of them."""
        matches = islice(self._compiled.finditer(node), limit)
        return [(tuple(m.parts), m.obj) for m in matches]


def _members(node: Any, names: tuple[str, ...]) -> list[Any]:
    """What `$.a.b` finds: the value under each name in turn, or nothing when one is missing."""
    for name in names:
        if not isinstance(node, dict) or name not in node:
            return []
        node = node[name]
    return [node]


def _rooted(text: str) -> str:
    if text.startswith(("$", "@", "^")):
        return text
    return "$" + text if text.startswith(("[", ".")) else "$." + text


def is_empty(value: Any) -> bool:
    """None, a blank string, or an object whose members are all empty; walked without recursion."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if item.strip():
                return False
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif item is not None:
            return False
    return True


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

    def read_all(self, node: Any) -> Any:
        """Every non-empty value the expression selects, in document order (a tuple), or Unreadable."""
        try:
            result = self._compiled(node)
        except etree.XPathError as error:
            return Unreadable(str(error))
        found = [_xml_text(n) for n in result] if isinstance(result, list) else [_xml_scalar(result)]
        return tuple(v for v in found if v is not None)

    def finds(self, node: Any) -> bool:
        """Whether the expression selects anything (a node, true, a number other than 0, some text)."""
        try:
            return bool(self._compiled(node))
        except etree.XPathError:
            return False

    def nodes(self, node: Any) -> list[Any]:
        """The elements the expression selects (what a digest fingerprints); anything else is left out."""
        result = self._compiled(node)
        return [e for e in result if _is_element(e)] if isinstance(result, list) else []

    def elements(self, node: Any) -> list[Any]:
        """The elements the path selects (for `items`); anything else selected is refused."""
        result = self._compiled(node)
        if not isinstance(result, list) or not all(isinstance(e, etree._Element) for e in result):
            raise PathError(f"the items path {self.text} must select elements")
        return [e for e in result if not isinstance(e, etree._Comment | etree._ProcessingInstruction)]


def _is_element(node: Any) -> bool:
    return isinstance(node, etree._Element) and isinstance(node.tag, str)


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
