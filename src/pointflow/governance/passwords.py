"""Console passwords: argon2id hashes, generated passwords, and a check that costs the same for no user."""

from __future__ import annotations

import secrets
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12


class WeakPassword(ValueError):
    """A password shorter than MIN_LENGTH characters."""


class Passwords:
    """Hashes and checks passwords with argon2id (argon2-cffi's recommended parameters unless given)."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or PasswordHasher()

    @cached_property
    def _decoy(self) -> str:
        # Checking against this when the username is unknown makes a miss as slow as a wrong password.
        return self.hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        if len(password) < MIN_LENGTH:
            raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
        return self.hasher.hash(password)

    def verify(self, stored: str | None, password: str) -> bool:
        """True if `password` matches `stored`; with no stored hash, spends the same time and says False."""
        try:
            return bool(self.hasher.verify(stored or self._decoy, password)) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        return self.hasher.check_needs_rehash(stored)


def generate_password() -> str:
    """A random password of 24 URL-safe characters (about 144 bits)."""
    return secrets.token_urlsafe(18)
