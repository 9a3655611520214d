"""Console users on SQLite and PostgreSQL: roles, duplicates, the failure count and lock, sessions, the audit
entries each change writes, and `pointflow user create`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from typer.testing import CliRunner

from pointflow.adapters.db.audit_store import iter_entries, read_head
from pointflow.adapters.db.user_store import SqlUsers
from pointflow.adapters.db.user_tables import console_sessions, users
from pointflow.bootstrap import Container
from pointflow.entrypoints.cli import app
from pointflow.governance.access import ConsoleRole, LockoutPolicy
from pointflow.governance.audit import verify_chain
from pointflow.service_layer.console_auth import SignedIn, UserExists
from tests.console_support import make_user

ROLES = frozenset({ConsoleRole.RISK, ConsoleRole.VIEWER})


def test_a_user_holds_several_roles_and_a_name_is_taken_once(container: Container) -> None:
    store = SqlUsers(container.db)
    store.create(username="ana", password_hash="$argon2id$x", roles=ROLES, at=container.clock())
    found = store.find("ana")
    assert found is not None
    assert found.roles == ROLES
    assert found.failed_logins == 0
    with pytest.raises(UserExists):
        store.create(username="ana", password_hash="$argon2id$y", roles=ROLES, at=container.clock())
    assert store.find("nobody") is None


def test_failures_count_lock_and_reset_in_the_table(container: Container) -> None:
    store, now = SqlUsers(container.db), container.clock()
    store.create(username="bo", password_hash="h", roles=ROLES, at=now)
    policy = LockoutPolicy(attempts=2, minutes=10)
    store.record_failure(store.find("bo"), at=now, policy=policy, reason="invalid")
    assert store.find("bo").failed_logins == 1  # type: ignore[union-attr]
    store.record_failure(store.find("bo"), at=now, policy=policy, reason="invalid")
    locked = store.find("bo")
    assert locked is not None
    assert locked.locked_until == now + timedelta(minutes=10)
    store.record_failure(locked, at=now, policy=policy, reason="locked")  # does not extend the lock
    assert store.find("bo").locked_until == now + timedelta(minutes=10)  # type: ignore[union-attr]


def test_a_session_is_found_by_its_hash_and_ends_once(container: Container) -> None:
    username, password = make_user(container, ConsoleRole.MARKETING_OPS)
    signed = container.console.log_in(username, password)
    assert isinstance(signed, SignedIn)
    with container.db.reader.connect() as conn:
        stored = conn.execute(console_sessions.select()).one()
        hashed = conn.execute(users.select().where(users.c.username == username)).one().password_hash
    assert stored.id_hash != signed.token
    assert stored.id_hash == container.console.hash(signed.token)
    assert hashed.startswith("$argon2id$")
    assert password not in hashed
    found = container.console.current(signed.token)
    assert found is not None
    assert found.person.roles == {ConsoleRole.MARKETING_OPS}
    assert container.console.log_out(signed.token)
    assert container.console.current(signed.token) is None
    assert not container.console.log_out(signed.token)


def test_every_change_is_audited_by_username_only_and_the_chain_holds(container: Container) -> None:
    username, password = make_user(container, ConsoleRole.VIEWER)
    container.console.log_in(username, "wrong password, long")
    signed = container.console.log_in(username, password)
    assert isinstance(signed, SignedIn)
    container.console.log_out(signed.token)
    with container.db.reader.connect() as conn:
        entries = [e for e in iter_entries(conn) if e.action.startswith("console.")]
        assert verify_chain(iter_entries(conn), read_head(conn)) is None
    assert [e.action for e in entries] == [
        "console.user_created",
        "console.login_failed",
        "console.login",
        "console.logout",
    ]
    assert {e.actor for e in entries} == {f"console:{username}"}
    assert all(password not in str(e.details) and signed.token not in str(e.details) for e in entries)


def test_the_cli_creates_a_user_and_prints_a_password_that_logs_in(
    database_url: str, container: Container
) -> None:
    env = {"POINTFLOW_DATABASE_URL": database_url, "POINTFLOW_ENVIRONMENT": "test"}
    result = CliRunner().invoke(
        app, ["user", "create", "--username", "cli-user", "--role", "risk", "--role", "viewer"], env=env
    )
    assert result.exit_code == 0, result.output
    password = result.stdout.strip().splitlines()[-1]
    signed = container.console.log_in("cli-user", password)
    assert isinstance(signed, SignedIn)
    assert signed.person.roles == ROLES

    given = CliRunner().invoke(
        app,
        ["user", "create", "--username", "piped", "--role", "admin", "--password-stdin"],
        env=env,
        input="a password typed by a person\n",
    )
    assert given.exit_code == 0
    assert "a password" not in given.stdout
    assert isinstance(container.console.log_in("piped", "a password typed by a person"), SignedIn)

    again = CliRunner().invoke(app, ["user", "create", "--username", "piped", "--role", "admin"], env=env)
    assert again.exit_code == 1
    assert "already exists" in again.output
