"""API keys for machines: only a hash is stored; the key itself is shown once, at creation."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import insert, select, update

from pointflow.adapters.db.engine import Database
from pointflow.adapters.db.tables import api_keys
from pointflow.domain.ids import new_id


class Role(StrEnum):
    INGEST = "ingest"
    READ = "read"
    REDEEM = "redeem"
    ADMIN = "admin"
    MARKETING = "marketing"  # approves or rejects offers that wait for a person


# Roles a key may be scoped to one member with: a member's app reads and redeems; the others act
# programme-wide by nature (ingest, approvals), so a scoped key of theirs could call nothing or too much.
SCOPABLE_ROLES = frozenset({Role.READ, Role.REDEEM})


class ScopeNotAllowed(ValueError):
    """Only read and redeem keys may be scoped to one member."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    role: Role
    label: str
    member_token: str | None = None  # the one member the key may act for; None: programme-wide


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiKeyStore:
    """Keys by hash; a found key is remembered for CACHE_SECONDS (a revocation elsewhere waits that long)."""

    CACHE_SECONDS = 5.0

    def __init__(self, db: Database) -> None:
        self.db = db
        self._seen: dict[str, tuple[float, ApiKey]] = {}

    def create(
        self, role: Role, label: str, at: datetime, member_token: str | None = None
    ) -> tuple[ApiKey, str]:
        if member_token is not None and role not in SCOPABLE_ROLES:
            raise ScopeNotAllowed(f"a {role.value} key cannot be scoped to one member (only read, redeem)")
        key_id = new_id()
        key = f"pf_{role.value}_{secrets.token_urlsafe(32)}"
        with self.db.write() as conn:
            conn.execute(
                insert(api_keys).values(
                    id=key_id,
                    key_hash=_hash(key),
                    role=role.value,
                    label=label,
                    created_at=at,
                    member_token=member_token,
                )
            )
        return ApiKey(key_id, role, label, member_token), key

    def find(self, key: str) -> ApiKey | None:
        digest = _hash(key)
        seen = self._seen.get(digest)
        if seen is not None and time.monotonic() - seen[0] < self.CACHE_SECONDS:
            return seen[1]
        with self.db.reader.connect() as conn:
            row = conn.execute(
                select(api_keys).where(api_keys.c.key_hash == digest, api_keys.c.revoked_at.is_(None))
            ).first()
        if row is None:
            self._seen.pop(digest, None)
            return None
        found = ApiKey(row.id, Role(row.role), row.label, row.member_token)
        self._seen[digest] = (time.monotonic(), found)
        return found

    def revoke(self, key_id: str, at: datetime) -> bool:
        self._seen = {k: v for k, v in self._seen.items() if v[1].id != key_id}
        with self.db.write() as conn:
            result = conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(revoked_at=at))
        return result.rowcount > 0
