"""The database enforces the ledger too: balanced postings, append-only entries, unique keys."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from pointflow.adapters.db.tables import legs, postings
from pointflow.bootstrap import Container
from pointflow.domain.ids import new_id
from tests.factories import EXAMPLE, send

NOW = datetime(2024, 6, 1, tzinfo=UTC)


def write(container: Container, leg_points: list[int], key: str | None = None) -> None:
    pid = new_id()
    with container.db.writer.begin() as conn:
        if leg_points:
            conn.execute(
                sa.insert(legs),
                [
                    {"posting_id": pid, "account": "adjustment", "token": None, "points": p}
                    for p in leg_points
                ],
            )
        conn.execute(
            sa.insert(postings).values(
                id=pid, kind="adjust", idempotency_key=key or pid, token=None, occurred_at=NOW, memo="test"
            )
        )


def test_a_balanced_posting_is_accepted(container: Container) -> None:
    write(container, [5, -5])


@pytest.mark.parametrize("leg_points", [[5, -4], [5], []])
def test_an_unbalanced_posting_is_refused_by_the_database(
    container: Container, leg_points: list[int]
) -> None:
    with pytest.raises(sa.exc.DBAPIError, match="unbalanced"):
        write(container, leg_points)


def test_a_zero_leg_is_refused(container: Container) -> None:
    with pytest.raises(sa.exc.IntegrityError):
        write(container, [0, 0])


def test_idempotency_keys_are_unique(container: Container) -> None:
    write(container, [1, -1], key="same")
    with pytest.raises(sa.exc.IntegrityError):
        write(container, [1, -1], key="same")


@pytest.mark.parametrize("table", ["postings", "legs", "audit_log"])
@pytest.mark.parametrize("statement", ["UPDATE {t} SET {c} = {c}", "DELETE FROM {t}"])
def test_posted_entries_cannot_be_updated_or_deleted(
    container: Container, table: str, statement: str
) -> None:
    send(container, EXAMPLE)
    column = {"postings": "memo", "legs": "points", "audit_log": "actor"}[table]
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), container.db.writer.begin() as conn:
        conn.exec_driver_sql(statement.format(t=table, c=column))
