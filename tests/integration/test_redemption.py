"""Redemptions against the catalogue: idempotency keys and parallel requests on one balance."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml

from pointflow.adapters.programme_file import sample_programme_path
from pointflow.bootstrap import Container
from pointflow.domain.errors import IdempotencyConflict, InsufficientPoints, UnknownReward
from pointflow.service_layer.redemption import Redeem, Redemption, redeem
from tests.factories import purchase, ref, send
from tests.integration.ledger_checks import check_ledger


def with_reward(container: Container, points: int) -> str:
    """Load a programme version whose catalogue has a reward costing exactly `points`."""
    data = yaml.safe_load(sample_programme_path().read_text())
    data["rewards"].append(
        {
            "id": f"test-{points}",
            "name": f"Test reward {points}",
            "kind": "merchandise",
            "points": points,
            "value": "1.00",
        }
    )
    container.programmes.load(yaml.safe_dump(data), actor="test")
    return f"test-{points}"


def do(container: Container, customer_id: str, reward: str, key: str, quantity: int = 1) -> Redemption:
    return redeem(
        Redeem(customer_id, reward, quantity, key),
        deps=container.ledger_deps(),
        actor="test",
    )


def funded(container: Container, points: int) -> str:
    customer = ref("cust")
    send(container, purchase(customer, f"{points}.00", mcc="5999"))  # base rate only: 1 point per unit
    return customer


def test_fifty_parallel_redemptions_of_100_against_1000_give_exactly_ten(container: Container) -> None:
    customer, reward = funded(container, 1000), with_reward(container, 100)

    def attempt(i: int) -> str:
        try:
            do(container, customer, reward, f"k{i}")
            return "ok"
        except InsufficientPoints:
            return "refused"

    with ThreadPoolExecutor(max_workers=16) as pool:
        outcomes = list(pool.map(attempt, range(50)))
    assert outcomes.count("ok") == 10
    assert outcomes.count("refused") == 40
    check_ledger(container)


def test_an_idempotency_key_replays_the_first_answer(container: Container) -> None:
    customer, reward = funded(container, 500), with_reward(container, 100)
    first = do(container, customer, reward, "same-key")
    again = do(container, customer, reward, "same-key")
    assert (first.replayed, again.replayed, again.id) == (False, True, first.id)
    assert first.available_after == 400
    with pytest.raises(IdempotencyConflict):
        do(container, customer, reward, "same-key", quantity=2)


def test_unknown_rewards_and_empty_balances_are_refused(container: Container) -> None:
    customer = funded(container, 50)
    with pytest.raises(UnknownReward):
        do(container, customer, "no-such-reward", "k1")
    with pytest.raises(InsufficientPoints):
        do(container, customer, with_reward(container, 100), "k2")
    with pytest.raises(InsufficientPoints):
        do(container, ref("nobody"), with_reward(container, 100), "k3")


def test_redemption_consumes_the_first_expiring_lot_first(container: Container, clock: object) -> None:
    customer = ref("cust")
    send(container, purchase(customer, "100.00", mcc="5999", when="2024-03-01T10:00:00Z"))
    send(container, purchase(customer, "100.00", mcc="5999", when="2024-05-01T10:00:00Z"))
    do(container, customer, with_reward(container, 150), "k")
    from pointflow.adapters.db import views

    with container.db.reader.connect() as conn:
        summary = views.member_summary(conn, container.tokeniser.token(customer))
    assert summary is not None
    assert summary["expiring"] == [{"expires_on": "2026-05-01", "points": 50}]
