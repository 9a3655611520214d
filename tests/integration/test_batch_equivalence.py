"""Property: a batch of earns and reversals in one transaction has the same effect as one at a time."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pointflow.adapters.db import views
from pointflow.bootstrap import Container, bootstrap
from pointflow.config import Settings
from tests.conftest import Clock
from tests.factories import purchase, ref, refund, send
from tests.integration.ledger_checks import check_ledger

CUSTOMERS = ("cust_a", "cust_b")
step = st.one_of(
    st.tuples(
        st.just("earn"),
        st.sampled_from(CUSTOMERS),
        st.integers(100, 50_000),
        st.sampled_from(("5812", "5999")),
    ),
    st.tuples(st.just("reverse"), st.integers(0, 30), st.integers(1, 100), st.just("")),
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("equivalence") / "template.db"
    bootstrap(Settings(database_url=f"sqlite:///{path}", environment="test")).close()
    return path


def events(steps: list[tuple[str, object, int, str]]) -> list[dict[str, object]]:
    day, earned, out = datetime(2024, 1, 1, 9, tzinfo=UTC), [], []
    for name, a, b, c in steps:
        day += timedelta(hours=5)
        if name == "earn":
            payload = purchase(str(a), str(Decimal(b) / 100), mcc=c, when=day.isoformat())
            earned.append(payload)
            out.append(payload)
        elif earned:
            original = earned[int(str(a)) % len(earned)]
            amount = (Decimal(str(original["amount"])) * b / 100).quantize(Decimal("0.01"))
            if amount > 0:
                out.append(refund(original, str(amount), when=day.isoformat()))
    return out


def state(container: Container) -> dict[str, object]:
    with container.db.reader.connect() as conn:
        members = {c: views.member_summary(conn, container.tokeniser.token(c)) for c in CUSTOMERS}
        return {"members": members, "totals": views.ledger_totals(conn)}


def fresh(template: Path, folder: Path) -> Container:
    db = folder / f"{ref('db')}.db"
    shutil.copy(template, db)
    return bootstrap(Settings(database_url=f"sqlite:///{db}", environment="test"), clock=Clock())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=30))
def test_one_batch_equals_one_at_a_time(
    template: Path, tmp_path: Path, steps: list[tuple[str, object, int, str]]
) -> None:
    payloads = events(steps)
    together, apart = fresh(template, tmp_path), fresh(template, tmp_path)
    try:
        batch_results = send(together, *payloads)
        single_results = [r for p in payloads for r in send(apart, p)]
        assert [(r.status, r.points) for r in batch_results] == [(r.status, r.points) for r in single_results]
        assert state(together) == state(apart)
        check_ledger(together)
    finally:
        together.close()
        apart.close()
