"""The SQL implementation of the offers store, over the ledger session's connection (one transaction).

Budgets and type caps are spent by conditional UPDATEs (`... WHERE spent + cost <= budget`): on PostgreSQL
the row lock makes a concurrent decision wait and then re-check the condition, on SQLite the single writer
serialises them, so parallel decisions never overspend.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Row, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from pointflow.adapters.db import offer_signals
from pointflow.adapters.db.activity_store import BucketKey
from pointflow.adapters.db.change_tables import campaign_rollouts
from pointflow.adapters.db.ledger_session import SqlLedgerSession
from pointflow.adapters.db.offer_tables import (
    offer_bandit,
    offer_budgets,
    offer_decisions,
    offer_suppressions,
    offer_type_counts,
    offers,
)
from pointflow.adapters.db.tables import member_activity_days, members
from pointflow.domain.arbitration import Posterior
from pointflow.domain.money import UNITS_PER_MAJOR
from pointflow.domain.offer_policy import Contact
from pointflow.domain.offers import OPEN_STATES, OfferState
from pointflow.service_layer.offer_issue import RULE_KINDS
from pointflow.service_layer.offer_ports import MemberSignals, StoredOffer, StoredScore
from pointflow.service_layer.ports import LedgerSession

NORM_MIN_OFFERS = 20  # fewer issued offers than this make no norm
_RULE_STATES = (OfferState.ACCEPTED.value, OfferState.REDEEMED.value)


def _insert_ignoring_duplicates(conn: Connection, table: Any, row: Mapping[str, Any]) -> None:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(dialect.insert(table).values(**row).on_conflict_do_nothing())


def stored_offer(row: Row[Any]) -> StoredOffer:
    return StoredOffer(
        id=row.id,
        token=row.token,
        decision_id=row.decision_id,
        offer_code=row.offer_code,
        kind=row.kind,
        campaign=row.campaign,
        channel=row.channel,
        state=row.state,
        terms=dict(row.terms),
        proposal_hash=row.proposal_hash,
        expected_points=row.expected_points,
        cost_units=row.cost_units,
        approval_reasons=list(row.approval_reasons),
        proposed_by=row.proposed_by,
        approval_due=row.approval_due,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        segment=row.segment,
        posting_id=row.posting_id,
    )


Pending = Mapping[BucketKey, list[int]]  # (token, day, currency, MCC) → [spend units, transactions, points]


class SqlOfferStore:
    def __init__(self, conn: Connection, pending: Pending | None = None) -> None:
        self.conn = conn
        self._pending: Pending = {} if pending is None else pending  # the transaction's unflushed buckets
        self._activity: dict[str, list[tuple[date, str, int]]] = {}  # stored rows of prefetched members
        self._activity_since: date | None = None
        self._rollouts: dict[str, tuple[str, float] | None] = {}  # read once per transaction

    def joined_on(self, token: str) -> date | None:
        created = self.conn.execute(select(members.c.created_at).where(members.c.token == token)).scalar()
        return None if created is None else created.date()

    def open_offer_points(self, token: str) -> int:
        query = select(func.coalesce(func.sum(offers.c.expected_points), 0)).where(
            offers.c.token == token, offers.c.state.in_([s.value for s in OPEN_STATES])
        )
        return int(self.conn.execute(query).scalar_one())

    def contacts(self, token: str, since: datetime) -> list[Contact]:
        query = select(offers.c.issued_at, offers.c.channel, offers.c.state, offers.c.responded_at).where(
            offers.c.token == token, offers.c.issued_at.is_not(None), offers.c.issued_at >= since
        )
        return [
            Contact(r.issued_at, r.channel, r.responded_at if r.state == OfferState.IGNORED.value else None)
            for r in self.conn.execute(query)
        ]

    def campaign_rollout(self, campaign: str) -> tuple[str, float] | None:
        if campaign not in self._rollouts:
            r = campaign_rollouts.c
            row = self.conn.execute(select(r.mode, r.pilot_share).where(r.campaign == campaign)).first()
            self._rollouts[campaign] = None if row is None else (str(row.mode), float(row.pilot_share))
        return self._rollouts[campaign]

    def suppressed_by(self, token: str) -> tuple[str, ...]:
        query = select(offer_suppressions.c.list_name).where(offer_suppressions.c.token == token)
        return tuple(sorted(self.conn.execute(query).scalars()))

    def prefetch_activity(self, tokens: Collection[str], since: date) -> None:
        """Read the stored activity of a commit group's members once, for the `activity` calls that follow."""
        days = member_activity_days.c
        query = select(days.token, days.day, days.mcc, days.txn_count).where(
            days.token.in_(sorted(tokens)), days.day > since
        )
        self._activity = {token: [] for token in tokens}
        for r in self.conn.execute(query):
            self._activity[r.token].append((r.day, r.mcc, int(r.txn_count)))
        self._activity_since = since

    def activity(self, token: str, since: date) -> list[tuple[date, str, int]]:
        prefetched = self._activity_since is not None and since >= self._activity_since
        if prefetched and token in self._activity:
            stored = [row for row in self._activity[token] if row[0] > since]
        else:
            days = member_activity_days.c
            query = select(days.day, days.mcc, days.txn_count).where(days.token == token, days.day > since)
            stored = [(r.day, r.mcc, int(r.txn_count)) for r in self.conn.execute(query)]
        unflushed = [
            (day, mcc, sums[1])
            for (t, day, _, mcc), sums in self._pending.items()
            if t == token and day > since
        ]
        return stored + unflushed

    def posteriors(self, segment: str, codes: Collection[str]) -> dict[str, Posterior]:
        query = select(offer_bandit).where(
            offer_bandit.c.segment == segment, offer_bandit.c.offer_code.in_(list(codes))
        )
        return {r.offer_code: Posterior(int(r.accepted), int(r.ignored)) for r in self.conn.execute(query)}

    def reserve_budget(
        self, campaign: str, *, points: int, units: int, budget_points: int, budget_units: int
    ) -> bool:
        fresh = {"campaign": campaign, "budget_points": budget_points, "spent_points": 0}
        _insert_ignoring_duplicates(
            self.conn, offer_budgets, {**fresh, "budget_units": budget_units, "spent_units": 0}
        )
        b = offer_budgets.c
        result = self.conn.execute(
            update(offer_budgets)
            .where(
                b.campaign == campaign,
                b.spent_points + points <= budget_points,
                b.spent_units + units <= budget_units,
            )
            .values(
                spent_points=b.spent_points + points,
                spent_units=b.spent_units + units,
                budget_points=budget_points,  # the programme's current budget
                budget_units=budget_units,
            )
        )
        return result.rowcount == 1

    def count_issue(self, kind: str, period_key: str, most: int | None) -> bool:
        _insert_ignoring_duplicates(
            self.conn, offer_type_counts, {"kind": kind, "period_key": period_key, "issued": 0}
        )
        c = offer_type_counts.c
        query = update(offer_type_counts).where(c.kind == kind, c.period_key == period_key)
        if most is not None:
            query = query.where(c.issued < most)
        return self.conn.execute(query.values(issued=c.issued + 1)).rowcount == 1

    def add_offer(self, row: Mapping[str, Any]) -> None:
        self.conn.execute(insert(offers).values(**row))

    def add_decision(self, row: Mapping[str, Any]) -> None:
        self.conn.execute(insert(offer_decisions).values(**row))

    def offer(self, offer_id: str, *, lock: bool) -> StoredOffer | None:
        query = select(offers).where(offers.c.id == offer_id)
        if lock and self.conn.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.conn.execute(query).first()
        return None if row is None else stored_offer(row)

    def update_offer(self, offer_id: str, *, expected_state: str, **values: Any) -> bool:
        query = update(offers).where(offers.c.id == offer_id, offers.c.state == str(expected_state))
        clean = {k: (v.value if isinstance(v, OfferState) else v) for k, v in values.items()}
        return self.conn.execute(query.values(**clean)).rowcount == 1

    def segment_norm(self, segment: str, since: datetime) -> Decimal | None:
        query = select(func.count(), func.sum(offers.c.value_units)).where(
            offers.c.segment == segment, offers.c.issued_at >= since
        )
        count, total = self.conn.execute(query).one()
        if count < NORM_MIN_OFFERS:
            return None
        mean: Decimal = Decimal(int(total)) / int(count) / UNITS_PER_MAJOR
        return mean.quantize(Decimal("0.01"))

    def learn(self, offer_code: str, segment: str, *, accepted: int, ignored: int) -> None:
        row = {"offer_code": offer_code, "segment": segment, "accepted": 0, "ignored": 0}
        _insert_ignoring_duplicates(self.conn, offer_bandit, row)
        b = offer_bandit.c
        self.conn.execute(
            update(offer_bandit)
            .where(b.offer_code == offer_code, b.segment == segment)
            .values(accepted=b.accepted + accepted, ignored=b.ignored + ignored)
        )

    def due_approvals(self, as_of: datetime, limit: int) -> list[StoredOffer]:
        query = (
            select(offers)
            .where(offers.c.state == OfferState.PENDING_APPROVAL.value, offers.c.approval_due <= as_of)
            .order_by(offers.c.approval_due, offers.c.id)
            .limit(limit)
        )
        return [stored_offer(r) for r in self.conn.execute(query)]

    def unanswered(self, as_of: datetime, limit: int) -> list[StoredOffer]:
        query = (
            select(offers)
            .where(offers.c.state == OfferState.ISSUED.value, offers.c.valid_until <= as_of)
            .order_by(offers.c.valid_until, offers.c.id)
            .limit(limit)
        )
        return [stored_offer(r) for r in self.conn.execute(query)]

    def accepted_rules(self, tokens: Collection[str], at: datetime) -> dict[str, list[StoredOffer]]:
        if not tokens:
            return {}
        query = select(offers).where(
            offers.c.token.in_(list(tokens)),
            offers.c.state.in_(_RULE_STATES),
            offers.c.kind.in_(RULE_KINDS),
            offers.c.valid_until > at - timedelta(days=7),  # late bookings inside the window still count
        )
        found: dict[str, list[StoredOffer]] = {}
        for row in self.conn.execute(query):
            found.setdefault(row.token, []).append(stored_offer(row))
        return found

    def member_page(self, *, after: str, limit: int) -> list[str]:
        query = select(members.c.token).where(members.c.token > after).order_by(members.c.token).limit(limit)
        return list(self.conn.execute(query).scalars())

    def decided(self, tokens: Collection[str], cause: str) -> set[str]:
        query = select(offer_decisions.c.token).where(
            offer_decisions.c.token.in_(list(tokens)), offer_decisions.c.cause == cause
        )
        return set(self.conn.execute(query).scalars())

    def signals(self, token: str, today: date) -> MemberSignals:
        return offer_signals.signals(self.conn, token, today)

    def last_active(self, tokens: Collection[str], until: date) -> dict[str, date]:
        return offer_signals.last_active(self.conn, tokens, until)

    def add_scores(self, model: str, as_of: date, scores: Mapping[str, StoredScore], at: datetime) -> int:
        return offer_signals.add_scores(self.conn, model, as_of, scores, at)


class SqlOfferStores:
    """Opens the offers store over a SQL ledger session's connection."""

    def open(self, session: LedgerSession) -> SqlOfferStore:
        if not isinstance(session, SqlLedgerSession):
            raise TypeError("the SQL offers store needs the SQL ledger session")
        # One store per transaction, so what it read for the commit group serves every event of the group.
        found = session.extras.get("offers")
        if not isinstance(found, SqlOfferStore):
            found = session.extras["offers"] = SqlOfferStore(session.conn, session.activity.pending)
        return found
