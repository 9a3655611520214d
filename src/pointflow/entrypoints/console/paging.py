"""Offset pages for the console's lists (links keep the filters), and ids echoed back from a link."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

PAGE_SIZE = 50
MAX_OFFSET = 1_000_000
_ID = re.compile(r"[\w-]{1,32}")


@dataclass(frozen=True, slots=True)
class Pager:
    path: str
    offset: int
    total: int
    limit: int = PAGE_SIZE
    filters: Mapping[str, str] = field(default_factory=dict)

    @property
    def first(self) -> int:
        return min(self.offset + 1, self.total)

    @property
    def last(self) -> int:
        return min(self.offset + self.limit, self.total)

    def prev_href(self) -> str | None:
        return None if self.offset <= 0 else self._href(max(self.offset - self.limit, 0))

    def next_href(self) -> str | None:
        return self._href(self.offset + self.limit) if self.offset + self.limit < self.total else None

    def _href(self, offset: int) -> str:
        query = {k: v for k, v in self.filters.items() if v} | ({"offset": str(offset)} if offset else {})
        return f"{self.path}?{urlencode(query)}" if query else self.path


def echoed_id(text: str) -> str:
    """An id from a query string, shown back in a notice only if it looks like one of ours."""
    return text if _ID.fullmatch(text) else ""
