"""The schema of governance (migration 0007): drift checks per model version and series, the drift
fallback switch, governance alerts (drift and fairness), and the age band per token that fairness measures."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Float, Index, Integer, String, Table, Text

from pointflow.adapters.db.tables import TS, metadata

# One row per model version, as-of date and series (a feature, or "score"); a re-run for the date replaces.
drift_checks = Table(
    "drift_checks",
    metadata,
    Column("model", String(64), primary_key=True),
    Column("version", String(16), primary_key=True),
    Column("as_of", Date, primary_key=True),
    Column("series", String(128), primary_key=True),  # a feature name, or "score"
    Column("kind", String(16), nullable=False),  # feature | score
    Column("rows", Integer, nullable=False),
    Column("psi", Float, nullable=False),
    Column("ks", Float),  # only for a continuous reference
    Column("status", String(16), nullable=False),  # ok | alert | fallback
    Column("checked_at", TS, nullable=False),
)

# Whether a model version's scores are replaced by the rule because of drift, and since which check.
model_fallbacks = Table(
    "model_fallbacks",
    metadata,
    Column("model", String(64), primary_key=True),
    Column("version", String(16), primary_key=True),
    Column("active", Boolean, nullable=False),
    Column("as_of", Date, nullable=False),  # the check that set the state; an older check cannot undo it
    Column("reason", Text, nullable=False),
    Column("changed_at", TS, nullable=False),
)

governance_alerts = Table(
    "governance_alerts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(16), nullable=False),  # drift | fairness
    Column("scope", String(96), nullable=False),  # "propensity/v0003", or "fairness"
    Column("as_of", Date, nullable=False),
    Column("subject", String(160), nullable=False),  # the feature, or "age_band:offer_rate"
    Column("level", String(16), nullable=False),  # alert | fallback | out_of_band
    Column("value", Float),
    Column("message", Text, nullable=False),
    Column("raised_at", TS, nullable=False),
    Index("ix_governance_alerts_kind_as_of", "kind", "as_of"),
)

# The age band only (never the birth date), read from the core's customer master at the identity boundary.
member_attributes = Table(
    "member_attributes",
    metadata,
    Column("token", String(64), primary_key=True),
    Column("age_band", String(16), nullable=False),  # governance.fairness.AGE_BANDS, or "unknown"
    Column("observed_on", Date, nullable=False),  # the band is that of this day's year
)
