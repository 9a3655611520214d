"""Online member feature state: per-day activity buckets the accrual hot path keeps up to date.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "member_activity_days",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("mcc", sa.String(length=4), nullable=False),
        sa.Column("spend_units", sa.BigInteger(), nullable=False),
        sa.Column("txn_count", sa.BigInteger(), nullable=False),
        sa.Column("points", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("token", "day", "currency", "mcc", name=op.f("pk_member_activity_days")),
    )


def downgrade() -> None:
    op.drop_table("member_activity_days")
