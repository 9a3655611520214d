"""Back-test of the liability forecast on the simulator's history (issue 4's goal: monthly error ≤ 10 %
three months out).

The simulated members' monthly points become lots (one per member and month, earned on the 1st, expiring
after the sample programme's 24 months), and their redemptions are taken from those lots first-expiring-
first, as the ledger does. The forecast is made from what was known three months before the end of the
history and compared, month by month, with the redemptions the simulator then produced.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from datetime import date
from typing import Any

import polars as pl

from pointflow.intelligence.liability.model import LotHistory, Outflow, add_months, backtest
from pointflow.sim.truth.simulate import DEFAULT_START, simulate

EXPIRY_MONTHS = 24


def lots_from(balances: pl.DataFrame, redemptions: pl.DataFrame, start: date) -> list[LotHistory]:
    earned = _earned_by_member(balances)
    taken = _redemptions_by_member(redemptions)
    lots: list[LotHistory] = []
    for member, months in earned.items():
        lots.extend(_member_lots(months, taken.get(member, []), start))
    return lots


def _earned_by_member(balances: pl.DataFrame) -> dict[str, list[int]]:
    ordered = balances.sort("customer_id", "month").with_columns(
        (
            pl.col("points_before_redemption")
            - pl.col("points_balance").shift(1).over("customer_id").fill_null(0)
        ).alias("earned")
    )
    found: dict[str, list[int]] = defaultdict(list)
    for member, earned in ordered.select("customer_id", "earned").iter_rows():
        found[str(member)].append(int(earned))
    return found


def _redemptions_by_member(redemptions: pl.DataFrame) -> dict[str, list[tuple[date, int]]]:
    found: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for member, at, points in (
        redemptions.sort("redeemed_at").select("customer_id", "redeemed_at", "points").iter_rows()
    ):
        found[str(member)].append((at.date(), int(points)))
    return found


def _member_lots(earned: list[int], taken: list[tuple[date, int]], start: date) -> list[LotHistory]:
    """FEFO: each redemption takes from the oldest lots still holding points."""
    remaining = list(earned)
    outflows: list[list[Outflow]] = [[] for _ in earned]
    for on, wanted in taken:
        for i in range(min(len(earned), _months_since(start, on) + 1)):
            take = min(wanted, remaining[i])
            if take:
                remaining[i] -= take
                outflows[i].append(Outflow(on, take, "redeem"))
                wanted -= take
    expiry = EXPIRY_MONTHS
    return [
        LotHistory(got, add_months(start, i), add_months(start, i + expiry), tuple(outflows[i]))
        for i, got in enumerate(earned)
        if got > 0
    ]


def _months_since(start: date, on: date) -> int:
    return (on.year - start.year) * 12 + on.month - start.month


def run(members: int = 20_000, months: int = 18, horizon: int = 3) -> dict[str, Any]:
    began = time.perf_counter()
    simulation = simulate(members, months)
    tables = simulation.tables()
    lots = lots_from(tables["balances"], tables["redemptions"], DEFAULT_START)
    cutoff = add_months(DEFAULT_START, months - horizon)
    result = backtest(lots, cutoff=cutoff, horizon=horizon, history_months=12)
    return {
        "members": members,
        "months": months,
        "cutoff": cutoff.isoformat(),
        "lots": len(lots),
        "months_ahead": [
            {
                "month": m.month.isoformat()[:7],
                "forecast": round(m.forecast),
                "actual": m.actual,
                "error": round(m.error, 4),
            }
            for m in result
        ],
        "seconds": round(time.perf_counter() - began, 1),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=20_000)
    args = parser.parse_args()
    print(run(args.members))
