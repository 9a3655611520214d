"""Console sign-in against a hand-written store: passwords, lock-out, session expiry, log-out, CSRF tokens."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from pointflow.governance.access import ConsoleRole, LockoutPolicy, Person, parse_roles, roles_from_claim
from pointflow.governance.passwords import Passwords, WeakPassword
from pointflow.service_layer.console_auth import (
    ConsoleAuth,
    Refused,
    SessionPolicy,
    SessionRecord,
    SignedIn,
    UserRecord,
    csrf_matches,
)

PASSWORD = "correct horse battery staple"
# Cheap parameters: the tests check the logic, not argon2's cost.
FAST = Passwords(PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


@dataclass
class FakeUsers:
    users: dict[str, UserRecord] = field(default_factory=dict)
    sessions: dict[str, SessionRecord] = field(default_factory=dict)
    audit: list[tuple[str, str]] = field(default_factory=list)

    def create(
        self, *, username: str, password_hash: str, roles: frozenset[ConsoleRole], at: datetime
    ) -> str:
        self.users[username] = UserRecord(username, username, password_hash, roles, 0, None, False)
        return username

    def find(self, username: str) -> UserRecord | None:
        return self.users.get(username)

    def record_failure(
        self, user: UserRecord | None, *, at: datetime, policy: LockoutPolicy, reason: str
    ) -> None:
        self.audit.append(("console.login_failed", reason))
        if user is None or reason != "invalid":
            return
        failures = user.failed_logins + 1
        until = policy.locked_until(failures, at)
        if until is None:
            self.users[user.username] = replace(user, failed_logins=failures)
        else:
            self.users[user.username] = replace(user, failed_logins=0, locked_until=until)
            self.audit.append(("console.lockout", user.username))

    def open_session(
        self, user: UserRecord, *, id_hash: str, csrf_token: str, at: datetime, expires_at: datetime
    ) -> None:
        self.users[user.username] = replace(user, failed_logins=0, locked_until=None)
        person = Person(user.username, user.roles, "password")
        self.sessions[id_hash] = SessionRecord(person, csrf_token, at, at, expires_at)
        self.audit.append(("console.login", user.username))

    def session(self, id_hash: str) -> SessionRecord | None:
        return self.sessions.get(id_hash)

    def touch(self, id_hash: str, at: datetime) -> None:
        self.sessions[id_hash] = replace(self.sessions[id_hash], last_seen_at=at)

    def end_session(self, id_hash: str, *, at: datetime, reason: str) -> bool:
        self.audit.append(("console.logout", reason))
        return self.sessions.pop(id_hash, None) is not None


@dataclass
class Clock:
    now: datetime = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def auth(clock: Clock) -> ConsoleAuth:
    built = ConsoleAuth(
        users=FakeUsers(),
        passwords=FAST,
        lockout=LockoutPolicy(attempts=3, minutes=15),
        sessions=SessionPolicy(lifetime=timedelta(hours=8), idle=timedelta(minutes=30)),
        key=b"k" * 32,
        clock=clock,
    )
    built.create_user(username="ana", password=PASSWORD, roles=frozenset({ConsoleRole.RISK}))
    return built


def test_the_right_password_opens_a_session_that_the_cookie_token_finds(auth: ConsoleAuth) -> None:
    outcome = auth.log_in("ana", PASSWORD)
    assert isinstance(outcome, SignedIn)
    assert outcome.person.roles == {ConsoleRole.RISK}
    found = auth.current(outcome.token)
    assert found is not None
    assert found.csrf_token == outcome.csrf_token
    assert outcome.token not in auth.users.sessions  # type: ignore[attr-defined]  # only its keyed hash


def test_a_wrong_password_and_an_unknown_user_are_refused_alike(auth: ConsoleAuth) -> None:
    assert auth.log_in("ana", "wrong password!!") == Refused("invalid")
    assert auth.log_in("nobody", PASSWORD) == Refused("invalid")


def test_three_failures_lock_the_account_even_against_the_right_password_until_the_lock_ends(
    auth: ConsoleAuth, clock: Clock
) -> None:
    for _ in range(3):
        assert auth.log_in("ana", "wrong password!!") == Refused("invalid")
    assert ("console.lockout", "ana") in auth.users.audit  # type: ignore[attr-defined]
    assert auth.log_in("ana", PASSWORD) == Refused("locked")
    clock.now += timedelta(minutes=14)
    assert auth.log_in("ana", PASSWORD) == Refused("locked")
    clock.now += timedelta(minutes=1)
    assert isinstance(auth.log_in("ana", PASSWORD), SignedIn)


def test_a_success_resets_the_count_of_consecutive_failures(auth: ConsoleAuth) -> None:
    for _ in range(2):
        auth.log_in("ana", "wrong password!!")
    assert isinstance(auth.log_in("ana", PASSWORD), SignedIn)
    for _ in range(2):
        auth.log_in("ana", "wrong password!!")
    assert isinstance(auth.log_in("ana", PASSWORD), SignedIn)


def test_a_session_ends_when_idle_too_long_or_past_its_lifetime(auth: ConsoleAuth, clock: Clock) -> None:
    idle = auth.log_in("ana", PASSWORD)
    assert isinstance(idle, SignedIn)
    clock.now += timedelta(minutes=29)
    assert auth.current(idle.token) is not None
    clock.now += timedelta(minutes=30)
    assert auth.current(idle.token) is None
    busy = auth.log_in("ana", PASSWORD)
    assert isinstance(busy, SignedIn)
    for _ in range(16):  # active every 29 minutes (7 h 44 min in all) ...
        clock.now += timedelta(minutes=29)
        assert auth.current(busy.token) is not None
    clock.now += timedelta(minutes=29)  # ... yet never longer than 8 hours
    assert auth.current(busy.token) is None


def test_log_out_ends_the_session(auth: ConsoleAuth) -> None:
    outcome = auth.log_in("ana", PASSWORD)
    assert isinstance(outcome, SignedIn)
    assert auth.log_out(outcome.token)
    assert auth.current(outcome.token) is None
    assert not auth.log_out(outcome.token)


def test_a_short_password_or_no_role_is_refused(auth: ConsoleAuth) -> None:
    with pytest.raises(WeakPassword):
        auth.create_user(username="bo", password="short", roles=frozenset({ConsoleRole.VIEWER}))
    with pytest.raises(ValueError, match="role"):
        auth.create_user(username="bo", password=PASSWORD, roles=frozenset())


def test_csrf_tokens_compare_exactly() -> None:
    assert csrf_matches("abc", "abc")
    assert not csrf_matches("abc", "abd")
    assert not csrf_matches("abc", None)
    assert not csrf_matches("abc", "")


def test_admin_holds_every_role_and_the_others_only_their_own() -> None:
    admin = Person("a", frozenset({ConsoleRole.ADMIN}), "password")
    viewer = Person("v", frozenset({ConsoleRole.VIEWER}), "password")
    assert admin.holds({ConsoleRole.RISK})
    assert viewer.holds({ConsoleRole.VIEWER, ConsoleRole.RISK})
    assert not viewer.holds({ConsoleRole.RISK})


def test_the_providers_groups_map_to_roles_and_unknown_names_are_refused() -> None:
    mapping = {"loyalty-risk": ["risk", "viewer"], "loyalty-ops": ["marketing_ops"]}
    assert roles_from_claim(["loyalty-risk", "other"], mapping) == {ConsoleRole.RISK, ConsoleRole.VIEWER}
    assert roles_from_claim("loyalty-ops", mapping) == {ConsoleRole.MARKETING_OPS}
    assert roles_from_claim(None, mapping) == frozenset()
    assert roles_from_claim([7], mapping) == frozenset()
    with pytest.raises(ValueError, match="superuser"):
        parse_roles(["superuser"])


def test_passwords_are_argon2id_and_verify_only_the_right_one() -> None:
    stored = FAST.hash(PASSWORD)
    assert stored.startswith("$argon2id$")
    assert FAST.verify(stored, PASSWORD)
    assert not FAST.verify(stored, PASSWORD + "!")
    assert not FAST.verify(None, PASSWORD)
    assert not FAST.verify("not a hash", PASSWORD)
