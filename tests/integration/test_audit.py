"""The hash-chained audit log: `pointflow audit verify` names the first bad record after tampering."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from pointflow.adapters.db.audit_store import iter_entries, read_head
from pointflow.bootstrap import Container
from pointflow.entrypoints.cli import app
from pointflow.governance.audit import verify_chain
from tests.factories import purchase, ref, send


@pytest.fixture
def audited(container: Container) -> Container:
    send(container, *[purchase(ref("cust"), f"{10 + i}.00") for i in range(6)])
    return container


def verify(container: Container) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["audit", "verify"], env={"POINTFLOW_DATABASE_URL": container.db.url})
    return result.exit_code, result.output


def tamper(container: Container, sql: str) -> None:
    """What an attacker with database rights does: lift the append-only guard, change a row, restore it."""
    with container.db.writer.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        conn.exec_driver_sql(sql)


def test_every_posting_and_programme_change_is_audited(audited: Container) -> None:
    with audited.db.reader.connect() as conn:
        actions = [e.action for e in iter_entries(conn)]
    assert actions[0] == "programme.loaded"
    assert actions.count("points.accrued") == 6


def test_an_intact_chain_verifies(audited: Container) -> None:
    code, output = verify(audited)
    assert code == 0, output
    assert "intact: 7 records" in output


@pytest.mark.parametrize(
    ("sql", "bad_seq"),
    [
        ("UPDATE audit_log SET details = replace(details, '\"points\":', '\"points\":9') WHERE seq = 4", 4),
        ("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 2", 2),
        ("DELETE FROM audit_log WHERE seq = 3", 3),
        ("DELETE FROM audit_log WHERE seq = 7", 7),
        ("UPDATE audit_log SET at = at WHERE seq = 1", None),
    ],
)
def test_a_single_row_edit_or_delete_is_named(audited: Container, sql: str, bad_seq: int | None) -> None:
    tamper(audited, sql)
    code, output = verify(audited)
    if bad_seq is None:
        assert code == 0, "rewriting a row with identical content is not tampering"
        return
    assert code == 1
    assert f"broken at record {bad_seq}" in output


def test_verify_chain_reads_the_database_in_pages(audited: Container) -> None:
    with audited.db.reader.connect() as conn:
        assert verify_chain(iter_entries(conn, batch=2), read_head(conn)) is None
