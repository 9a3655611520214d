"""JSON documents: parsed exactly (Decimal), bounded, and cut into items each with a self-contained raw."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from pointflow.adapters.connectors.mapping.model import Limits
from pointflow.adapters.connectors.mapping.paths import JsonPath
from pointflow.adapters.connectors.mapping.pieces import (
    Budget,
    DocumentError,
    Finder,
    ItemCount,
    Piece,
    empty_allowed,
)

Parts = tuple[Any, ...]
NOT_AN_OBJECT = "each item must be a JSON object"
BATCH_ELEMENT = "each element of a JSON array (a batch) must be a JSON object"


def parse(text: str, limits: Limits) -> Any:
    """The document with numbers as Decimal; over-deep nesting is refused.

    The non-JSON literals NaN and Infinity are read as the strings "NaN" and "Infinity", which no number
    field accepts, so that the field is named (as the generic connector does) rather than the whole body.
    """
    try:
        document = json.loads(text, parse_float=Decimal, parse_constant=str)
    except json.JSONDecodeError as error:
        raise DocumentError(
            f"malformed JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    except (ValueError, RecursionError) as error:
        raise DocumentError(f"unreadable JSON: {str(error) or type(error).__name__}") from None
    if _depth(document) > limits.max_depth:
        raise DocumentError(f"the JSON nests deeper than {limits.max_depth} levels")
    return document


def _depth(document: Any) -> int:
    deepest, stack = 0, [(document, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return deepest


def dumps(value: Any) -> str:
    """JSON text that parses back to an equal value: Decimals keep their digits and stay numbers."""
    out: list[str] = []
    _write(value, out.append)
    return "".join(out)


def _write(value: Any, out: Callable[[str], object]) -> None:
    if isinstance(value, dict):
        out("{")
        for i, (key, member) in enumerate(value.items()):
            out("," if i else "")
            out(json.dumps(key) + ":")
            _write(member, out)
        out("}")
    elif isinstance(value, list):
        out("[")
        for i, member in enumerate(value):
            out("," if i else "")
            _write(member, out)
        out("]")
    else:
        out(str(value) if isinstance(value, Decimal) else json.dumps(value))


def pieces(
    text: str, items: JsonPath, limits: Limits, *, batch: bool, allow_empty: bool | Finder
) -> Iterator[Piece]:
    """Every item of the body; a top-level array is a batch of documents when `batch`."""
    document = parse(text, limits)
    count, budget = ItemCount(limits.max_items), Budget(len(text))
    if not (batch and isinstance(document, list)):
        if not isinstance(document, dict | list):
            raise DocumentError("a document must be a JSON object or array")
        yield from _cut(document, text, items, count, budget, allow_empty)
        return
    for element in document:
        if not isinstance(element, dict):
            yield Piece(dumps([element]), None, None, BATCH_ELEMENT)
            continue
        try:
            yield from _cut(element, None, items, count, budget, allow_empty)
        except _ElementError as error:  # only this document of the batch is refused
            yield Piece(dumps([element]), None, None, str(error))


class _ElementError(DocumentError):
    """A problem confined to one document of a batch."""


def _cut(
    document: Any,
    text: str | None,
    items: JsonPath,
    count: ItemCount,
    budget: Budget,
    allow_empty: bool | Finder,
) -> Iterator[Piece]:
    found = items.locations(document, count.limit + 1)
    count.add(len(found))
    if not found and not empty_allowed(allow_empty, document):
        raise _ElementError(f"nothing in the document matches the items path {items.text}")
    if len(found) == 1:  # nothing to prune: the document is its own raw (byte for byte when it arrived so)
        raw = text if text is not None else dumps(document)
        budget.spend(len(raw))
        yield _piece(raw, found[0][1], document)
        return
    for raw, item in _pruned(document, [parts for parts, _ in found]):
        budget.spend(len(raw))
        yield _piece(raw, item, document)


def _piece(raw: str, item: Any, scope: Any) -> Piece:
    return Piece(raw, item, scope, None if isinstance(item, dict) else NOT_AN_OBJECT)


Step = tuple[Any, Any, Any]  # (container, key or index, node) on the way from the root to an item


def _pruned(document: Any, found: list[Parts]) -> Iterator[tuple[str, Any]]:
    """For each item, the document without the other items and without the other members of every array
    on the way to it (other statements beside its statement, other entries beside it)."""
    _refuse_nesting(found)
    chains = [_chain(document, parts) for parts in found]
    for chain in chains:
        for container, _, _ in chain:
            if isinstance(container, list):
                container.clear()
        container, key, _ = chain[-1]
        if isinstance(container, dict):
            del container[key]
    for chain in chains:
        steps = [step for step in chain if isinstance(step[0], list) or step is chain[-1]]
        for container, key, node in steps:
            if isinstance(container, list):
                container.append(node)
            else:
                container[key] = node
        yield dumps(document), chain[-1][2]
        for container, key, _ in reversed(steps):
            del container[-1 if isinstance(container, list) else key]


def _refuse_nesting(found: list[Parts]) -> None:
    seen = set(found)
    if len(seen) != len(found) or any(parts[:n] in seen for parts in found for n in range(len(parts))):
        raise _ElementError("the items path selects items inside other items (or one item twice)")


def _chain(document: Any, parts: Parts) -> list[Step]:
    steps: list[Step] = []
    node = document
    for part in parts:
        if isinstance(node, list) and not (isinstance(part, int) and part >= 0):
            raise _ElementError(_NOT_A_MEMBER)
        try:
            steps.append((node, part, node[part]))
        except (KeyError, IndexError, TypeError):
            raise _ElementError(_NOT_A_MEMBER) from None
        node = node[part]
    return steps


_NOT_A_MEMBER = "the items path selects something that is not a member of the document"
