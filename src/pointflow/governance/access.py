"""Who may do what in the console: people's roles, the lock-out rule, the identity provider's mapping."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class ConsoleRole(StrEnum):
    VIEWER = "viewer"  # reads the overview and reports
    MARKETING_OPS = "marketing_ops"  # approves or rejects offers that wait for a person
    PRODUCT_MANAGER = "product_manager"  # proposes and approves programme changes, activates campaigns
    RISK = "risk"  # models, drift, fairness, audit; approves going live
    ADMIN = "admin"  # people, roles and everything above


@dataclass(frozen=True, slots=True)
class Person:
    """Someone signed in to the console, by username (no other personal data is kept)."""

    username: str
    roles: frozenset[ConsoleRole]
    via: str  # "password" or "oidc"

    def holds(self, allowed: Iterable[ConsoleRole]) -> bool:
        """True if any of the person's roles is allowed; admin is allowed everywhere."""
        return ConsoleRole.ADMIN in self.roles or bool(self.roles & frozenset(allowed))


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    attempts: int  # consecutive failures that lock the account
    minutes: float  # for how long

    def locked_until(self, failures: int, at: datetime) -> datetime | None:
        """After `failures` consecutive failures ending at `at`: the end of the lock-out, or None."""
        if failures < self.attempts:
            return None
        return at + timedelta(minutes=self.minutes)


def parse_roles(values: Iterable[str]) -> frozenset[ConsoleRole]:
    """Role names to roles; an unknown name raises ValueError naming it."""
    roles = set()
    for value in values:
        try:
            roles.add(ConsoleRole(value))
        except ValueError:
            known = ", ".join(r.value for r in ConsoleRole)
            raise ValueError(f"unknown role {value!r} (known: {known})") from None
    return frozenset(roles)


def roles_from_claim(claim: object, role_map: Mapping[str, Iterable[str]]) -> frozenset[ConsoleRole]:
    """The console roles the provider's groups (a list or one string) map to; unmapped groups give none."""
    groups = [claim] if isinstance(claim, str) else claim if isinstance(claim, list) else []
    roles: set[ConsoleRole] = set()
    for group in groups:
        if isinstance(group, str):
            roles |= parse_roles(role_map.get(group, ()))
    return frozenset(roles)
