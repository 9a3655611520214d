"""Invariant checks over a whole ledger database, shared by the stories and the property tests."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from pointflow.adapters.db.tables import legs, lots, members, points_debts
from pointflow.bootstrap import Container


def check_ledger(container: Container) -> None:
    """Every posting balances; cached balances equal their legs and their lots; debt is recorded."""
    with container.db.reader.connect() as conn:
        unbalanced = conn.execute(
            sa.select(legs.c.posting_id).group_by(legs.c.posting_id).having(sa.func.sum(legs.c.points) != 0)
        ).all()
        assert unbalanced == [], f"postings whose legs do not sum to zero: {unbalanced}"
        by_account: dict[tuple[str, str], int] = defaultdict(int)
        for account, token, total in conn.execute(
            sa.select(legs.c.account, legs.c.token, sa.func.sum(legs.c.points)).group_by(
                legs.c.account, legs.c.token
            )
        ):
            by_account[(account, token)] = int(total)
        in_lots: dict[tuple[str, str], int] = defaultdict(int)
        for token, state, total in conn.execute(
            sa.select(lots.c.token, lots.c.state, sa.func.sum(lots.c.remaining)).group_by(
                lots.c.token, lots.c.state
            )
        ):
            in_lots[(token, state)] = int(total)
        debts = dict(
            conn.execute(
                sa.select(points_debts.c.token, sa.func.sum(points_debts.c.points)).group_by(
                    points_debts.c.token
                )
            ).all()
        )
        for m in conn.execute(sa.select(members)):
            assert m.available == by_account[("member_available", m.token)], m.token
            assert m.pending == by_account[("member_pending", m.token)], m.token
            assert m.debt == -by_account[("member_debt", m.token)], m.token
            assert m.available == in_lots[(m.token, "available")], (
                "available balance equals the sum of its lots"
            )
            assert m.pending == in_lots[(m.token, "pending")], "pending balance equals the sum of its lots"
            assert m.available >= 0
            if m.debt > 0:
                assert debts.get(m.token, 0) >= m.debt, "a points debt without a debt record"
        assert sum(by_account.values()) == 0
