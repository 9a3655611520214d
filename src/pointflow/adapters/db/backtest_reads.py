"""The stored postings a back-test re-runs: accruals with their inbox record and the member's tier, read
in keyset pages ordered by member and booking time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, tuple_

from pointflow.adapters.db.engine import Database
from pointflow.adapters.db.tables import accruals, inbox, members
from pointflow.service_layer.backtest import StoredPosting


class SqlPostings:
    """`PostingSource` over the ledger tables; each page is its own short read."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def newest_booking(self) -> datetime | None:
        with self.db.reader.connect() as conn:
            found: datetime | None = conn.execute(select(func.max(accruals.c.booked_at))).scalar()
        return found

    def postings(self, since: datetime, until: datetime, page_size: int) -> Iterator[StoredPosting]:
        after: tuple[str, datetime, str] | None = None
        while True:
            page = self._page(since, until, page_size, after)
            yield from (StoredPosting(r.token, r.tier, r.canonical, int(r.points)) for r in page)
            if len(page) < page_size:
                return
            last = page[-1]
            after = (last.token, last.booked_at, last.id)

    def _page(
        self, since: datetime, until: datetime, size: int, after: tuple[str, datetime, str] | None
    ) -> list[Any]:
        a = accruals.c
        query = (
            select(a.token, a.booked_at, a.id, a.points, inbox.c.canonical, members.c.tier)
            .join(inbox, inbox.c.id == a.inbox_id)
            .join(members, members.c.token == a.token)
            .where(a.booked_at >= since, a.booked_at <= until)
            .order_by(a.token, a.booked_at, a.id)
            .limit(size)
        )
        if after is not None:
            query = query.where(tuple_(a.token, a.booked_at, a.id) > tuple_(*after))
        with self.db.reader.connect() as conn:
            return list(conn.execute(query))
