"""Reading one Mambu JSON object, API v2 or a rendered template, where an empty placeholder means absent."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pointflow.domain.errors import InvalidEvent


def is_blank(value: Any) -> bool:
    """Mambu renders a placeholder with no value as an empty string: that is a missing field, not bad data.

    An object is blank when every value in it is; the walk uses a stack, so nesting cannot exhaust recursion.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if item.strip():
                return False
        elif isinstance(item, dict | Mapping):  # dict first: the ABC check is slow and JSON gives dicts
            pending.extend(item.values())
        elif item is not None:
            return False
    return True


class Document:
    """A JSON object and the dotted path it sits at, so that errors name fields as the sender spells them."""

    def __init__(self, data: Mapping[str, Any], path: str = "") -> None:
        self.data = data
        self.path = path

    def name(self, key: str) -> str:
        return f"{self.path}{key}"

    def get(self, key: str) -> Any:
        """The value, or None when it is missing, null or blank."""
        value = self.data.get(key)
        return None if is_blank(value) else value

    def one(self, key: str) -> dict[str, Any]:
        """The value alone under its full name, the shape the shared field readers take."""
        return {self.name(key): self.get(key)}

    def require(self, key: str) -> Any:
        value = self.get(key)
        if value is not None:
            return value
        if key in self.data and self.data[key] is not None:
            raise InvalidEvent(
                f"{self.name(key)} is empty: the template's placeholder rendered no value",
                field=self.name(key),
            )
        raise InvalidEvent(f"{self.name(key)} is required", field=self.name(key))

    def text(self, key: str, *, max_len: int = 256) -> str | None:
        value = self.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise InvalidEvent(f"{self.name(key)} must be a string", field=self.name(key))
        if len(value) > max_len:
            raise InvalidEvent(f"{self.name(key)} is longer than {max_len} characters", field=self.name(key))
        return value.strip()

    def child(self, key: str) -> Document | None:
        """A nested object, or None when it is missing or every value in it is blank."""
        value = self.get(key)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise InvalidEvent(f"{self.name(key)} must be an object", field=self.name(key))
        return Document(value, f"{self.name(key)}.")
