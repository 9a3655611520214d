"""The schema of console users (migration 0008): people, their roles and their sessions."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from pointflow.adapters.db.tables import TS, metadata

# A person who signs in to the console. The username is the only personal datum kept.
users = Table(
    "users",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("username", String(128), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),  # argon2id, with its parameters and salt
    Column("created_at", TS, nullable=False),
    Column("disabled_at", TS),
    Column("failed_logins", Integer, nullable=False),  # consecutive; a success resets it
    Column("locked_until", TS),
    Column("last_login_at", TS),
)

user_roles = Table(
    "user_roles",
    metadata,
    Column("user_id", String(32), ForeignKey("users.id"), primary_key=True),
    Column("role", String(32), primary_key=True),
)

# Server-side sessions: the cookie carries a random token; only its keyed hash is stored, so a copy of
# this table opens no session. Log-out ends the row; an ended or expired row never opens again.
console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", String(32), ForeignKey("users.id"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("last_seen_at", TS, nullable=False),
    Column("expires_at", TS, nullable=False),
    Column("ended_at", TS),
    Index("ix_console_sessions_user", "user_id"),
)
