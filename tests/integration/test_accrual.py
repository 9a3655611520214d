"""The accrual path on real SQLite and PostgreSQL: earn rules, dedupe, conflicts, reversals."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from pointflow.adapters.db import views
from pointflow.adapters.db.tables import accruals, postings, quarantine
from pointflow.bootstrap import Container
from tests.factories import EXAMPLE, purchase, ref, refund, send
from tests.integration.ledger_checks import check_ledger


def member(container: Container, customer_id: str) -> dict[str, object]:
    with container.db.reader.connect() as conn:
        found = views.member_summary(conn, container.tokeniser.token(customer_id))
    assert found is not None
    return found


def count(container: Container, table: sa.Table) -> int:
    with container.db.reader.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_the_integration_guide_example_credits_300_points(container: Container) -> None:
    [result] = send(container, EXAMPLE)
    assert (result.status, result.points) == ("accepted", 300)
    assert member(container, "cust_888")["available"] == 300
    check_ledger(container)


def test_the_explanation_names_the_rules_that_fired(container: Container) -> None:
    send(container, EXAMPLE)
    with container.db.reader.connect() as conn:
        found = views.explanation(conn, container.tokeniser.token("cust_888"), "txn_789012")
    assert found is not None
    applied = {r["rule_id"]: r for r in found["rules"] if r["outcome"] == "applied"}
    assert "dining" in " ".join(applied), f"no dining rule applied: {found['rules']}"
    assert found["points"] == 300
    assert found["exact_points"].startswith("299.98")
    assert "5812" in " ".join(r["reason"] for r in applied.values())


@pytest.mark.parametrize("deliveries", [1, 2, 3, 4, 5])
def test_the_same_event_delivered_n_times_has_one_effect(container: Container, deliveries: int) -> None:
    payload = purchase(ref("cust"), "100.00")
    statuses = [r.status for _ in range(deliveries) for r in send(container, payload)]
    assert statuses == ["accepted"] + ["duplicate"] * (deliveries - 1)
    assert member(container, payload["customer_id"])["available"] == 150  # groceries ×1.5
    assert count(container, postings) == 1


def test_the_same_event_in_one_batch_twice_counts_once(container: Container) -> None:
    payload = purchase(ref("cust"), "10.00")
    assert [r.status for r in send(container, payload, payload)] == ["accepted", "duplicate"]
    assert count(container, accruals) == 1


def test_concurrent_deliveries_of_one_event_have_one_effect(container: Container) -> None:
    payload = purchase(ref("cust"), "80.00")
    with ThreadPoolExecutor(max_workers=5) as pool:
        results = [r for batch in pool.map(lambda _: send(container, payload), range(5)) for r in batch]
    assert sorted(r.status for r in results) == ["accepted"] + ["duplicate"] * 4
    assert member(container, payload["customer_id"])["available"] == 120
    assert count(container, postings) == 1
    check_ledger(container)


def test_a_conflicting_duplicate_is_quarantined_and_changes_nothing(container: Container) -> None:
    payload = purchase(ref("cust"), "100.00")
    send(container, payload)
    [result] = send(container, {**payload, "amount": "101.00"})
    assert result.status == "conflict"
    assert result.field == "amount"
    assert result.quarantine_id
    assert member(container, payload["customer_id"])["available"] == 150
    assert count(container, quarantine) == 1


def test_a_refund_claws_back_in_proportion(container: Container) -> None:
    original = purchase(ref("cust"), "200.00", mcc="5812")  # dining ×2 → 400
    send(container, original)
    [first] = send(container, refund(original, "50.00"))
    [second] = send(container, refund(original, "150.00"))
    assert (first.points, second.points) == (-100, -300)
    assert member(container, original["customer_id"])["available"] == 0
    check_ledger(container)


def test_a_refund_after_the_points_were_spent_becomes_a_points_debt(container: Container) -> None:
    from pointflow.service_layer.redemption import Redeem, redeem

    original = purchase(ref("cust"), "500.00", mcc="5812")  # 1,000 points
    send(container, original)
    redeem(
        Redeem(original["customer_id"], _cheapest_reward(container, 1000), 1, ref("idem")),
        deps=container.ledger_deps(),
        actor="test",
    )
    spent = 1000 - int(member(container, original["customer_id"])["available"])
    send(container, refund(original, "500.00", kind="chargeback"))
    after = member(container, original["customer_id"])
    assert after["available"] == 0
    assert after["debt"] == spent
    assert after["debt_records"] == 1
    send(
        container, purchase(original["customer_id"], "1000.00", mcc="5812")
    )  # 2,000 points repay the debt first
    assert member(container, original["customer_id"])["available"] == 2000 - spent
    assert member(container, original["customer_id"])["debt"] == 0
    check_ledger(container)


def _cheapest_reward(container: Container, at_most: int) -> str:
    rewards = [r for r in container.programmes.active().programme.rewards if r.points <= at_most]
    return max(rewards, key=lambda r: r.points).id


def test_a_reversal_of_an_unknown_transaction_is_quarantined_then_replayed(container: Container) -> None:
    from pointflow.service_layer.replay import replay

    original = purchase(ref("cust"), "100.00", mcc="5812")
    [early] = send(container, refund(original, "100.00"))
    assert (early.status, early.field) == ("rejected", "original_transaction_id")
    send(container, original)
    [item] = container.quarantine.items()
    result = replay(
        item, connector=_generic(), deps=container.ledger_deps(), admin=container.quarantine, actor="t"
    )
    assert (result.status, result.points) == ("accepted", -200)
    assert container.quarantine.count("open") == 0
    assert member(container, original["customer_id"])["available"] == 0


def _generic() -> object:
    from pointflow.adapters.connectors.generic import GenericConnector

    return GenericConnector()


def test_excluded_transactions_earn_nothing_and_say_why(container: Container) -> None:
    payload = purchase(ref("cust"), "300.00", mcc="7995")
    [result] = send(container, payload)
    assert (result.status, result.points) == ("accepted", 0)
    with container.db.reader.connect() as conn:
        found = views.explanation(
            conn, container.tokeniser.token(payload["customer_id"]), payload["transaction_id"]
        )
    assert found is not None
    assert found["excluded_by"]
    assert "Earned nothing" in found["summary"]


def test_the_ledger_keeps_tokens_not_the_banks_customer_or_account_ids(container: Container) -> None:
    send(container, EXAMPLE)
    tables = ("inbox", "accruals", "postings", "legs", "lots", "members", "audit_log", "rule_usage")
    with container.db.reader.connect() as conn:
        for name in tables:
            dump = " ".join(str(row) for row in conn.execute(sa.text(f"SELECT * FROM {name}")))
            assert "cust_888" not in dump, name
            assert "acc_123456" not in dump, name
        vault = conn.execute(sa.text("SELECT customer_id FROM identity_vault")).scalars().all()
    assert vault == ["cust_888"], "only the vault maps tokens back to the bank's ids"


def test_a_purchase_and_its_refund_in_one_batch(container: Container) -> None:
    customer = ref("cust")
    first = purchase(customer, "100.00", mcc="5812")  # 200 points
    second = purchase(customer, "50.00", mcc="5999")  # 50 points
    results = send(container, first, second, refund(first, "25.00"), refund(first, "75.00"), second)
    assert [(r.status, r.points) for r in results] == [
        ("accepted", 200),
        ("accepted", 50),
        ("accepted", -50),
        ("accepted", -150),
        ("duplicate", 0),
    ]
    assert member(container, customer)["available"] == 50
    check_ledger(container)
