"""What cutting a document yields: one piece per item, and the errors that refuse a whole document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

# Each item's raw text repeats the document's parts outside the items (a statement's header, say); the
# total may exceed the document by this factor plus one MiB before the document is refused as too costly.
RAW_BUDGET_FACTOR = 4
RAW_BUDGET_FLOOR = 1024 * 1024


class DocumentError(Exception):
    """The document cannot be cut into items; it becomes one quarantined item with this reason."""


@dataclass(frozen=True, slots=True)
class Piece:
    """One item while the document is pruned down to it.

    `raw` is the self-contained document holding only this item and what surrounds it; `scope` is where
    context paths start (the document for JSON, the item itself for XPath, which can climb to ancestors).
    `problem` is set when the item cannot be an item at all (a number where an object was expected).
    """

    raw: str
    item: Any
    scope: Any
    problem: str | None = None


class Budget:
    """Counts the raw text produced while cutting, so that no document costs more than a bounded multiple."""

    def __init__(self, document_chars: int) -> None:
        self._left = RAW_BUDGET_FACTOR * document_chars + RAW_BUDGET_FLOOR

    def spend(self, chars: int) -> None:
        self._left -= chars
        if self._left < 0:
            raise DocumentError(
                "cutting this document into items would repeat its header text too often "
                f"(more than {RAW_BUDGET_FACTOR} times its size); send fewer items per document"
            )


class ItemCount:
    """Counts items across a document (or a batch of them) against the mapping's limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._seen = 0

    def add(self, count: int) -> None:
        self._seen += count
        if self._seen > self.limit:
            raise DocumentError(f"the document holds more than {self.limit} items, the mapping's limit")


class Finder(Protocol):
    def finds(self, node: Any) -> bool:
        """Whether the path selects anything in the document."""
        ...


def empty_allowed(allow: bool | Finder, document: Any) -> bool:
    """`allow_empty`: true, false, or a path that must find something (the statement is there, empty)."""
    return allow if isinstance(allow, bool) else allow.finds(document)
