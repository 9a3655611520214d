"""Next-best offers: offers, decision records, campaign budgets, issue counts, bandit counts, suppressions.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    _offers()
    _decisions()
    op.create_table(
        "offer_budgets",
        sa.Column("campaign", sa.String(48), nullable=False),
        sa.Column("budget_points", sa.BigInteger(), nullable=False),
        sa.Column("spent_points", sa.BigInteger(), nullable=False),
        sa.Column("budget_units", sa.BigInteger(), nullable=False),
        sa.Column("spent_units", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "spent_points <= budget_points", name=op.f("ck_offer_budgets_points_within_budget")
        ),
        sa.CheckConstraint("spent_units <= budget_units", name=op.f("ck_offer_budgets_money_within_budget")),
        sa.PrimaryKeyConstraint("campaign", name=op.f("pk_offer_budgets")),
    )
    op.create_table(
        "offer_type_counts",
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("period_key", sa.String(16), nullable=False),
        sa.Column("issued", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "period_key", name=op.f("pk_offer_type_counts")),
    )
    op.create_table(
        "offer_bandit",
        sa.Column("offer_code", sa.String(48), nullable=False),
        sa.Column("segment", sa.String(64), nullable=False),
        sa.Column("accepted", sa.BigInteger(), nullable=False),
        sa.Column("ignored", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("offer_code", "segment", name=op.f("pk_offer_bandit")),
    )
    op.create_table(
        "offer_suppressions",
        sa.Column("list_name", sa.String(48), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("list_name", "token", name=op.f("pk_offer_suppressions")),
    )


def _offers() -> None:
    op.create_table(
        "offers",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("decision_id", sa.String(32), nullable=False),
        sa.Column("offer_code", sa.String(48), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("campaign", sa.String(48), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("proposal_hash", sa.String(64), nullable=False),
        sa.Column("expected_points", sa.BigInteger(), nullable=False),
        sa.Column("cost_units", sa.BigInteger(), nullable=False),
        sa.Column("value_units", sa.BigInteger(), nullable=False),
        sa.Column("approval_reasons", sa.JSON(), nullable=False),
        sa.Column("proposed_at", TS, nullable=False),
        sa.Column("proposed_by", sa.String(128), nullable=False),
        sa.Column("approval_due", TS, nullable=True),
        sa.Column("decided_by", sa.String(128), nullable=True),
        sa.Column("decided_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("issued_at", TS, nullable=True),
        sa.Column("valid_from", TS, nullable=False),
        sa.Column("valid_until", TS, nullable=False),
        sa.Column("responded_at", TS, nullable=True),
        sa.Column("segment", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
    )
    op.create_index("ix_offers_token_state", "offers", ["token", "state"])
    op.create_index("ix_offers_state_due", "offers", ["state", "approval_due"])
    op.create_index("ix_offers_segment_issued", "offers", ["segment", "issued_at"])


def _decisions() -> None:
    op.create_table(
        "offer_decisions",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("cause", sa.String(160), nullable=False),
        sa.Column("triggers", sa.JSON(), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("winner", sa.String(48), nullable=True),
        sa.Column("baseline", sa.String(48), nullable=True),
        sa.Column("explored", sa.Integer(), nullable=False),
        sa.Column("exploration_share", sa.Float(), nullable=False),
        sa.Column("fallback", sa.Text(), nullable=True),
        sa.Column("model_versions", sa.JSON(), nullable=False),
        sa.Column("rollout", sa.String(16), nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("guardrails", sa.JSON(), nullable=False),
        sa.Column("offer_id", sa.String(32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_decisions")),
    )
    op.create_index("ix_offer_decisions_token", "offer_decisions", ["token"])


def downgrade() -> None:
    for table in ("offer_suppressions", "offer_bandit", "offer_type_counts", "offer_budgets"):
        op.drop_table(table)
    op.drop_index("ix_offer_decisions_token", table_name="offer_decisions")
    op.drop_table("offer_decisions")
    op.drop_index("ix_offers_segment_issued", table_name="offers")
    op.drop_index("ix_offers_state_due", table_name="offers")
    op.drop_index("ix_offers_token_state", table_name="offers")
    op.drop_table("offers")
