"""Many decisions at once against one campaign budget never spend more than the budget."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pointflow.bootstrap import Container
from tests.factories import ref, send
from tests.integration.offer_support import budgets, decisions, deposit, live, offer_rows, use_offers

DECISIONS = 24
AFFORDABLE = 5  # deposit-bonus costs 500 points of the budget


def tight_budget(offers: dict[str, Any]) -> None:
    live(offers)
    for campaign in offers["campaigns"]:
        campaign["budget_points"] = AFFORDABLE * 500


def test_parallel_decisions_never_overspend_a_campaign_budget(container: Container) -> None:
    use_offers(container, tight_budget)
    customers = [ref("cust") for _ in range(DECISIONS)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda c: send(container, deposit(c)), customers))
    assert all(r[0].status == "accepted" for r in results)
    issued = [o for o in offer_rows(container) if o["state"] == "issued"]
    made = decisions(container)
    assert len(made) == DECISIONS
    assert len(issued) == AFFORDABLE
    assert budgets(container)["everyday"]["spent_points"] == AFFORDABLE * 500
    refused = [d for d in made if d["action"] == "refused"]
    assert len(refused) == DECISIONS - AFFORDABLE
    assert all("campaign everyday budget spent" in d["reason"] for d in refused)
    rejected = [o for o in offer_rows(container) if o["state"] == "rejected"]
    assert len(rejected) == len(refused)
    assert {o["decided_by"] for o in rejected} == {"guardrails"}
