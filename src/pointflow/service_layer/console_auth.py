"""Console sign-in: people, passwords, lock-out, server-side sessions with a CSRF token, log-out.

Every outcome (a log-in, a failure, a lock-out, a log-out, a new user) is written to the audit chain by the
store in the same transaction as the change it records, naming the person by username only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from pointflow.governance.access import ConsoleRole, LockoutPolicy, Person
from pointflow.governance.passwords import Passwords

# A session's last-seen time is written at most this often, so reading pages does not write every time.
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: str
    username: str
    password_hash: str
    roles: frozenset[ConsoleRole]
    failed_logins: int
    locked_until: datetime | None
    disabled: bool


@dataclass(frozen=True, slots=True)
class SessionRecord:
    person: Person
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


class UserStore(Protocol):
    """The users, roles and sessions, each change written with its audit entry."""

    def create(
        self, *, username: str, password_hash: str, roles: frozenset[ConsoleRole], at: datetime
    ) -> str:
        """Add a person; raises UserExists if the username is taken. Returns the new id."""
        ...

    def find(self, username: str) -> UserRecord | None: ...

    def record_failure(
        self, user: UserRecord | None, *, at: datetime, policy: LockoutPolicy, reason: str
    ) -> None:
        """Count a failed log-in (for a known user) and lock the account once the policy says so."""
        ...

    def open_session(
        self, user: UserRecord, *, id_hash: str, csrf_token: str, at: datetime, expires_at: datetime
    ) -> None:
        """Reset the failure count and open a session."""
        ...

    def session(self, id_hash: str) -> SessionRecord | None:
        """The open (not ended) session with this id hash, whoever it belongs to."""
        ...

    def touch(self, id_hash: str, at: datetime) -> None: ...

    def end_session(self, id_hash: str, *, at: datetime, reason: str) -> bool: ...


class UserExists(Exception):
    """The username is already taken."""


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str  # goes into the cookie; never stored
    csrf_token: str
    person: Person


@dataclass(frozen=True, slots=True)
class Refused:
    reason: Literal["invalid", "locked", "disabled"]


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    lifetime: timedelta
    idle: timedelta


@dataclass
class ConsoleAuth:
    """Signs people in and out; `key` (the session secret) keys the stored hash of each session token."""

    users: UserStore
    passwords: Passwords
    lockout: LockoutPolicy
    sessions: SessionPolicy
    key: bytes
    clock: Callable[[], datetime]

    def create_user(self, *, username: str, password: str, roles: frozenset[ConsoleRole]) -> str:
        if not roles:
            raise ValueError("a user needs at least one role")
        digest = self.passwords.hash(password)
        return self.users.create(username=username, password_hash=digest, roles=roles, at=self.clock())

    def log_in(self, username: str, password: str) -> SignedIn | Refused:
        now = self.clock()
        user = self.users.find(username)
        matches = self.passwords.verify(user.password_hash if user else None, password)
        refusal = _refusal(user, matches, now)
        if refusal is not None:
            self.users.record_failure(user, at=now, policy=self.lockout, reason=refusal.reason)
            return refusal
        assert user is not None  # _refusal refuses an unknown user
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        self.users.open_session(
            user, id_hash=self.hash(token), csrf_token=csrf, at=now, expires_at=now + self.sessions.lifetime
        )
        return SignedIn(token, csrf, Person(user.username, user.roles, via="password"))

    def current(self, token: str) -> SessionRecord | None:
        """The session this cookie token opens now, or None (unknown, ended, expired or idle too long)."""
        id_hash, now = self.hash(token), self.clock()
        found = self.users.session(id_hash)
        if found is None:
            return None
        if now >= found.expires_at or now - found.last_seen_at >= self.sessions.idle:
            self.users.end_session(id_hash, at=now, reason="expired")
            return None
        if now - found.last_seen_at >= TOUCH_EVERY:
            self.users.touch(id_hash, now)
        return found

    def log_out(self, token: str) -> bool:
        return self.users.end_session(self.hash(token), at=self.clock(), reason="logout")

    def hash(self, token: str) -> str:
        return hmac.new(self.key, token.encode(), hashlib.sha256).hexdigest()


def _refusal(user: UserRecord | None, matches: bool, now: datetime) -> Refused | None:
    if user is None or (not matches and (user.locked_until is None or user.locked_until <= now)):
        return Refused("invalid")
    if user.disabled:
        return Refused("disabled")
    # A locked account refuses even the right password until the lock ends.
    if user.locked_until is not None and user.locked_until > now:
        return Refused("locked")
    return None


def csrf_matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison of the session's CSRF token with the one the request sent."""
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())
