"""The schema of programme changes under maker-checker and of campaign rollouts set from the console
(migration 0010)."""

from __future__ import annotations

from sqlalchemy import JSON, CheckConstraint, Column, Float, Index, Integer, String, Table, Text

from pointflow.adapters.db.tables import TS, metadata

programme_changes = Table(
    "programme_changes",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("programme_id", String(64), nullable=False),
    Column("base_version", Integer, nullable=False),  # programme_versions.id active when proposed
    Column("proposed_yaml", Text, nullable=False),
    Column("yaml_hash", String(64), nullable=False),  # sha256 of proposed_yaml: what an approval is tied to
    Column("summary", Text, nullable=False),
    Column("state", String(16), nullable=False),  # proposed | approved | rejected | applied
    Column("proposed_by", String(128), nullable=False),
    Column("proposed_at", TS, nullable=False),
    Column("backtest", JSON),  # service_layer.backtest.Backtest.as_json()
    Column("backtested_at", TS),
    Column("reviewed_by", String(128)),
    Column("reason", Text),
    Column("decided_at", TS),
    Column("applied_version", Integer),  # programme_versions.id it became
    CheckConstraint("state IN ('proposed', 'approved', 'rejected', 'applied')", name="known_state"),
    # The database keeps the four-eyes rule too: no one reviews their own proposal.
    CheckConstraint("reviewed_by IS NULL OR reviewed_by <> proposed_by", name="four_eyes"),
    Index("ix_programme_changes_state", "state", "proposed_at"),
)

campaign_changes = Table(
    "campaign_changes",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("campaign", String(48), nullable=False),
    Column("mode", String(16), nullable=False),
    Column("pilot_share", Float, nullable=False),
    Column("state", String(16), nullable=False),  # proposed (waits for risk) | rejected | applied
    Column("proposed_by", String(128), nullable=False),
    Column("proposed_at", TS, nullable=False),
    Column("reviewed_by", String(128)),
    Column("reason", Text),
    Column("decided_at", TS),
    CheckConstraint("state IN ('proposed', 'rejected', 'applied')", name="known_state"),
    CheckConstraint("reviewed_by IS NULL OR reviewed_by <> proposed_by", name="four_eyes"),
    Index("ix_campaign_changes_campaign", "campaign", "proposed_at"),
)

# The rollout the offers engine uses for a campaign, overriding the programme file's when a row exists.
campaign_rollouts = Table(
    "campaign_rollouts",
    metadata,
    Column("campaign", String(48), primary_key=True),
    Column("mode", String(16), nullable=False),
    Column("pilot_share", Float, nullable=False),
    Column("change_id", String(32), nullable=False),
    Column("set_at", TS, nullable=False),
    CheckConstraint("mode IN ('shadow', 'pilot', 'live')", name="known_mode"),
    CheckConstraint("pilot_share >= 0 AND pilot_share <= 1", name="share_in_range"),
)
