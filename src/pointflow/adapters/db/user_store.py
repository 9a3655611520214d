"""Console users, roles and sessions in SQL; each change written with its audit entry in one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from pointflow.adapters.db.audit_store import open_appender
from pointflow.adapters.db.engine import Database
from pointflow.adapters.db.user_tables import console_sessions, user_roles, users
from pointflow.domain.ids import new_id
from pointflow.governance.access import ConsoleRole, LockoutPolicy, Person
from pointflow.service_layer.console_auth import SessionRecord, UserExists, UserRecord

UNKNOWN_ACTOR = "console:unknown"  # a failed log-in for no known user: what was typed is not kept


class SqlUsers:
    """The console's `UserStore` over the users, user_roles and console_sessions tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(
        self, *, username: str, password_hash: str, roles: frozenset[ConsoleRole], at: datetime
    ) -> str:
        user_id = new_id()
        row = {"id": user_id, "username": username, "password_hash": password_hash, "created_at": at}
        try:
            with self.db.write() as conn:
                conn.execute(insert(users).values(**row, failed_logins=0))
                conn.execute(
                    insert(user_roles), [{"user_id": user_id, "role": r.value} for r in sorted(roles)]
                )
                _audit(conn, at, "console.user_created", username, {"roles": sorted(r.value for r in roles)})
        except IntegrityError:
            raise UserExists(f"a user named {username!r} already exists") from None
        return user_id

    def find(self, username: str) -> UserRecord | None:
        with self.db.reader.connect() as conn:
            row = conn.execute(select(users).where(users.c.username == username)).first()
            if row is None:
                return None
            return UserRecord(
                id=row.id,
                username=row.username,
                password_hash=row.password_hash,
                roles=_roles(conn, row.id),
                failed_logins=row.failed_logins,
                locked_until=row.locked_until,
                disabled=row.disabled_at is not None,
            )

    def record_failure(
        self, user: UserRecord | None, *, at: datetime, policy: LockoutPolicy, reason: str
    ) -> None:
        with self.db.write() as conn:
            if user is None:
                _audit(conn, at, "console.login_failed", None, {"reason": "unknown user"})
                return
            _audit(conn, at, "console.login_failed", user.username, {"reason": reason})
            if reason != "invalid":
                return  # a locked or disabled account's attempts neither count nor extend the lock
            failures = conn.execute(
                update(users)
                .where(users.c.id == user.id)
                .values(failed_logins=users.c.failed_logins + 1)
                .returning(users.c.failed_logins)
            ).scalar_one()
            until = policy.locked_until(int(failures), at)
            if until is not None:
                # The lock resets the count: once it ends, the person has the full number of tries again.
                conn.execute(
                    update(users).where(users.c.id == user.id).values(failed_logins=0, locked_until=until)
                )
                details = {"failures": int(failures), "locked_until": until.isoformat()}
                _audit(conn, at, "console.lockout", user.username, details)

    def open_session(
        self, user: UserRecord, *, id_hash: str, csrf_token: str, at: datetime, expires_at: datetime
    ) -> None:
        with self.db.write() as conn:
            conn.execute(
                update(users)
                .where(users.c.id == user.id)
                .values(failed_logins=0, locked_until=None, last_login_at=at)
            )
            conn.execute(
                insert(console_sessions).values(
                    id_hash=id_hash,
                    user_id=user.id,
                    csrf_token=csrf_token,
                    created_at=at,
                    last_seen_at=at,
                    expires_at=expires_at,
                )
            )
            _audit(conn, at, "console.login", user.username, {"roles": sorted(r.value for r in user.roles)})

    def session(self, id_hash: str) -> SessionRecord | None:
        query = (
            select(console_sessions, users.c.username, users.c.disabled_at)
            .join(users, users.c.id == console_sessions.c.user_id)
            .where(console_sessions.c.id_hash == id_hash, console_sessions.c.ended_at.is_(None))
        )
        with self.db.reader.connect() as conn:
            row = conn.execute(query).first()
            if row is None or row.disabled_at is not None:
                return None
            person = Person(row.username, _roles(conn, row.user_id), via="password")
        return SessionRecord(person, row.csrf_token, row.created_at, row.last_seen_at, row.expires_at)

    def touch(self, id_hash: str, at: datetime) -> None:
        with self.db.write() as conn:
            conn.execute(
                update(console_sessions).where(console_sessions.c.id_hash == id_hash).values(last_seen_at=at)
            )

    def end_session(self, id_hash: str, *, at: datetime, reason: str) -> bool:
        with self.db.write() as conn:
            row = conn.execute(
                select(users.c.username)
                .join(console_sessions, users.c.id == console_sessions.c.user_id)
                .where(console_sessions.c.id_hash == id_hash, console_sessions.c.ended_at.is_(None))
            ).first()
            if row is None:
                return False
            conn.execute(
                update(console_sessions).where(console_sessions.c.id_hash == id_hash).values(ended_at=at)
            )
            _audit(conn, at, "console.logout", row.username, {"reason": reason})
        return True

    def usernames(self) -> list[str]:
        with self.db.reader.connect() as conn:
            return list(conn.execute(select(users.c.username).order_by(users.c.username)).scalars())


def _roles(conn: Connection, user_id: str) -> frozenset[ConsoleRole]:
    names = conn.execute(select(user_roles.c.role).where(user_roles.c.user_id == user_id)).scalars()
    return frozenset(ConsoleRole(n) for n in names)


def _audit(
    conn: Connection, at: datetime, action: str, username: str | None, details: Mapping[str, Any]
) -> None:
    actor = UNKNOWN_ACTOR if username is None else f"console:{username}"
    appender = open_appender(conn)
    appender.add(at=at, actor=actor, action=action, subject=f"user:{username or '?'}", details=details)
    appender.flush(conn)
