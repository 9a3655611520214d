"""The outbox on real databases: written with its cause, leased to one dispatcher, delivered to the
sandbox bank exactly once per key, parked as a dead letter when refused, and retried on request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from starlette.testclient import TestClient

from pointflow.adapters.connectors import CORE_APIS
from pointflow.adapters.connectors.generic_api import GenericCoreApi
from pointflow.adapters.core_http import HttpCore
from pointflow.bootstrap import Container
from pointflow.domain.core import WriteBack, WriteBackKind
from pointflow.domain.delivery import Verdict
from pointflow.domain.errors import InsufficientPoints
from pointflow.entrypoints import dispatcher
from pointflow.service_layer.redemption import Redeem, redeem
from pointflow.service_layer.tiers import evaluate_tiers
from pointflow.sim.bank import SimCustomer
from pointflow.sim.bank import customers as sandbox_customers
from pointflow.sim.platforms.catalog import PLATFORMS
from pointflow.sim.platforms.generic import GenericSandbox
from pointflow.sim.sandbox import SandboxBank
from pointflow.sim.server import sandbox_app
from tests.factories import purchase, ref, send


def customer(customer_id: str) -> SimCustomer:
    return SimCustomer(
        customer_id, f"acc_{customer_id}", "commuter", "US", "Ada Lovelace", "ada@example.org", "+1555"
    )


@pytest.fixture
def bank_and_core(container: Container) -> Iterator[tuple[SandboxBank, HttpCore, list[str]]]:
    ids = [ref("cust") for _ in range(3)]
    bank = SandboxBank([customer(i) for i in ids])
    with TestClient(sandbox_app(GenericSandbox(), bank), base_url="http://sandbox") as client:
        yield bank, HttpCore(GenericCoreApi(), client), ids


def earn_and_redeem(container: Container, customer_id: str, key: str) -> None:
    send(container, purchase(customer_id, "5000.00"))
    redeem(Redeem(customer_id, "cashback-25", 1, key), deps=container.ledger_deps(), actor="test")


def test_a_redemption_writes_its_write_back_in_the_same_transaction(container: Container) -> None:
    who = ref("cust")
    earn_and_redeem(container, who, "k1")
    redeem(Redeem(who, "cashback-25", 1, "k1"), deps=container.ledger_deps(), actor="test")  # a replay
    with pytest.raises(InsufficientPoints):
        redeem(Redeem(who, "cashback-100", 9, "k2"), deps=container.ledger_deps(), actor="test")
    rows = container.outbox.rows()
    assert [(r.kind, r.state, r.attempts) for r in rows] == [("points_credited", "pending", 0)]


def test_the_dispatcher_delivers_once_and_the_bank_applies_the_cashback(
    container: Container, bank_and_core: tuple[SandboxBank, HttpCore, list[str]]
) -> None:
    bank, core, ids = bank_and_core
    for who in ids:
        earn_and_redeem(container, who, ref("key"))
    totals = dispatcher.run(container, core, once=True)
    assert (totals.delivered, totals.retried, totals.dead) == (3, 0, 0)
    assert sorted(a.customer_id for a in bank.applied()) == sorted(ids)
    assert bank.balance(f"acc_{ids[0]}") == bank.balance(f"acc_{ids[1]}") == 2525
    assert container.outbox.counts() == {"delivered": 3}
    assert dispatcher.run(container, core, once=True).delivered == 0


def test_a_leased_message_is_not_handed_to_a_second_dispatcher(container: Container, clock: object) -> None:
    earn_and_redeem(container, ref("cust"), "k")
    first = container.outbox.due(now=container.clock(), limit=10)
    second = container.outbox.due(now=container.clock(), limit=10)
    assert len(first) == 1
    assert second == []


def test_a_refused_write_back_becomes_a_dead_letter_and_retry_sends_it_again(
    container: Container, bank_and_core: tuple[SandboxBank, HttpCore, list[str]]
) -> None:
    bank, core, _ = bank_and_core
    stranger = ref("cust")  # the bank does not know this customer: 404, a refusal
    earn_and_redeem(container, stranger, "k")
    totals = dispatcher.run(container, core, once=True)
    assert totals.dead == 1
    dead = container.outbox.rows(state="dead")
    assert "HTTP 404" in (dead[0].last_error or "")
    bank._customers[stranger] = customer(stranger)  # the operator fixes the bank's side
    assert container.outbox.retry(ids=None, now=container.clock()) == 1
    assert dispatcher.run(container, core, once=True).delivered == 1
    assert [a.customer_id for a in bank.applied()] == [stranger]


def test_an_unreachable_core_is_retried_with_back_off(container: Container) -> None:
    earn_and_redeem(container, ref("cust"), "k")
    down = httpx.Client(base_url="http://127.0.0.1:9", timeout=0.5)  # nothing listens on the discard port
    totals = dispatcher.run(container, HttpCore(GenericCoreApi(), down), once=True)
    down.close()
    assert (totals.retried, totals.dead) == (1, 0)
    row = container.outbox.rows()[0]
    assert (row.state, row.attempts) == ("pending", 1)
    assert row.next_attempt_at > container.clock()


def test_a_tier_change_is_flagged_to_the_core(container: Container) -> None:
    who = ref("cust")
    send(container, purchase(who, "90000.00", when="2024-05-20T10:00:00Z"))
    deps = container.ledger_deps()
    result = evaluate_tiers(
        date(2024, 6, 1),
        sessions=container.sessions,
        programme=lambda: deps.programme().programme,
        clock=deps.clock,
    )
    assert result.points >= 1  # for the tier job: members changed
    flags = [r for r in container.outbox.rows() if r.kind == "flag"]
    assert len(flags) == result.points


@pytest.mark.parametrize("platform", sorted(set(PLATFORMS) & set(CORE_APIS)))
def test_each_platforms_write_back_reaches_its_sandbox_once(container: Container, platform: str) -> None:
    people = sandbox_customers(3)
    bank = SandboxBank(people)
    with TestClient(sandbox_app(PLATFORMS[platform], bank), base_url="http://sandbox") as client:
        core = HttpCore(CORE_APIS[platform], client)
        for who in people:
            earn_and_redeem(container, who.customer_id, ref("key"))
        assert dispatcher.run(container, core, once=True).delivered == 3
        for row in container.outbox.rows():
            container.outbox.settle(
                row.id,
                state="pending",
                attempts=1,
                at=container.clock(),
                next_at=container.clock(),
                error=None,
            )
        assert dispatcher.run(container, core, once=True).delivered == 3  # delivered again: no second effect
    assert sorted(a.customer_id for a in bank.applied()) == sorted(p.customer_id for p in people)
    assert all(n == 2 for n in bank.deliveries.values())


def test_a_cashback_with_an_account_is_credited_to_that_account(
    container: Container, bank_and_core: tuple[SandboxBank, HttpCore, list[str]]
) -> None:
    bank, core, ids = bank_and_core
    send(container, purchase(ids[0], "5000.00"))
    account = f"acc_{ids[0]}"
    redeem(Redeem(ids[0], "cashback-25", 1, "k", account), deps=container.ledger_deps(), actor="test")
    assert dispatcher.run(container, core, once=True).delivered == 1
    assert bank.balance(account) == 2525
    (applied,) = bank.applied()
    assert applied.body["values"]["amount"] == "25"
    assert applied.body["account_id"] == account


def test_a_write_back_the_platform_cannot_express_is_refused_not_raised() -> None:
    message = WriteBack(WriteBackKind.POINTS_CREDITED, "k", "cust_1", None, {"amount": "25"})
    with httpx.Client(base_url="http://127.0.0.1:9") as unused:
        delivery = HttpCore(CORE_APIS["mambu"], unused).deliver(message)
    assert delivery.verdict is Verdict.REFUSED
    assert "cannot take this write-back" in delivery.detail
