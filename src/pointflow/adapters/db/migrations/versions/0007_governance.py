"""Governance: drift checks, the drift fallback switch, governance alerts, age bands per token.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "drift_checks",
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("version", sa.String(16), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("series", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("psi", sa.Float(), nullable=False),
        sa.Column("ks", sa.Float(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("checked_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("model", "version", "as_of", "series", name=op.f("pk_drift_checks")),
    )
    op.create_table(
        "model_fallbacks",
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("version", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("model", "version", name=op.f("pk_model_fallbacks")),
    )
    op.create_table(
        "governance_alerts",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(96), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("subject", sa.String(160), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("raised_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_alerts")),
    )
    op.create_index("ix_governance_alerts_kind_as_of", "governance_alerts", ["kind", "as_of"])
    op.create_table(
        "member_attributes",
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("age_band", sa.String(16), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_member_attributes")),
    )


def downgrade() -> None:
    op.drop_table("member_attributes")
    op.drop_index("ix_governance_alerts_kind_as_of", table_name="governance_alerts")
    op.drop_table("governance_alerts")
    op.drop_table("model_fallbacks")
    op.drop_table("drift_checks")
