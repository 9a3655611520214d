"""The hot path's executemany helpers: inserts, additive and replacing upserts, keyed updates, dates once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import BigInteger, Column, Connection, Date, MetaData, String, Table, create_engine, select

from pointflow.adapters.db.bulk import OnConflict, bulk_insert, bulk_insert_values, bulk_update
from pointflow.adapters.db.tables import MONEY, TS

meta = MetaData()
counts = Table(
    "counts",
    meta,
    Column("key", String(8), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("n", BigInteger, nullable=False),
    Column("label", String(16)),
    Column("amount", MONEY),
    Column("at", TS),
)


@pytest.fixture
def conn() -> Iterator[Connection]:
    engine = create_engine("sqlite://")
    meta.create_all(engine)
    with engine.begin() as connection:
        yield connection
    engine.dispose()


def _rows(conn: Connection) -> list[tuple[object, ...]]:
    return [tuple(r) for r in conn.execute(select(counts).order_by(counts.c.key, counts.c.day))]


AT = datetime(2024, 5, 15, 14, 30, tzinfo=UTC)


def test_inserted_rows_read_back_with_their_types(conn: Connection) -> None:
    rows = [
        {"key": "a", "day": date(2024, 5, 1), "n": 1, "label": None, "amount": Decimal("1.10"), "at": AT},
        {"key": "b", "day": date(2024, 5, 1), "n": 2, "label": "x", "amount": None, "at": AT},
    ]
    bulk_insert(conn, counts, rows)
    assert _rows(conn) == [
        ("a", date(2024, 5, 1), 1, None, Decimal("1.10"), AT),
        ("b", date(2024, 5, 1), 2, "x", None, AT),
    ]


def test_each_instant_is_stored_as_its_own_utc_reading(conn: Connection) -> None:
    # The converted text is remembered for the same object only: an equal instant given in another zone
    # and a different instant both get their own conversion.
    plus_two = AT.astimezone(timezone(timedelta(hours=2)))
    later = datetime(2024, 5, 15, 18, 0, tzinfo=UTC)
    first = {"key": "a", "day": date(2024, 5, 1), "n": 1, "at": AT}
    rows = [
        first,
        {**first, "key": "b", "at": plus_two},
        {**first, "key": "c", "at": later},
        {**first, "key": "d"},
    ]
    bulk_insert(conn, counts, rows)
    stored = conn.exec_driver_sql("SELECT at FROM counts ORDER BY key").scalars().all()
    assert stored == [
        "2024-05-15 14:30:00.000000",
        "2024-05-15 14:30:00.000000",
        "2024-05-15 18:00:00.000000",
        "2024-05-15 14:30:00.000000",
    ]


def test_an_additive_upsert_adds_to_the_stored_counts(conn: Connection) -> None:
    add = OnConflict(keys=("key", "day"), add=("n",))
    row = {"key": "a", "day": date(2024, 5, 1), "n": 2}
    bulk_insert(conn, counts, [row], on_conflict=add)
    bulk_insert(conn, counts, [row, {**row, "day": date(2024, 5, 2)}], on_conflict=add)
    assert [(r[1], r[2]) for r in _rows(conn)] == [(date(2024, 5, 1), 4), (date(2024, 5, 2), 2)]


def test_a_replacing_upsert_takes_the_new_value(conn: Connection) -> None:
    replace = OnConflict(keys=("key", "day"), replace=("label",))
    row = {"key": "a", "day": date(2024, 5, 1), "n": 1, "label": "old"}
    bulk_insert(conn, counts, [row], on_conflict=replace)
    bulk_insert(conn, counts, [{**row, "n": 9, "label": "new"}], on_conflict=replace)
    assert [(r[2], r[3]) for r in _rows(conn)] == [(1, "new")]


def test_an_update_changes_only_the_rows_named_by_key(conn: Connection) -> None:
    base = {"day": date(2024, 5, 1), "n": 1, "label": "x"}
    bulk_insert(conn, counts, [{"key": "a", **base}, {"key": "b", **base}])
    bulk_update(conn, counts, [{"key": "b", "n": 7, "label": "y"}], key="key")
    assert [(r[0], r[2], r[3]) for r in _rows(conn)] == [("a", 1, "x"), ("b", 7, "y")]


def test_a_single_column_insert_works(conn: Connection) -> None:
    single = Table("single", meta, Column("key", String(8), primary_key=True), extend_existing=True)
    single.create(conn)
    bulk_insert(conn, single, [{"key": "a"}, {"key": "b"}])
    assert [r[0] for r in conn.execute(select(single.c.key).order_by(single.c.key))] == ["a", "b"]


def test_rows_given_as_tuples_in_any_column_order(conn: Connection) -> None:
    add = OnConflict(keys=("key", "day"), add=("n",))
    columns = ("n", "day", "key")  # not the table's order
    bulk_insert_values(conn, counts, columns, [(2, date(2024, 5, 1), "a")], on_conflict=add)
    bulk_insert_values(
        conn, counts, columns, [(3, date(2024, 5, 1), "a"), (1, date(2024, 5, 2), "b")], on_conflict=add
    )
    assert [(r[0], r[1], r[2]) for r in _rows(conn)] == [
        ("a", date(2024, 5, 1), 5),
        ("b", date(2024, 5, 2), 1),
    ]
