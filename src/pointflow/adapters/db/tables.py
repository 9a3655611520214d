"""The database schema (SQLAlchemy Core). Alembic migrations create it; this module names it for queries."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeEngine

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class ExactDecimal(TypeDecorator[Decimal]):
    """Decimal kept exact: NUMERIC on PostgreSQL, canonical text on SQLite (which has no decimal type)."""

    impl = String(48)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(48))
        return dialect.type_descriptor(Numeric(28, 8))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return str(value)

    def bind_processor(self, dialect: Dialect) -> Any:
        # The same as process_bind_param on SQLite, without TypeDecorator's wrapper: a hot-path column.
        return _decimal_text if dialect.name == "sqlite" else super().bind_processor(dialect)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:  # noqa: ARG002
        return None if value is None else Decimal(value)


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in, timezone-aware UTC out, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:  # noqa: ARG002
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(_NAIVE)
        return value.astimezone(UTC)

    def bind_processor(self, dialect: Dialect) -> Any:
        # On SQLite, the UTC conversion and the DATETIME text in one step (a hot-path column).
        return sqlite_utc_text if dialect.name == "sqlite" else super().bind_processor(dialect)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:  # noqa: ARG002
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


_NAIVE = "naive datetimes are refused: pointflow stores UTC only"


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def sqlite_utc_text(value: datetime | None) -> str | None:
    """The instant in UTC as SQLAlchemy's SQLite DATETIME stores it: "YYYY-MM-DD HH:MM:SS.ffffff"."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(_NAIVE)
    return value.astimezone(UTC).isoformat(" ", "microseconds")[:26]


MONEY = ExactDecimal()
TS = UtcDateTime()

programme_versions = Table(
    "programme_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("programme_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("body", Text, nullable=False),
    Column("loaded_at", TS, nullable=False),
    Column("loaded_by", String(128), nullable=False),
    UniqueConstraint("programme_id", "version"),
)

members = Table(
    "members",
    metadata,
    Column("token", String(64), primary_key=True),
    Column("tier", String(64), nullable=False),
    # Cached balances, updated in the same transaction as the legs they sum (checked by tests).
    Column("available", BigInteger, nullable=False),
    Column("pending", BigInteger, nullable=False),
    Column("debt", BigInteger, nullable=False),
    Column("created_at", TS, nullable=False),
    CheckConstraint("available >= 0", name="available_not_negative"),
    CheckConstraint("pending >= 0", name="pending_not_negative"),
    CheckConstraint("debt >= 0", name="debt_not_negative"),
)

identity_vault = Table(
    "identity_vault",
    metadata,
    Column("token", String(64), primary_key=True),
    Column("customer_id", String(128), nullable=False, unique=True),
)

inbox = Table(
    "inbox",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("source_system", String(64), nullable=False),
    Column("source_id", String(128), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("event_type", String(32), nullable=False),
    Column("canonical", Text, nullable=False),  # canonical JSON, exactly the text that was hashed
    Column("received_at", TS, nullable=False),
    UniqueConstraint("source_system", "source_id"),
)

accruals = Table(
    "accruals",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("inbox_id", String(32), ForeignKey("inbox.id"), nullable=False),
    Column("token", String(64), nullable=False, index=True),
    Column("source_system", String(64), nullable=False),
    Column("source_id", String(128), nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("booked_at", TS, nullable=False),
    Column("mcc", String(4)),
    Column("points", BigInteger, nullable=False),
    Column("exact_points", MONEY, nullable=False),
    Column("excluded_by", String(64)),
    Column("trace", JSON, nullable=False),
    Column("programme_version", Integer, ForeignKey("programme_versions.id"), nullable=False),
    Column("posting_id", String(32)),
    Column("lot_id", String(32)),
    UniqueConstraint("source_system", "source_id"),
)

reversals = Table(
    "reversals",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("inbox_id", String(32), ForeignKey("inbox.id"), nullable=False),
    Column("accrual_id", String(32), ForeignKey("accruals.id"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("amount", MONEY, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("debt_points", BigInteger, nullable=False),
    Column("posting_id", String(32)),
    Column("booked_at", TS, nullable=False),
    CheckConstraint("amount > 0", name="amount_positive"),
)

postings = Table(
    "postings",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("idempotency_key", String(160), nullable=False, unique=True),
    Column("token", String(64), index=True),
    Column("occurred_at", TS, nullable=False),
    Column("memo", String(256), nullable=False),
)

legs = Table(
    "legs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "posting_id",
        String(32),
        ForeignKey("postings.id", deferrable=True, initially="DEFERRED"),
        nullable=False,
        index=True,
    ),
    Column("account", String(32), nullable=False),
    Column("token", String(64)),
    Column("points", BigInteger, nullable=False),
    CheckConstraint("points <> 0", name="points_not_zero"),
)

lots = Table(
    "lots",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("token", String(64), nullable=False),
    Column("posting_id", String(32), nullable=False),
    Column("accrual_id", String(32)),
    Column("points", BigInteger, nullable=False),
    Column("remaining", BigInteger, nullable=False),
    Column("earned_on", Date, nullable=False),
    Column("expires_on", Date),
    Column("release_on", Date),
    Column("state", String(16), nullable=False),  # pending | available | closed
    CheckConstraint("points > 0", name="points_positive"),
    CheckConstraint("remaining >= 0 AND remaining <= points", name="remaining_in_range"),
    Index("ix_lots_token_state", "token", "state"),
    Index("ix_lots_state_expires", "state", "expires_on"),
    Index("ix_lots_state_release", "state", "release_on"),
)

lot_allocations = Table(
    "lot_allocations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("posting_id", String(32), nullable=False, index=True),
    Column("lot_id", String(32), ForeignKey("lots.id"), nullable=False, index=True),
    Column("points", BigInteger, nullable=False),
    CheckConstraint("points > 0", name="points_positive"),
)

points_debts = Table(
    "points_debts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("token", String(64), nullable=False, index=True),
    Column("posting_id", String(32), nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("reason", String(256), nullable=False),
    Column("created_at", TS, nullable=False),
    CheckConstraint("points > 0", name="points_positive"),
)

rule_usage = Table(
    "rule_usage",
    metadata,
    Column("token", String(64), primary_key=True),
    Column("rule_id", String(64), primary_key=True),
    Column("period_key", String(16), primary_key=True),
    Column("used", MONEY, nullable=False),
)

redemptions = Table(
    "redemptions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("token", String(64), nullable=False, index=True),
    Column("idempotency_key", String(160), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("reward_id", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("value", MONEY, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("posting_id", String(32), nullable=False),
    Column("created_at", TS, nullable=False),
    UniqueConstraint("token", "idempotency_key"),
)

# Online feature state: per member, day (UTC booking date), currency and MCC, updated by the hot path in
# the accrual's transaction. Amounts are integer ten-thousandths so both databases can add them in SQL.
member_activity_days = Table(
    "member_activity_days",
    metadata,
    Column("token", String(64), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("mcc", String(4), primary_key=True),  # "" when the transaction had none
    Column("spend_units", BigInteger, nullable=False),
    Column("txn_count", BigInteger, nullable=False),
    Column("points", BigInteger, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", TS, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", String(160), nullable=False),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("received_at", TS, nullable=False),
    Column("connector", String(64), nullable=False),
    Column("source_id", String(128)),
    Column("field", String(128)),
    Column("reason", Text, nullable=False),
    Column("raw", Text, nullable=False),
    Column("status", String(16), nullable=False),  # open | replayed | discarded
    Column("attempts", Integer, nullable=False),
    Column("resolved_at", TS),
    Index("ix_quarantine_status", "status", "received_at"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("key", String(160), nullable=False, unique=True),  # the receiver's idempotency key
    Column("kind", String(32), nullable=False),  # points_credited | offer | flag | notify
    Column("token", String(64), nullable=False),  # resolved to the core's customer id only on delivery
    Column("body", Text, nullable=False),  # JSON: account id and the values to write
    Column("created_at", TS, nullable=False),
    Column("state", String(16), nullable=False),  # pending | delivered | dead
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", TS, nullable=False),
    Column("last_error", Text),
    Column("delivered_at", TS),
    Index("ix_outbox_due", "state", "next_attempt_at"),
)

# What was composed for each offer notification (the outbox key is its id) and why: a retry sends the same
# words, and "why did the member read this?" is answered here. No personal data: the member is a token.
offer_messages = Table(
    "offer_messages",
    metadata,
    Column(
        "id", String(160), primary_key=True
    ),  # the outbox key: Message-ID, MQTT payload id, webhook header
    Column("token", String(64), nullable=False),
    Column("offer_id", String(64), nullable=False),
    Column("channel", String(16), nullable=False),  # email | push | webhook
    Column("locale", String(16), nullable=False),
    Column("template", String(160), nullable=False),  # e.g. shipped:de_DE/multiplier
    Column("source", String(16), nullable=False),  # template | rewrite
    Column("note", Text),  # why the template stands (rewrite refused or failed, override broken)
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Index("ix_offer_messages_offer", "offer_id"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("label", String(128), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("revoked_at", TS),
    # The one member a scoped key may act for, as a token (never the customer id); null: programme-wide.
    Column("member_token", String(64)),
)

job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job", String(64), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("started_at", TS, nullable=False),
    Column("result", JSON, nullable=False),
)

# One row per member scored per commit group, never updated: the score, where it came from, why.
member_scores = Table(
    "member_scores",
    metadata,
    Column("id", String(32), primary_key=True),  # time-ordered, so the newest of a member is the largest
    Column("token", String(64), nullable=False),
    Column("model", String(64), nullable=False),  # what is predicted: "propensity"
    Column("source", String(96), nullable=False),  # "model:propensity/v0003" or "fallback-rule"
    Column("probability", Float, nullable=False),
    Column("low_confidence", Boolean, nullable=False),
    Column("reasons", JSON, nullable=False),  # why the rule scored: no model, or the features at fault
    Column("contributions", JSON, nullable=False),  # top [feature, log-odds]; the rule: its input and rule
    Column("explained_by", String(16), nullable=False),  # "path" (decision-path attribution) or "rule"
    Column("imputed", JSON, nullable=False),  # features the hot path cannot observe, filled by the median
    Column("source_system", String(64), nullable=False),  # the event that caused the score
    Column("source_id", String(128), nullable=False),
    Column("as_of", Date, nullable=False),  # the features' as-of day: that event's booking day (UTC)
    Column("scored_at", TS, nullable=False),
    Index("ix_member_scores_token_id", "token", "id"),
)
