"""Worked accounting stories, every balance checked after every step.

Accounts (points): member available / pending / debt per member; programme liability (issued, net of
clawbacks, as a negative balance); redeemed; expired (breakage).
"""

from __future__ import annotations

from datetime import date

import yaml

from pointflow.adapters.db import views
from pointflow.adapters.programme_file import sample_programme_path
from pointflow.bootstrap import Container
from pointflow.service_layer.jobs import expire_lots
from pointflow.service_layer.redemption import Redeem, redeem
from tests.factories import purchase, ref, refund, send
from tests.integration.ledger_checks import check_ledger


def balances(container: Container, customer: str) -> tuple[int, int, int]:
    with container.db.reader.connect() as conn:
        m = views.member_summary(conn, container.tokeniser.token(customer))
    assert m is not None
    return int(m["available"]), int(m["pending"]), int(m["debt"])


def books(container: Container) -> dict[str, int]:
    with container.db.reader.connect() as conn:
        return views.ledger_totals(conn)


def add_reward(container: Container, points: int) -> str:
    data = yaml.safe_load(sample_programme_path().read_text())
    data["rewards"].append(
        {"id": "story", "name": "Story reward", "kind": "cashback", "points": points, "value": "6.00"}
    )
    container.programmes.load(yaml.safe_dump(data), actor="test")
    return "story"


def test_earn_redeem_refund_clawback(container: Container) -> None:
    customer = ref("cust")
    # 1. Dinner for 250.00 at a restaurant: 250 × 1 × 2 = 500 points.
    dinner = purchase(customer, "250.00", mcc="5812")
    send(container, dinner)
    assert balances(container, customer) == (500, 0, 0)
    assert books(container) == {"programme_liability": -500, "member_available": 500}

    # 2. The member redeems 600 points? Not possible; 400 points for cashback is.
    reward = add_reward(container, 400)
    redeem(
        Redeem(customer, reward, 1, "story-1"),
        deps=container.ledger_deps(),
        actor="test",
    )
    assert balances(container, customer) == (100, 0, 0)
    assert books(container) == {"programme_liability": -500, "member_available": 100, "redeemed": 400}

    # 3. The restaurant refunds 100.00 of the bill: 200 points come back to the programme.
    #    Only 100 are left, so 100 are taken and the other 100 become a recorded points debt.
    send(container, refund(dinner, "100.00"))
    assert balances(container, customer) == (0, 0, 100)
    assert books(container) == {
        "programme_liability": -300,
        "member_available": 0,
        "redeemed": 400,
        "member_debt": -100,
    }

    # 4. The next purchase (groceries 100.00 → 150 points) repays the debt first: 50 left to spend.
    send(container, purchase(customer, "100.00", mcc="5411"))
    assert balances(container, customer) == (50, 0, 0)
    assert books(container) == {
        "programme_liability": -450,
        "member_available": 50,
        "redeemed": 400,
        "member_debt": 0,
    }
    check_ledger(container)


def test_earn_then_expire(container: Container) -> None:
    customer = ref("cust")
    send(container, purchase(customer, "80.00", mcc="5999", when="2024-02-29T09:00:00Z"))  # 80 points
    send(container, purchase(customer, "20.00", mcc="5999", when="2024-04-15T09:00:00Z"))  # 20 points
    assert balances(container, customer) == (100, 0, 0)
    # Rolling 24 months: the leap-day lot lasts through 2026-02-28 (month-end clamp).
    assert expire_lots(date(2026, 2, 28), sessions=container.sessions, clock=container.clock).points == 0
    assert expire_lots(date(2026, 3, 1), sessions=container.sessions, clock=container.clock).points == 80
    assert balances(container, customer) == (20, 0, 0)
    assert books(container) == {"programme_liability": -100, "member_available": 20, "expired": 80}
    assert expire_lots(date(2026, 4, 16), sessions=container.sessions, clock=container.clock).points == 20
    assert balances(container, customer) == (0, 0, 0)
    assert books(container) == {"programme_liability": -100, "member_available": 0, "expired": 100}
    check_ledger(container)
