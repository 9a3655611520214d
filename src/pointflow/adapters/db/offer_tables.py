"""The schema of next-best offers (migration 0006): offers and their life cycle, decision records, campaign
budgets with spent counters, issue counts per offer type, bandit statistics and suppression lists."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from pointflow.adapters.db.tables import TS, metadata

offers = Table(
    "offers",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("token", String(64), nullable=False),
    Column("decision_id", String(32), nullable=False),
    Column("offer_code", String(48), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("campaign", String(48), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("state", String(24), nullable=False),
    Column("terms", JSON, nullable=False),  # OfferTerms.values(): every number and date, as strings
    Column("proposal_hash", String(64), nullable=False),
    Column("expected_points", BigInteger, nullable=False),
    Column("cost_units", BigInteger, nullable=False),  # money in ten-thousandths (domain.money.to_units)
    Column("value_units", BigInteger, nullable=False),  # value to the member, likewise
    Column("approval_reasons", JSON, nullable=False),
    Column("proposed_at", TS, nullable=False),
    Column("proposed_by", String(128), nullable=False),
    Column("approval_due", TS),  # a pending approval expires then
    Column("decided_by", String(128)),  # who approved or rejected
    Column("decided_reason", Text),
    Column("decided_at", TS),
    Column("issued_at", TS),
    Column("valid_from", TS, nullable=False),
    Column("valid_until", TS, nullable=False),
    Column("responded_at", TS),  # accepted, ignored or redeemed
    Column("segment", String(64), nullable=False),
    Column("posting_id", String(32)),  # the posting that paid it at acceptance (migration 0009)
    Index("ix_offers_token_state", "token", "state"),
    Index("ix_offers_state_due", "state", "approval_due"),
    Index("ix_offers_segment_issued", "segment", "issued_at"),
)

offer_decisions = Table(
    "offer_decisions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("token", String(64), nullable=False, index=True),
    Column("at", TS, nullable=False),
    Column("cause", String(160), nullable=False),  # the transaction or job that led here
    Column("triggers", JSON, nullable=False),
    Column("candidates", JSON, nullable=False),  # every offer considered: eligibility, scores, levers
    Column("winner", String(48)),
    Column("baseline", String(48)),  # the rule-based choice, for the shadow report
    Column("explored", Integer, nullable=False),
    Column("exploration_share", Float, nullable=False),
    Column("fallback", Text),
    Column("model_versions", JSON, nullable=False),
    Column("rollout", String(16), nullable=False),  # shadow | pilot | live
    Column("action", String(24), nullable=False),  # issued | pending_approval | shadow | refused | none
    Column("reason", Text, nullable=False),  # why the winner won, or why nothing was issued
    Column("guardrails", JSON, nullable=False),
    Column("offer_id", String(32)),
    # the member's segment when decided (migration 0009; null on older records): fairness groups by it
    Column("segment", String(64)),
)

offer_budgets = Table(
    "offer_budgets",
    metadata,
    Column("campaign", String(48), primary_key=True),
    Column("budget_points", BigInteger, nullable=False),
    Column("spent_points", BigInteger, nullable=False),
    Column("budget_units", BigInteger, nullable=False),
    Column("spent_units", BigInteger, nullable=False),
    # The last line of defence: the conditional UPDATE already refuses to pass these.
    CheckConstraint("spent_points <= budget_points", name="points_within_budget"),
    CheckConstraint("spent_units <= budget_units", name="money_within_budget"),
)

offer_type_counts = Table(
    "offer_type_counts",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("period_key", String(16), primary_key=True),
    Column("issued", BigInteger, nullable=False),
)

offer_bandit = Table(
    "offer_bandit",
    metadata,
    Column("offer_code", String(48), primary_key=True),
    Column("segment", String(64), primary_key=True),
    Column("accepted", BigInteger, nullable=False),
    Column("ignored", BigInteger, nullable=False),
)

offer_suppressions = Table(
    "offer_suppressions",
    metadata,
    Column("list_name", String(48), primary_key=True),
    Column("token", String(64), primary_key=True),
)

# The latest `pointflow segments load` per member (migration 0009): what the segments job wrote, keyed by
# token (the job's customer ids pseudonymised at load). Arbitration and the decision record read it.
member_segments = Table(
    "member_segments",
    metadata,
    Column("token", String(64), primary_key=True),
    Column("segment", String(64), nullable=False),
    Column("segment_name", String(128), nullable=False),
    Column("refreshed_on", Date, nullable=False),  # the as-of date of the refresh that placed the member
    Column("loaded_at", TS, nullable=False),
)
