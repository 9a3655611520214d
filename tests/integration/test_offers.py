"""Offers decided in the accrual's transaction: records, outbox messages, approvals pending, budgets."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from pointflow.adapters.db.offer_tables import offer_bandit
from pointflow.bootstrap import Container
from pointflow.service_layer.offer_commands import expire_offers
from tests.factories import ref, send
from tests.integration.offer_support import (
    budgets,
    decisions,
    deposit,
    live,
    offer_rows,
    outbox_rows,
    rows,
    use_offers,
)


def test_a_large_deposit_issues_the_rule_based_offer_and_writes_back_through_the_outbox(
    container: Container,
) -> None:
    use_offers(container, live)
    customer = ref("cust")
    [result] = send(container, deposit(customer))
    assert result.status == "accepted"
    token = container.tokeniser.token(customer)
    [decision] = decisions(container, token=token)
    assert decision["action"] == "issued"
    assert decision["winner"] == decision["baseline"] == "deposit-bonus"
    assert decision["fallback"] == "model unavailable for deposit-bonus: rule-based offer used"
    assert decision["triggers"][0]["id"] == "large-deposit"
    considered = {c["offer"]: c for c in decision["candidates"]}
    assert considered["invest-cross-sell"]["eligible"] is False  # a new member: 0 days with the bank
    [offer] = offer_rows(container, token=token)
    assert offer["state"] == "issued"
    assert offer["offer_code"] == "deposit-bonus"
    assert offer["decision_id"] == decision["id"]
    messages = {
        m["kind"]: json.loads(m["body"])["values"] for m in outbox_rows(container) if m["token"] == token
    }
    assert set(messages) == {"offer", "flag", "notify"}
    assert messages["notify"] == {
        "offer_id": offer["id"],
        "offer_code": "deposit-bonus",
        "channel": "email",
        "locale": "en-US",
        "points": "500",
        "valid_from": "2024-06-01T12:00:00+00:00",
        "valid_until": "2024-07-01T12:00:00+00:00",
    }
    assert messages["flag"]["priority_offer"] == "true"
    assert budgets(container)["everyday"]["spent_points"] == 500


def test_a_small_deposit_decides_nothing(container: Container) -> None:
    use_offers(container, live)
    customer = ref("cust")
    send(container, deposit(customer, "50"))
    assert decisions(container, token=container.tokeniser.token(customer)) == []


def test_shadow_mode_records_the_decision_and_issues_nothing(container: Container) -> None:
    def shadow(offers: dict[str, Any]) -> None:
        live(offers)
        offers["rollout"]["mode"] = "shadow"

    use_offers(container, shadow)
    customer = ref("cust")
    send(container, deposit(customer))
    token = container.tokeniser.token(customer)
    [decision] = decisions(container, token=token)
    assert decision["action"] == "shadow"
    assert decision["rollout"] == "shadow"
    assert "shadow rollout: decision recorded, nothing issued" in decision["reason"]
    assert offer_rows(container, token=token) == []
    assert [m for m in outbox_rows(container) if m["token"] == token] == []


def test_an_offer_above_the_approval_threshold_waits_and_spends_nothing(container: Container) -> None:
    def low_threshold(offers: dict[str, Any]) -> None:
        live(offers)
        offers["approval"]["points_threshold"] = 400

    use_offers(container, low_threshold)
    customer = ref("cust")
    send(container, deposit(customer))
    token = container.tokeniser.token(customer)
    [offer] = offer_rows(container, token=token)
    assert offer["state"] == "pending_approval"
    assert offer["approval_reasons"] == ["500 points, at or above the approval threshold 400"]
    assert offer["approval_due"] is not None
    assert decisions(container, token=token)[0]["action"] == "pending_approval"
    assert [m for m in outbox_rows(container) if m["token"] == token] == []
    assert "everyday" not in budgets(container)


def test_the_contact_policy_holds_back_a_third_offer_in_a_week(container: Container) -> None:
    use_offers(container, live)
    customer = ref("cust")
    send(container, deposit(customer), deposit(customer), deposit(customer))
    token = container.tokeniser.token(customer)
    actions = sorted(d["action"] for d in decisions(container, token=token))
    assert actions == ["issued", "issued", "refused"]
    refused = next(d for d in decisions(container, token=token) if d["action"] == "refused")
    assert "already 2 offers this week (at most 2)" in refused["reason"]


def test_an_unanswered_offer_becomes_ignored_and_the_bandit_learns_it_once(container: Container) -> None:
    use_offers(container, live)
    customer = ref("cust")
    send(container, deposit(customer))
    [offer] = offer_rows(container, token=container.tokeniser.token(customer))
    after = offer["valid_until"] + timedelta(seconds=1)
    assert (
        expire_offers(offer["valid_until"] - timedelta(seconds=1), container.offer_deps()).offers_ignored == 0
    )
    assert expire_offers(after, container.offer_deps()).offers_ignored == 1
    assert expire_offers(after, container.offer_deps()).offers_ignored == 0
    assert offer_rows(container, id=offer["id"])[0]["state"] == "ignored"
    [stats] = rows(container, offer_bandit, offer_code="deposit-bonus")
    assert (stats["accepted"], stats["ignored"]) == (0, 1)


def test_an_offer_far_above_the_segments_norm_waits_for_approval(container: Container) -> None:
    use_offers(container, live)
    send(container, *(deposit(ref("cust")) for _ in range(20)))  # 20 offers worth 5 each: the norm is 5

    def generous(offers: dict[str, Any]) -> None:
        live(offers)
        offers["catalogue"][0]["value_to_member"] = "16"  # deposit-bonus, more than 3 x 5

    use_offers(container, generous)
    customer = ref("cust")
    send(container, deposit(customer))
    [offer] = offer_rows(container, token=container.tokeniser.token(customer))
    assert offer["state"] == "pending_approval"
    assert offer["approval_reasons"] == ["anomalous: value 16 is over 3.0× the segment's norm 5.00"]


GROCERY_TIMES = (
    "2024-05-29T14:00:00Z",
    "2024-05-30T10:00:00Z",
    "2024-05-31T10:00:00Z",
    "2024-06-01T09:00:00Z",
)


def _grocery(customer_id: str, when: str) -> dict[str, Any]:
    return {
        "event_type": "transaction.posted",
        "transaction_id": ref("groc"),
        "account_id": "acc_" + customer_id,
        "customer_id": customer_id,
        "amount": "40.00",
        "currency": "USD",
        "merchant_category_code": "5411",
        "merchant_name": "Corner Grocer",
        "timestamp": when,
    }


def _pattern_decisions(container: Container, customer: str) -> list[dict[str, Any]]:
    found = decisions(container, token=container.tokeniser.token(customer))
    return [d for d in found if any(t["id"] == "regular-grocer" for t in d["triggers"])]


def test_a_category_pattern_completed_inside_one_commit_group_fires_once(container: Container) -> None:
    use_offers(container, live)
    customer = ref("cust")
    send(container, *(_grocery(customer, when) for when in GROCERY_TIMES))
    [decision] = _pattern_decisions(container, customer)
    assert "3 groceries transactions within 30 days" in json.dumps(decision["triggers"])


def test_a_category_pattern_completed_across_commit_groups_fires_once(container: Container) -> None:
    use_offers(container, live)
    customer = ref("cust")
    first, second, third, fourth = GROCERY_TIMES
    send(container, _grocery(customer, first), _grocery(customer, second))
    assert _pattern_decisions(container, customer) == []
    send(container, _grocery(customer, third))
    send(container, _grocery(customer, fourth))
    assert len(_pattern_decisions(container, customer)) == 1


def test_a_transaction_booked_before_the_freshness_window_decides_nothing(container: Container) -> None:
    use_offers(container, live)
    customer = ref("cust")
    [old] = send(container, deposit(customer, when="2024-05-20T09:00:00Z"))  # 12 days before the clock
    assert old.status == "accepted"
    assert decisions(container, token=container.tokeniser.token(customer)) == []
    send(container, deposit(customer, when="2024-05-30T09:00:00Z"))  # 51 hours: inside the 72
    assert len(decisions(container, token=container.tokeniser.token(customer))) == 1
