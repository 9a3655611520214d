"""Property-based: random sequences of earn, reverse, redeem, expire and release keep the ledger whole.

After every sequence: every posting sums to zero, each member's balance equals the sum of its lots and of
its legs, and an available balance never goes negative; a clawback that finds no points leaves a debt record.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointflow.adapters.programme_file import sample_programme_path
from pointflow.bootstrap import Container, bootstrap
from pointflow.config import Settings
from pointflow.domain.errors import InsufficientPoints
from pointflow.service_layer.jobs import expire_lots, release_pending
from pointflow.service_layer.redemption import Redeem, redeem
from tests.conftest import Clock
from tests.factories import purchase, ref, refund, send
from tests.integration.ledger_checks import check_ledger

CUSTOMERS = ("cust_a", "cust_b", "cust_c")
MCCS = ("5812", "5411", "5999", "7995", "3001")

earn = st.tuples(st.just("earn"), st.sampled_from(CUSTOMERS), st.integers(1, 80_000), st.sampled_from(MCCS))
reverse = st.tuples(st.just("reverse"), st.integers(0, 50), st.integers(1, 100), st.just(""))
spend = st.tuples(st.just("redeem"), st.sampled_from(CUSTOMERS), st.sampled_from((50, 100, 250)), st.just(""))
job = st.tuples(st.sampled_from(("expire", "release")), st.integers(0, 0), st.integers(1, 400), st.just(""))
operations = st.lists(st.one_of(earn, earn, reverse, spend, job), min_size=1, max_size=40)


def programme(hold_days: int, expiry_months: int) -> str:
    data = yaml.safe_load(sample_programme_path().read_text())
    data["lots"]["pending_days"] = hold_days
    data["lots"]["expiry"] = {"policy": "rolling_months", "months": expiry_months}
    for points in (50, 100, 250):
        data["rewards"].append(
            {"id": f"r{points}", "name": f"{points}", "kind": "merchandise", "points": points, "value": "1"}
        )
    return yaml.safe_dump(data)


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    bootstrap(Settings(database_url=f"sqlite:///{path}", environment="test")).close()
    return path


@pytest.fixture
def fresh(migrated: Path, tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    return migrated, tmp_path


class Run:
    def __init__(self, container: Container) -> None:
        self.c = container
        self.day = datetime(2024, 1, 1, 9, tzinfo=UTC)
        self.earned: list[dict[str, object]] = []

    def earn(self, customer: str, cents: int, mcc: str) -> None:
        self.day += timedelta(days=3)
        payload = purchase(customer, str(Decimal(cents) / 100), mcc=mcc, when=self.day.isoformat())
        send(self.c, payload)
        self.earned.append(payload)

    def reverse(self, pick: int, percent: int) -> None:
        if not self.earned:
            return
        original = self.earned[pick % len(self.earned)]
        amount = (Decimal(str(original["amount"])) * percent / 100).quantize(Decimal("0.01"))
        if amount > 0:
            send(self.c, refund(original, str(amount), when=(self.day + timedelta(hours=1)).isoformat()))

    def redeem(self, customer: str, points: int) -> None:
        with contextlib.suppress(InsufficientPoints):
            redeem(
                Redeem(customer, f"r{points}", 1, ref("k")),
                deps=self.c.ledger_deps(),
                actor="p",
            )

    def job(self, kind: str, days: int) -> None:
        self.day += timedelta(days=days)
        as_of: date = self.day.date()
        run = expire_lots if kind == "expire" else release_pending
        run(as_of, sessions=self.c.sessions, clock=self.c.clock)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations, hold=st.sampled_from((0, 7)), months=st.sampled_from((1, 3, 24)))
def test_random_sequences_keep_the_ledger_whole(
    fresh: tuple[Path, Path], ops: list[tuple[str, object, int, str]], hold: int, months: int
) -> None:
    template, folder = fresh
    db = folder / f"{ref('db')}.db"
    shutil.copy(template, db)
    clock = Clock(datetime(2030, 1, 1, tzinfo=UTC))
    container = bootstrap(Settings(database_url=f"sqlite:///{db}", environment="test"), clock=clock)
    try:
        container.programmes.load(programme(hold, months), actor="property")
        run = Run(container)
        for name, a, b, c in ops:
            if name == "earn":
                run.earn(str(a), b, c)
            elif name == "reverse":
                run.reverse(int(str(a)), b)
            elif name == "redeem":
                run.redeem(str(a), b)
            else:
                run.job(name, b)
        check_ledger(container)
    finally:
        container.close()
