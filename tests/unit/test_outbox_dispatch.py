"""The dispatcher's rules with hand-written fakes: back-off, dead letters, no customer id, no double count."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from pointflow.domain.core import WriteBack
from pointflow.domain.delivery import Backoff, Verdict
from pointflow.service_layer.outbox import Delivery, DispatchResult, OutboxMessage, dispatch_due

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


@dataclass
class FakeOutbox:
    messages: list[OutboxMessage]
    settled: dict[str, dict[str, object]] = field(default_factory=dict)

    def due(self, *, now: datetime, limit: int) -> list[OutboxMessage]:
        return self.messages[:limit]

    def settle(
        self,
        message_id: str,
        *,
        state: str,
        attempts: int,
        at: datetime,
        next_at: datetime,
        error: str | None,
    ) -> None:
        self.settled[message_id] = {"state": state, "attempts": attempts, "next_at": next_at, "error": error}


@dataclass
class FakeReceiver:
    verdicts: list[Verdict]
    seen: list[WriteBack] = field(default_factory=list)

    def deliver(self, message: WriteBack) -> Delivery:
        self.seen.append(message)
        return Delivery(self.verdicts.pop(0), "boom" if self.verdicts else "")


def message(attempts: int = 0, key: str = "k1") -> OutboxMessage:
    body = '{"account_id": "acc_1", "values": {"points": "100"}}'
    return OutboxMessage(f"id-{key}", key, "points_credited", "tok", body, attempts)


def run(
    outbox: FakeOutbox, receiver: FakeReceiver, backoff: Backoff, vault: dict[str, str] | None = None
) -> DispatchResult:
    known = {"tok": "cust_1"} if vault is None else vault
    return dispatch_due(
        outbox=outbox,
        receiver=receiver,
        customer_id=known.get,
        clock=lambda: NOW,
        backoff=backoff,
        spread=lambda: 0.5,
    )


def test_the_delay_doubles_from_the_base_and_stops_at_the_cap() -> None:
    backoff = Backoff(base_seconds=2, cap_seconds=30, jitter=0)
    assert [backoff.delay(n, 0.5).total_seconds() for n in range(1, 7)] == [2, 4, 8, 16, 30, 30]


@pytest.mark.parametrize("spread", [0.0, 0.999])
def test_jitter_stays_within_its_fraction(spread: float) -> None:
    delay = Backoff(base_seconds=10, jitter=0.2).delay(1, spread).total_seconds()
    assert 8.0 <= delay <= 12.0


def test_a_delivered_message_is_settled_with_the_receivers_view_of_the_customer() -> None:
    outbox, receiver = FakeOutbox([message()]), FakeReceiver([Verdict.DELIVERED])
    result = run(outbox, receiver, Backoff())
    assert result.delivered == 1
    assert outbox.settled["id-k1"]["state"] == "delivered"
    assert receiver.seen[0].customer_id == "cust_1"
    assert receiver.seen[0].key == "k1"
    assert receiver.seen[0].values == {"points": "100"}


def test_a_failure_is_retried_later_with_back_off() -> None:
    outbox = FakeOutbox([message(attempts=2)])
    result = run(outbox, FakeReceiver([Verdict.RETRY, Verdict.RETRY]), Backoff(base_seconds=2, jitter=0))
    settled = outbox.settled["id-k1"]
    assert result.retried == 1
    assert settled["state"] == "pending"
    assert settled["attempts"] == 3
    assert settled["next_at"] == NOW + timedelta(seconds=8)
    assert settled["error"] == "boom"


def test_the_last_allowed_failure_makes_a_dead_letter() -> None:
    outbox = FakeOutbox([message(attempts=4)])
    result = run(outbox, FakeReceiver([Verdict.RETRY, Verdict.RETRY]), Backoff(max_attempts=5))
    assert result.dead == 1
    assert outbox.settled["id-k1"]["state"] == "dead"


def test_a_refusal_is_dead_at_once() -> None:
    outbox = FakeOutbox([message()])
    run(outbox, FakeReceiver([Verdict.REFUSED, Verdict.REFUSED]), Backoff(max_attempts=5))
    assert outbox.settled["id-k1"]["state"] == "dead"


def test_a_member_missing_from_the_vault_is_a_dead_letter_and_the_receiver_is_not_called() -> None:
    outbox, receiver = FakeOutbox([message()]), FakeReceiver([Verdict.DELIVERED])
    run(outbox, receiver, Backoff(), vault={})
    assert outbox.settled["id-k1"]["state"] == "dead"
    assert "identity vault" in str(outbox.settled["id-k1"]["error"])
    assert receiver.seen == []
