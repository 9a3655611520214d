"""SQL reads and batched writes for the ledger: one flush writes a batch's rows in dependency order."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, func, select

from pointflow.adapters.db.bulk import OnConflict, bulk_insert, bulk_update
from pointflow.adapters.db.driver_sql import Driver, driver
from pointflow.adapters.db.tables import (
    accruals,
    identity_vault,
    inbox,
    legs,
    lot_allocations,
    lots,
    members,
    metadata,
    points_debts,
    postings,
    reversals,
    rule_usage,
)
from pointflow.domain.ledger import Leg, MemberBalances
from pointflow.domain.members import AccrualRecord, Lot, LotState, Member
from pointflow.domain.money import CustomerToken


def lot_from_row(row: Any) -> Lot:
    return Lot(
        row.id,
        CustomerToken(row.token),
        row.points,
        row.remaining,
        row.earned_on,
        row.expires_on,
        row.release_on,
        LotState(row.state),
    )


@dataclass(slots=True)
class Rows:
    """Rows gathered for one transaction, written by `flush` in an order the constraints accept."""

    inbox: list[dict[str, Any]] = field(default_factory=list)
    vault: list[dict[str, Any]] = field(default_factory=list)
    new_members: list[tuple[Member, datetime]] = field(default_factory=list)  # rows built at flush
    legs: list[dict[str, Any]] = field(default_factory=list)
    postings: list[dict[str, Any]] = field(default_factory=list)
    lots: list[dict[str, Any]] = field(default_factory=list)
    allocations: list[dict[str, Any]] = field(default_factory=list)
    accruals: list[dict[str, Any]] = field(default_factory=list)
    reversals: list[dict[str, Any]] = field(default_factory=list)
    debts: list[dict[str, Any]] = field(default_factory=list)
    others: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # redemptions, job runs
    lot_updates: dict[str, Lot] = field(default_factory=dict)
    member_updates: dict[str, Member] = field(default_factory=dict)
    usage: dict[tuple[str, str, str], Decimal] = field(default_factory=dict)

    def add_posting(
        self,
        *,
        id: str,
        kind: str,
        key: str,
        token: str | None,
        at: Any,
        memo: str,
        legs: Iterable[Leg],
    ) -> None:
        for leg in legs:
            self.legs.append(
                {
                    "posting_id": id,
                    "account": leg.account.kind.value,
                    "token": leg.account.token,
                    "points": leg.points,
                }
            )
        self.postings.append(
            {
                "id": id,
                "kind": kind,
                "idempotency_key": key,
                "token": token,
                "occurred_at": at,
                "memo": memo,
            }
        )

    def flush(self, conn: Connection) -> None:
        created = [_new_member_row(m, at) for m, at in self.new_members]
        self.new_members.clear()
        for table, batch in (
            (inbox, self.inbox),
            (identity_vault, self.vault),
            (members, created),
            (legs, self.legs),
            (postings, self.postings),
            (lots, self.lots),
            (lot_allocations, self.allocations),
            (accruals, self.accruals),
            (reversals, self.reversals),
            (points_debts, self.debts),
            *((metadata.tables[name], rows) for name, rows in self.others.items()),
        ):
            if batch:
                bulk_insert(conn, table, batch)
                batch.clear()
        self._flush_updates(conn)

    def _flush_updates(self, conn: Connection) -> None:
        if self.lot_updates:
            bulk_update(
                conn,
                lots,
                [
                    {"id": lot.id, "remaining": lot.remaining, "state": lot.state.value}
                    for lot in self.lot_updates.values()
                ],
                key="id",
            )
            self.lot_updates.clear()
        if self.member_updates:
            bulk_update(conn, members, [_member_params(m) for m in self.member_updates.values()], key="token")
            self.member_updates.clear()
        if self.usage:
            rows = [
                {"token": t, "rule_id": r, "period_key": p, "used": u} for (t, r, p), u in self.usage.items()
            ]
            bulk_insert(conn, rule_usage, rows, on_conflict=_USAGE_UPSERT)
            self.usage.clear()


_USAGE_UPSERT = OnConflict(keys=("token", "rule_id", "period_key"), replace=("used",))


def _new_member_row(m: Member, at: datetime) -> dict[str, Any]:
    b = m.balances
    return {
        "token": m.token,
        "tier": m.tier,
        "available": b.available,
        "pending": b.pending,
        "debt": b.debt,
        "created_at": at,
    }


def _member_params(m: Member) -> dict[str, Any]:
    b = m.balances
    return {"token": m.token, "tier": m.tier, "available": b.available, "pending": b.pending, "debt": b.debt}


def find_inbox(conn: Connection, keys: Collection[tuple[str, str]]) -> dict[tuple[str, str], InboxRecord]:
    """Inbox records for (source system, source id) keys, one indexed query per source system, in driver
    SQL: SQLAlchemy's expanding IN cost more than the query for a batch of thousands."""
    d = driver(conn)
    found: dict[tuple[str, str], InboxRecord] = {}
    for system, ids in _by_system(keys).items():
        rows = conn.exec_driver_sql(_inbox_sql(d.postgres, len(ids)), (system, *ids))
        found.update({(s, i): InboxRecord(h, c) for s, i, h, c in rows})
    return found


def _by_system(keys: Collection[tuple[str, str]]) -> dict[str, list[str]]:
    """Source ids grouped by source system: one indexed query per system reads them."""
    grouped: dict[str, list[str]] = {}
    for system, source_id in keys:
        grouped.setdefault(system, []).append(source_id)
    return grouped


@dataclass(frozen=True, slots=True)
class InboxRecord:
    content_hash: str
    canonical: str


@lru_cache(maxsize=64)
def _inbox_sql(postgres: bool, count: int) -> str:
    d = Driver(postgres)
    return (
        "SELECT source_system, source_id, content_hash, canonical FROM inbox "
        f"WHERE source_system = {d.mark('varchar')} AND source_id IN ({d.marks('varchar', count)})"
    )


def load_members(conn: Connection, tokens: Collection[str], *, lock: bool) -> dict[str, Member]:
    """Members by token; on PostgreSQL `lock` takes their rows FOR UPDATE in token order."""
    if not tokens:
        return {}
    d = driver(conn)
    rows = conn.exec_driver_sql(_members_sql(d.postgres, len(tokens), lock), tuple(sorted(tokens)))
    return {
        token: Member(CustomerToken(token), tier, MemberBalances(available, pending, debt))
        for token, tier, available, pending, debt in rows
    }


@lru_cache(maxsize=64)
def _members_sql(postgres: bool, count: int, lock: bool) -> str:
    d = Driver(postgres)
    locking = " FOR UPDATE" if lock and postgres else ""
    return (
        "SELECT token, tier, available, pending, debt FROM members "
        f"WHERE token IN ({d.marks('varchar', count)}) ORDER BY token{locking}"
    )


def load_usage(
    conn: Connection, tokens: Collection[str], period_keys: Collection[str]
) -> dict[tuple[str, str, str], Decimal]:
    if not tokens or not period_keys:
        return {}
    rows = conn.execute(
        select(rule_usage).where(
            rule_usage.c.token.in_(list(tokens)), rule_usage.c.period_key.in_(list(period_keys))
        )
    )
    return {(r.token, r.rule_id, r.period_key): r.used for r in rows}


def open_lots(conn: Connection, token: str) -> list[Lot]:
    """The member's lots that still hold points, pending or available."""
    rows = conn.execute(
        select(lots).where(lots.c.token == token, lots.c.state != "closed", lots.c.remaining > 0)
    )
    return [lot_from_row(r) for r in rows]


def find_lots(conn: Connection, lot_ids: Collection[str]) -> list[Lot]:
    if not lot_ids:
        return []
    return [lot_from_row(r) for r in conn.execute(select(lots).where(lots.c.id.in_(list(lot_ids))))]


def find_lot(conn: Connection, lot_id: str) -> Lot | None:
    row = conn.execute(select(lots).where(lots.c.id == lot_id)).first()
    return None if row is None else lot_from_row(row)


_ACCRUAL_RECORD = tuple(
    accruals.c[name]
    for name in (
        "id",
        "token",
        "source_system",
        "source_id",
        "amount",
        "currency",
        "booked_at",
        "points",
        "lot_id",
    )
)


def find_accrual(conn: Connection, source_system: str, source_id: str) -> AccrualRecord | None:
    # the record's columns only: the rule trace is most of the row and a reversal never reads it
    row = conn.execute(
        select(*_ACCRUAL_RECORD).where(
            accruals.c.source_system == source_system, accruals.c.source_id == source_id
        )
    ).first()
    return None if row is None else _accrual_record(row)


def find_accruals(
    conn: Connection, keys: Collection[tuple[str, str]]
) -> dict[tuple[str, str], AccrualRecord]:
    """Accrual records by (source system, source id), one indexed query per source system."""
    found: dict[tuple[str, str], AccrualRecord] = {}
    for system, ids in _by_system(keys).items():
        query = select(*_ACCRUAL_RECORD).where(
            accruals.c.source_system == system, accruals.c.source_id.in_(ids)
        )
        found.update({(r.source_system, r.source_id): _accrual_record(r) for r in conn.execute(query)})
    return found


def _accrual_record(row: Any) -> AccrualRecord:
    return AccrualRecord(
        row.id,
        CustomerToken(row.token),
        row.source_system,
        row.source_id,
        row.amount,
        row.currency,
        row.booked_at,
        row.points,
        row.lot_id,
    )


def reversed_so_far(conn: Connection, accrual_id: str) -> Decimal:
    amounts = conn.execute(select(reversals.c.amount).where(reversals.c.accrual_id == accrual_id)).scalars()
    return sum(amounts, Decimal(0))


def reversed_totals(conn: Connection, accrual_ids: Collection[str]) -> dict[str, Decimal]:
    """The amount reversed so far of each accrual, zero for those never reversed.

    Summed in Python: the amounts are exact decimals, which SQLite keeps as text."""
    totals = dict.fromkeys(accrual_ids, Decimal(0))
    if totals:
        query = select(reversals.c.accrual_id, reversals.c.amount).where(
            reversals.c.accrual_id.in_(list(totals))
        )
        for accrual_id, amount in conn.execute(query):
            totals[accrual_id] += amount
    return totals


def tier_page(conn: Connection, *, since: datetime, after: str, limit: int) -> list[tuple[str, str, int]]:
    """(token, tier, points earned since `since` net of clawbacks) for the next page of members."""
    earned = (
        select(accruals.c.token, func.sum(accruals.c.points).label("earned"))
        .where(accruals.c.booked_at >= since)
        .group_by(accruals.c.token)
        .subquery()
    )
    clawed = (
        select(accruals.c.token, func.sum(reversals.c.points).label("clawed"))
        .join(reversals, reversals.c.accrual_id == accruals.c.id)
        .where(accruals.c.booked_at >= since)
        .group_by(accruals.c.token)
        .subquery()
    )
    query = (
        select(
            members.c.token,
            members.c.tier,
            (func.coalesce(earned.c.earned, 0) - func.coalesce(clawed.c.clawed, 0)).label("qualifying"),
        )
        .outerjoin(earned, earned.c.token == members.c.token)
        .outerjoin(clawed, clawed.c.token == members.c.token)
        .where(members.c.token > after)
        .order_by(members.c.token)
        .limit(limit)
    )
    return [(r.token, r.tier, int(r.qualifying)) for r in conn.execute(query)]
