"""The raw insert floor: the rows the accrual path wrote, inserted again with nothing but executemany.

The rows are read back from the replay database and regrouped into the transactions that wrote them
(the events of one 500-event batch), so the floor commits as often and writes the same tables in the
same order as `Rows.flush`; only the reads, the rules and the updates of the real path are missing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Table, select

from pointflow.adapters.db.bulk import bulk_insert
from pointflow.adapters.db.tables import (
    accruals,
    audit_log,
    identity_vault,
    inbox,
    legs,
    lot_allocations,
    lots,
    members,
    points_debts,
    postings,
    reversals,
)
from pointflow.service_layer.ports import RawEvent

Row = dict[str, Any]
Batches = list[dict[str, list[Row]]]

# The order `Rows.flush` writes in (legs before their posting header), then the audit chain.
ORDER: tuple[Table, ...] = (
    inbox,
    identity_vault,
    members,
    legs,
    postings,
    lots,
    lot_allocations,
    accruals,
    reversals,
    points_debts,
    audit_log,
)


@dataclass(frozen=True)
class RawResult:
    events: int
    rows: int
    rows_by_table: dict[str, int]
    seconds: float

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds


def read_rows(engine: Engine) -> dict[str, list[Row]]:
    """Every row of the written tables, as plain dicts, in primary-key order."""
    with engine.connect() as conn:
        return {
            t.name: [dict(r._mapping) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
            for t in ORDER
        }


def group(rows: Mapping[str, list[Row]], items: list[RawEvent], batch_size: int) -> Batches:
    """Split the rows by the batch of the event that caused them."""
    keys = _BatchKeys(items, batch_size, rows)
    grouped: Batches = [{} for _ in range(keys.count)]
    for table in ORDER:
        key = keys.for_table(table.name)
        for row in rows[table.name]:
            batch = key(row)
            if batch is not None:
                grouped[batch].setdefault(table.name, []).append(row)
    return grouped


def insert_floor(engine: Engine, grouped: Batches, events: int) -> RawResult:
    counts = {t.name: sum(len(b.get(t.name, ())) for b in grouped) for t in ORDER}
    started = time.perf_counter()
    for batch in grouped:
        with engine.begin() as conn:
            for table in ORDER:
                if table.name in batch:
                    # The same executemany path the ledger's flush uses, so the floor is the fastest we know.
                    bulk_insert(conn, table, batch[table.name])
    seconds = time.perf_counter() - started
    return RawResult(events, sum(counts.values()), counts, seconds)


class _BatchKeys:
    """Which batch wrote a row, found through the source id, customer or posting the row belongs to."""

    def __init__(self, items: list[RawEvent], batch_size: int, rows: Mapping[str, list[Row]]) -> None:
        self.count = -(-len(items) // batch_size)
        self.event: dict[str, int] = {}
        self.customer: dict[str, int] = {}
        for index, item in enumerate(items):
            self.event[item.payload["transaction_id"]] = index // batch_size
            self.customer.setdefault(item.payload["customer_id"], index // batch_size)
            self.customer.setdefault(f"account:{item.payload['account_id']}", index // batch_size)
        self.token = {r["token"]: self.customer[r["customer_id"]] for r in rows["identity_vault"]}
        self.inbox = {r["id"]: self.event[r["source_id"]] for r in rows["inbox"]}
        # a posting belongs to the batch of the accrual or the reversal that made it
        earned = {r["posting_id"]: self.event[r["source_id"]] for r in rows["accruals"] if r["posting_id"]}
        clawed = {r["posting_id"]: self.inbox[r["inbox_id"]] for r in rows["reversals"] if r["posting_id"]}
        self.posting = earned | clawed

    def for_table(self, name: str) -> Callable[[Row], int | None]:
        keys: dict[str, Callable[[Row], int | None]] = {
            "inbox": lambda r: self.event[r["source_id"]],
            "identity_vault": lambda r: self.customer[r["customer_id"]],
            "members": lambda r: self.token[r["token"]],
            "postings": lambda r: self.posting[r["id"]],
            "accruals": lambda r: self.event[r["source_id"]],
            "reversals": lambda r: self.inbox[r["inbox_id"]],
            "audit_log": self._audit,
        }
        return keys.get(name, lambda r: self.posting[r["posting_id"]])

    def _audit(self, row: Row) -> int | None:
        """Entries written by the replay name their source id; the programme load at bootstrap does not."""
        source_id = json.loads(row["details"]).get("source_id")
        return None if source_id is None else self.event[source_id]
