"""The SQL implementation of the service layer's `LedgerSession` port."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from pointflow.adapters.db import ledger_store as store
from pointflow.adapters.db import scoring_reads as reads
from pointflow.adapters.db.activity_store import ActivityBuckets
from pointflow.adapters.db.audit_store import AuditAppender, open_appender
from pointflow.adapters.db.engine import Database
from pointflow.adapters.db.tables import identity_vault, lots, members, postings, redemptions
from pointflow.domain.ledger import Leg
from pointflow.domain.members import AccrualRecord, Lot, LotState, Member
from pointflow.domain.money import CustomerToken
from pointflow.service_layer.ports import InboxKey, RedemptionEvent, RedemptionTotal, UsageKey, WriteConflict

if TYPE_CHECKING:
    from pointflow.intelligence.serving.windows import MemberWindows

_OTHER_TABLES = {"redemptions", "job_runs", "outbox", "member_scores"}


class SqlLedgerSession:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.rows = store.Rows()
        self._audit: AuditAppender | None = None
        self._rows_of = {
            "accruals": self.rows.accruals,
            "reversals": self.rows.reversals,
            "points_debts": self.rows.debts,
        }
        # What this transaction wrote, so that reads see it without flushing half a batch.
        self._accruals: dict[tuple[str, str], AccrualRecord] = {}
        self._reversed: dict[str, Decimal] = {}
        self._lots: dict[str, dict[str, Lot]] = {}  # by token: lots written or changed here
        # What this transaction read ahead for its reversals (prefetch_reversed): None for "not stored".
        self._stored_accruals: dict[tuple[str, str], AccrualRecord | None] = {}
        self._stored_reversed: dict[str, Decimal] = {}
        self._stored_lots: dict[str, Lot] = {}
        self.activity = ActivityBuckets()
        self.extras: dict[str, object] = {}  # per-transaction state of other stores (e.g. offers' reads)

    def inbox_records(self, keys: Collection[InboxKey]) -> dict[InboxKey, tuple[str, str]]:
        return {k: (r.content_hash, r.canonical) for k, r in store.find_inbox(self.conn, keys).items()}

    def members(self, tokens: Collection[str]) -> dict[str, Member]:
        return store.load_members(self.conn, tokens, lock=True)

    def usage(self, tokens: Collection[str], period_keys: Collection[str]) -> dict[UsageKey, Decimal]:
        return store.load_usage(self.conn, tokens, period_keys)

    def open_lots(self, token: str) -> list[Lot]:
        mine = self._lots.get(token, {})
        stored = [mine.get(lot.id, lot) for lot in store.open_lots(self.conn, token)]
        seen = {lot.id for lot in stored}
        lots = stored + [lot for lot in mine.values() if lot.id not in seen]
        return [lot for lot in lots if lot.remaining > 0 and lot.state is not LotState.CLOSED]

    def lot(self, token: str, lot_id: str) -> Lot | None:
        mine = self._lots.get(token, {}).get(lot_id)
        if mine is not None:
            return mine
        stored = self._stored_lots.get(lot_id)
        return stored if stored is not None else store.find_lot(self.conn, lot_id)

    def accrual(self, source_system: str, source_id: str) -> AccrualRecord | None:
        key = (source_system, source_id)
        written = self._accruals.get(key)
        if written is not None:
            return written
        if key in self._stored_accruals:
            return self._stored_accruals[key]
        return store.find_accrual(self.conn, source_system, source_id)

    def reversed_so_far(self, accrual_id: str) -> Decimal:
        stored = self._stored_reversed.get(accrual_id)
        if stored is None:
            stored = store.reversed_so_far(self.conn, accrual_id)
        return stored + self._reversed.get(accrual_id, Decimal(0))

    def prefetch_reversed(self, originals: Collection[InboxKey]) -> None:
        if not originals:
            return
        found = store.find_accruals(self.conn, originals)
        self._stored_accruals.update({key: found.get(key) for key in originals})
        ids = [record.id for record in found.values()]
        self._stored_reversed.update(store.reversed_totals(self.conn, ids))
        lot_ids = [record.lot_id for record in found.values() if record.lot_id]
        self._stored_lots.update({lot.id: lot for lot in store.find_lots(self.conn, lot_ids)})

    def redemption(self, token: str, idempotency_key: str) -> Mapping[str, Any] | None:
        row = self.conn.execute(
            select(redemptions).where(
                redemptions.c.token == token, redemptions.c.idempotency_key == idempotency_key
            )
        ).first()
        return None if row is None else dict(row._mapping)

    def posting_memo(self, idempotency_key: str) -> str | None:
        memo = self.conn.execute(
            select(postings.c.memo).where(postings.c.idempotency_key == idempotency_key)
        ).scalar()
        return None if memo is None else str(memo)

    def tier_page(self, *, since: datetime, after: str, limit: int) -> list[tuple[str, str, int]]:
        return store.tier_page(self.conn, since=since, after=after, limit=limit)

    def set_tier(self, token: str, tier: str) -> None:
        self.conn.execute(update(members).where(members.c.token == token).values(tier=tier))

    def lots_due(self, *, state: str, column: str, as_of: date, limit: int) -> list[Lot]:
        due = lots.c[column]
        query = (
            select(lots)
            .where(lots.c.state == state, due.is_not(None), due <= as_of, lots.c.remaining > 0)
            .order_by(due, lots.c.id)
            .limit(limit)
        )
        return [store.lot_from_row(r) for r in self.conn.execute(query)]

    def add_inbox(
        self, *, id: str, key: InboxKey, content_hash: str, event_type: str, canonical: str, at: datetime
    ) -> None:
        self.rows.inbox.append(
            {
                "id": id,
                "source_system": key[0],
                "source_id": key[1],
                "content_hash": content_hash,
                "event_type": event_type,
                "canonical": canonical,
                "received_at": at,
            }
        )

    def add_member(self, member: Member, customer_id: str, at: datetime) -> None:
        self.rows.new_members.append((member, at))
        self.rows.vault.append({"token": member.token, "customer_id": customer_id})

    def remember_identity(self, token: str, identifier: str) -> None:
        if any(row["token"] == token for row in self.rows.vault):
            return
        known = select(identity_vault.c.token).where(identity_vault.c.token == token)
        if self.conn.execute(known).first() is None:
            self.rows.vault.append({"token": token, "customer_id": identifier})

    def add_posting(
        self,
        *,
        id: str,
        kind: str,
        key: str,
        token: CustomerToken | None,
        at: datetime,
        memo: str,
        legs: Iterable[Leg],
    ) -> None:
        self.rows.add_posting(id=id, kind=kind, key=key, token=token, at=at, memo=memo, legs=legs)

    def add_lot(self, lot: Lot, *, posting_id: str, accrual_id: str | None) -> None:
        self.rows.lots.append(
            {
                "id": lot.id,
                "token": lot.token,
                "posting_id": posting_id,
                "accrual_id": accrual_id,
                "points": lot.points,
                "remaining": lot.remaining,
                "earned_on": lot.earned_on,
                "expires_on": lot.expires_on,
                "release_on": lot.release_on,
                "state": lot.state.value,
            }
        )
        self._lots.setdefault(lot.token, {})[lot.id] = lot

    def add_allocation(self, *, posting_id: str, lot_id: str, points: int) -> None:
        self.rows.allocations.append({"posting_id": posting_id, "lot_id": lot_id, "points": points})

    def add_row(self, table: str, row: Mapping[str, Any]) -> None:
        if table == "accruals":
            self._remember_accrual(row)
        elif table == "reversals":
            self._reversed[row["accrual_id"]] = (
                self._reversed.get(row["accrual_id"], Decimal(0)) + row["amount"]
            )
        if table in self._rows_of:
            self._rows_of[table].append(dict(row))
        elif table in _OTHER_TABLES:
            self.rows.others.setdefault(table, []).append(dict(row))
        else:
            raise ValueError(f"no such ledger table: {table}")

    def _remember_accrual(self, row: Mapping[str, Any]) -> None:
        self._accruals[(row["source_system"], row["source_id"])] = AccrualRecord(
            row["id"],
            row["token"],
            row["source_system"],
            row["source_id"],
            row["amount"],
            row["currency"],
            row["booked_at"],
            row["points"],
            row["lot_id"],
        )

    def save_lot(self, lot: Lot) -> None:
        self.rows.lot_updates[lot.id] = lot
        self._lots.setdefault(lot.token, {})[lot.id] = lot

    def save_member(self, member: Member) -> None:
        if not member.is_new:
            self.rows.member_updates[member.token] = member

    def set_usage(self, key: UsageKey, used: Decimal) -> None:
        self.rows.usage[key] = used

    def count_activity(
        self, *, token: str, booked_at: datetime, currency: str, mcc: str | None, amount: Decimal, points: int
    ) -> None:
        self.activity.add(token, booked_at, currency, mcc, amount, points)

    def audit(
        self, *, at: datetime, actor: str, action: str, subject: str, details: Mapping[str, Any]
    ) -> None:
        if self._audit is None:
            self._audit = open_appender(self.conn)
        self._audit.add(at=at, actor=actor, action=action, subject=subject, details=details)

    def recent_points(
        self, tokens: Collection[str], *, since: date, until: date, currency: str
    ) -> dict[str, int]:
        pending = self.activity.pending
        return reads.recent_points(self.conn, pending, tokens, since=since, until=until, currency=currency)

    def activity_windows(
        self, members: Sequence[tuple[str, date]], *, currency: str, months: bool = False
    ) -> MemberWindows:
        from pointflow.adapters.db.window_sums import window_sums  # the model path only: it loads Polars

        return window_sums(self.conn, self.activity.pending, members, currency=currency, months=months)

    def redemption_totals(self, tokens: Collection[str]) -> list[RedemptionTotal]:
        return reads.redemption_totals(self.conn, tokens)

    def redemption_events(self, tokens: Collection[str]) -> list[RedemptionEvent]:
        return reads.redemption_events(self.conn, tokens)

    def flush(self) -> None:
        self.rows.flush(self.conn)
        self.activity.flush(self.conn)
        self._accruals.clear()
        self._reversed.clear()
        self._lots.clear()
        self._stored_accruals.clear()
        self._stored_reversed.clear()
        self._stored_lots.clear()
        if self._audit is not None:
            self._audit.flush(self.conn)


class SqlLedgerSessions:
    def __init__(self, db: Database) -> None:
        self.db = db

    @contextmanager
    def begin(self) -> Iterator[SqlLedgerSession]:
        try:
            with self.db.write() as conn:
                session = SqlLedgerSession(conn)
                yield session
                session.flush()
        except IntegrityError as error:
            if _is_uniqueness(error):
                raise WriteConflict(str(error.orig)) from error
            raise
        except OperationalError as error:
            if "deadlock" in str(error.orig) or "could not serialize" in str(error.orig):
                raise WriteConflict(str(error.orig)) from error
            raise


def _is_uniqueness(error: IntegrityError) -> bool:
    text = str(error.orig).lower()
    return "unique" in text or "duplicate key" in text
