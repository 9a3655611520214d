"""Typed placeholders and values for the hot path's driver-level SQL (`exec_driver_sql`) on both databases.

The scoring reads run once per commit group with lists of a group's size; SQLAlchemy's expanding IN and
per-call compilation cost more than the queries. Their text is built here from fixed fragments and
placeholders only, so every value is still a bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection


@dataclass(frozen=True)
class Driver:
    """How this driver spells a typed placeholder, and which Python value it takes for a day."""

    postgres: bool

    def mark(self, sql_type: str) -> str:
        return f"%s::{sql_type}" if self.postgres else "?"

    def marks(self, sql_type: str, count: int) -> str:
        return ", ".join([self.mark(sql_type)] * count)

    def day(self, value: date) -> object:
        # SQLAlchemy's Date stores ISO text on SQLite; the text orders as the dates do
        return value if self.postgres else value.isoformat()

    def row(self, *types: str) -> str:
        return "(" + ", ".join(self.mark(t) for t in types) + ")"


def driver(conn: Connection) -> Driver:
    name, style = conn.dialect.name, conn.dialect.paramstyle
    if (name, style) not in {("sqlite", "qmark"), ("postgresql", "pyformat"), ("postgresql", "format")}:
        raise NotImplementedError(f"driver-level SQL on {name} with the {style} parameter style")
    return Driver(postgres=name == "postgresql")


def as_date(value: date | str) -> date:
    """A day as the driver returns it (ISO text from SQLite) as a date."""
    return value if isinstance(value, date) else date.fromisoformat(value)
