"""Offers: the member's segment on each decision record, the posting that paid an offer at acceptance, and
the segments job's output per member token.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("offer_decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("segment", sa.String(64), nullable=True))
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("posting_id", sa.String(32), nullable=True))
    op.create_table(
        "member_segments",
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("segment", sa.String(64), nullable=False),
        sa.Column("segment_name", sa.String(128), nullable=False),
        sa.Column("refreshed_on", sa.Date(), nullable=False),
        sa.Column("loaded_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_member_segments")),
    )


def downgrade() -> None:
    op.drop_table("member_segments")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_column("posting_id")
    with op.batch_alter_table("offer_decisions", schema=None) as batch_op:
        batch_op.drop_column("segment")
