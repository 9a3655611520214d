"""executemany on the hot path: rows to the driver's parameters with the column types' own bind processors.

SQLAlchemy's generic path builds parameters row by row through its compiler; on the hot path that cost
more than the database's own work. Here each statement is compiled once per table, dialect and column
set, and only the columns whose type has a bind processor are converted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, TypeDecorator, bindparam, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import UpdateBase

Processor = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class OnConflict:
    """An upsert: on a clash of `keys`, add the new row's `add` columns to the stored ones and take its
    `replace` columns (PostgreSQL and SQLite spell it the same way)."""

    keys: tuple[str, ...]
    add: tuple[str, ...] = ()
    replace: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    columns: tuple[str, ...]  # the row's column for each parameter, in the driver's order
    binds: tuple[str, ...]  # each parameter's name, for drivers that take named parameters
    processors: tuple[tuple[int, Processor], ...]  # (parameter position, processor), where there is one
    positional: bool

    def parameters(self, rows: Sequence[dict[str, Any]]) -> list[Any]:
        """Parameters from rows given as dictionaries."""
        columns = self.columns
        pick = itemgetter(*columns) if len(columns) > 1 else (lambda row: (row[columns[0]],))
        return self.converted([pick(row) for row in rows])

    def converted(self, values: Sequence[tuple[Any, ...]]) -> list[Any]:
        """Parameters from tuples already in `columns` order."""
        found = [self._converted(row) for row in values] if self.processors else list(values)
        if self.positional:
            return found
        return [dict(zip(self.binds, row, strict=True)) for row in found]

    def _converted(self, picked: tuple[Any, ...]) -> tuple[Any, ...]:
        values = list(picked)
        for index, process in self.processors:
            value = values[index]
            if value is not None:
                values[index] = process(value)
        return tuple(values)


def bulk_insert(
    conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *, on_conflict: OnConflict | None = None
) -> None:
    """Insert `rows` (dicts with the same keys) in one executemany."""
    plan = _insert_plan(table, conn.dialect, tuple(rows[0]), on_conflict)
    conn.exec_driver_sql(plan.sql, plan.parameters(rows))


def bulk_insert_values(
    conn: Connection,
    table: Table,
    columns: tuple[str, ...],
    values: Sequence[tuple[Any, ...]],
    *,
    on_conflict: OnConflict | None = None,
) -> None:
    """As `bulk_insert`, for rows given as tuples in `columns` order (no dictionary a row)."""
    plan = _insert_plan(table, conn.dialect, columns, on_conflict)
    if plan.columns != columns:  # a positional driver's order differs from the caller's
        order = [columns.index(c) for c in plan.columns]
        values = [tuple(row[i] for i in order) for row in values]
    conn.exec_driver_sql(plan.sql, plan.converted(values))


def bulk_update(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], *, key: str) -> None:
    """Set each row's other columns on the row whose `key` column equals its `key` value."""
    plan = _update_plan(table, conn.dialect, tuple(rows[0]), key)
    conn.exec_driver_sql(plan.sql, plan.parameters(rows))


@lru_cache(maxsize=256)
def _insert_plan(
    table: Table, dialect: Dialect, columns: tuple[str, ...], on_conflict: OnConflict | None
) -> _Plan:
    statement: UpdateBase = insert(table)
    if on_conflict is not None:
        upsert = (postgresql.insert if dialect.name == "postgresql" else sqlite.insert)(table)
        excluded = upsert.excluded
        changes = {c: table.c[c] + excluded[c] for c in on_conflict.add}
        changes.update({c: excluded[c] for c in on_conflict.replace})
        statement = upsert.on_conflict_do_update(index_elements=list(on_conflict.keys), set_=changes)
    return _plan(table, dialect, statement, {c: c for c in columns})


@lru_cache(maxsize=64)
def _update_plan(table: Table, dialect: Dialect, columns: tuple[str, ...], key: str) -> _Plan:
    statement = (
        update(table)
        .where(table.c[key] == bindparam(f"k_{key}"))
        .values({c: bindparam(f"v_{c}") for c in columns if c != key})
    )
    return _plan(table, dialect, statement, {f"k_{key}": key} | {f"v_{c}": c for c in columns if c != key})


def _plan(table: Table, dialect: Dialect, statement: UpdateBase, column_of: dict[str, str]) -> _Plan:
    compiled = statement.compile(dialect=dialect, column_keys=list(column_of))
    binds = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else tuple(column_of)
    if set(binds) != set(column_of):
        raise RuntimeError(f"unexpected parameters for {table.name}: {binds}")
    columns = tuple(column_of[b] for b in binds)
    found = ((i, _processor(table.c[c].type, dialect)) for i, c in enumerate(columns))
    processors = tuple((i, p) for i, p in found if p is not None)
    return _Plan(compiled.string, columns, binds, processors, bool(compiled.positional))


def _processor(column_type: Any, dialect: Dialect) -> Processor | None:
    """The type's bind processor. Dates and times repeat within a batch (its clock reading, a lot's dates),
    so each is converted once: a datetime remembered by identity only, since equal instants in other time
    zones print differently; a date by value, in a bounded cache."""
    processor: Processor | None = column_type.dialect_impl(dialect).bind_processor(dialect)
    if processor is None:
        return None
    python_type = _python_type(column_type)
    if python_type is datetime:
        convert = processor
        last: list[tuple[Any, Any]] = [(None, None)]  # one tuple, replaced whole: safe across threads

        def same_instant(value: datetime) -> Any:
            seen, converted = last[0]
            if value is not seen:
                converted = convert(value)
                last[0] = (value, converted)
            return converted

        return same_instant
    if python_type is date:
        return lru_cache(maxsize=4096)(processor)
    return processor


def _python_type(column_type: Any) -> type | None:
    """What the column holds in Python; a TypeDecorator's from the type it decorates."""
    underlying = column_type.impl_instance if isinstance(column_type, TypeDecorator) else column_type
    try:
        found: type = underlying.python_type
    except NotImplementedError:
        return None
    return found
