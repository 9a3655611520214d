"""Programme changes under maker-checker, with their back-tests; campaign rollouts set from the console.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "programme_changes",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("programme_id", sa.String(64), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=False),
        sa.Column("proposed_yaml", sa.Text(), nullable=False),
        sa.Column("yaml_hash", sa.String(64), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("proposed_by", sa.String(128), nullable=False),
        sa.Column("proposed_at", TS, nullable=False),
        sa.Column("backtest", sa.JSON(), nullable=True),
        sa.Column("backtested_at", TS, nullable=True),
        sa.Column("reviewed_by", sa.String(128), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("applied_version", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "state IN ('proposed', 'approved', 'rejected', 'applied')",
            name=op.f("ck_programme_changes_known_state"),
        ),
        sa.CheckConstraint(
            "reviewed_by IS NULL OR reviewed_by <> proposed_by",
            name=op.f("ck_programme_changes_four_eyes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_changes")),
    )
    op.create_index("ix_programme_changes_state", "programme_changes", ["state", "proposed_at"])
    op.create_table(
        "campaign_changes",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("campaign", sa.String(48), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("pilot_share", sa.Float(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("proposed_by", sa.String(128), nullable=False),
        sa.Column("proposed_at", TS, nullable=False),
        sa.Column("reviewed_by", sa.String(128), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.CheckConstraint(
            "state IN ('proposed', 'rejected', 'applied')", name=op.f("ck_campaign_changes_known_state")
        ),
        sa.CheckConstraint(
            "reviewed_by IS NULL OR reviewed_by <> proposed_by", name=op.f("ck_campaign_changes_four_eyes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_changes")),
    )
    op.create_index("ix_campaign_changes_campaign", "campaign_changes", ["campaign", "proposed_at"])
    op.create_table(
        "campaign_rollouts",
        sa.Column("campaign", sa.String(48), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("pilot_share", sa.Float(), nullable=False),
        sa.Column("change_id", sa.String(32), nullable=False),
        sa.Column("set_at", TS, nullable=False),
        sa.CheckConstraint(
            "mode IN ('shadow', 'pilot', 'live')", name=op.f("ck_campaign_rollouts_known_mode")
        ),
        sa.CheckConstraint(
            "pilot_share >= 0 AND pilot_share <= 1", name=op.f("ck_campaign_rollouts_share_in_range")
        ),
        sa.PrimaryKeyConstraint("campaign", name=op.f("pk_campaign_rollouts")),
    )


def downgrade() -> None:
    op.drop_table("campaign_rollouts")
    op.drop_index("ix_campaign_changes_campaign", table_name="campaign_changes")
    op.drop_table("campaign_changes")
    op.drop_index("ix_programme_changes_state", table_name="programme_changes")
    op.drop_table("programme_changes")
