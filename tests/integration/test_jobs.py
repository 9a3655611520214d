"""Pending release and expiry jobs: right lots, right accounts, idempotent for an as-of date."""

from __future__ import annotations

from datetime import date

import yaml

from pointflow.adapters.db import views
from pointflow.adapters.programme_file import sample_programme_path
from pointflow.bootstrap import Container
from pointflow.service_layer.jobs import expire_lots, release_pending
from tests.factories import purchase, ref, refund, send
from tests.integration.ledger_checks import check_ledger


def hold_for(container: Container, days: int) -> None:
    data = yaml.safe_load(sample_programme_path().read_text())
    data["lots"]["pending_days"] = days
    container.programmes.load(yaml.safe_dump(data), actor="test")


def summary(container: Container, customer: str) -> dict[str, object]:
    with container.db.reader.connect() as conn:
        found = views.member_summary(conn, container.tokeniser.token(customer))
    assert found is not None
    return found


def test_held_points_are_released_once_their_period_ends(container: Container) -> None:
    hold_for(container, 14)
    customer = ref("cust")
    send(container, purchase(customer, "100.00", mcc="5999", when="2024-05-01T10:00:00Z"))
    assert (summary(container, customer)["pending"], summary(container, customer)["available"]) == (100, 0)
    early = release_pending(date(2024, 5, 14), sessions=container.sessions, clock=container.clock)
    assert early.lots == 0
    done = release_pending(date(2024, 5, 15), sessions=container.sessions, clock=container.clock)
    again = release_pending(date(2024, 5, 15), sessions=container.sessions, clock=container.clock)
    assert (done.points, again.points) == (100, 0)
    assert (summary(container, customer)["pending"], summary(container, customer)["available"]) == (0, 100)
    check_ledger(container)


def test_a_reversal_during_the_holding_period_takes_the_held_points(container: Container) -> None:
    hold_for(container, 14)
    original = purchase(ref("cust"), "100.00", mcc="5999", when="2024-05-01T10:00:00Z")
    send(container, original)
    send(container, refund(original, "40.00", when="2024-05-03T10:00:00Z"))
    assert summary(container, original["customer_id"])["pending"] == 60
    check_ledger(container)


def test_expiry_moves_what_is_left_of_old_lots_to_breakage_once(container: Container) -> None:
    customer = ref("cust")
    send(container, purchase(customer, "100.00", mcc="5999", when="2024-01-10T10:00:00Z"))
    send(container, purchase(customer, "70.00", mcc="5999", when="2024-03-10T10:00:00Z"))
    on_last_day = expire_lots(date(2026, 1, 10), sessions=container.sessions, clock=container.clock)
    assert on_last_day.points == 0, "a lot is usable through its expiry date"
    first = expire_lots(date(2026, 1, 11), sessions=container.sessions, clock=container.clock)
    second = expire_lots(date(2026, 1, 11), sessions=container.sessions, clock=container.clock)
    assert (first.points, second.points) == (100, 0)
    assert summary(container, customer)["available"] == 70
    with container.db.reader.connect() as conn:
        totals = views.ledger_totals(conn)
    assert totals["expired"] == 100
    check_ledger(container)
