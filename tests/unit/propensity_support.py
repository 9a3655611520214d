"""A small simulated history shared by the propensity tests (a few hundred members, nine months)."""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from pointflow.adapters.db.feature_store import categories, category_map
from pointflow.intelligence.propensity import History, history_from_tables
from pointflow.sim.truth import DEFAULT_START, simulate

MEMBERS = 600
MONTHS = 9


@lru_cache(maxsize=1)
def small_history() -> History:
    sim = simulate(MEMBERS, MONTHS, seed=11)
    mccs = sim.transactions["mcc"].cast(pl.String).unique().to_list()
    return history_from_tables(
        sim.transactions,
        sim.balances,
        sim.redemptions,
        start=DEFAULT_START,
        category_of=category_map(mccs),
        categories=categories(),
    )
