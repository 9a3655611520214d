"""Member features on the real database: online state kept by the hot path equals the batch recomputation."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from pointflow.adapters.db.feature_store import (
    accrual_frame,
    batch_features,
    category_map,
    online_features,
    rebuild_online_state,
    stored_buckets,
)
from pointflow.bootstrap import Container
from pointflow.entrypoints.cli import app
from pointflow.intelligence.features import category_column, daily_buckets
from pointflow.service_layer.redemption import Redeem, redeem
from tests.factories import purchase, ref, refund, send

AS_OF = date(2024, 5, 25)  # the random history runs a few days past it, up to the clock
MCCS = ("5411", "4111", "5812", "3000", "5999", "7011")


def random_history(seed: int, customers: list[str], count: int) -> list[dict[str, object]]:
    rng = random.Random(seed)
    payloads = []
    for _ in range(count):
        day = date.fromordinal(AS_OF.toordinal() - rng.randrange(-5, 500))
        payloads.append(
            purchase(
                rng.choice(customers),
                f"{rng.randrange(1, 50_000) / 100:.2f}",
                mcc=rng.choice(MCCS),
                when=f"{day.isoformat()}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z",
            )
        )
    return payloads


def ingest_in_batches(container: Container, payloads: list[dict[str, object]], size: int) -> None:
    for start in range(0, len(payloads), size):
        results = send(container, *payloads[start : start + size])
        assert [r.detail for r in results if r.status != "accepted"] == []


def test_online_features_equal_batch_features_for_every_member(container: Container) -> None:
    customers = [ref("cust") for _ in range(6)]
    history = random_history(7, customers, 120)
    ingest_in_batches(container, history, 25)  # several transactions add to the same buckets
    send(container, *history[:10])  # duplicates: no second effect on the online state either
    send(container, refund(history[0], "1.00"))

    batch = batch_features(container.db, as_of=AS_OF, currency="USD")
    online = online_features(container.db, as_of=AS_OF, currency="USD")

    assert online.height == len({container.tokeniser.token(c) for c in customers}) > 0
    assert_frame_equal(batch.select(online.columns), online)
    one = container.tokeniser.token(customers[0])
    alone = online_features(container.db, as_of=AS_OF, currency="USD", tokens=[one])
    assert_frame_equal(alone, online.filter(pl.col("token") == one))  # the serving-time lookup of one member


def test_the_online_buckets_are_the_accruals_folded_by_day(container: Container) -> None:
    history = random_history(11, [ref("cust") for _ in range(3)], 40)
    ingest_in_batches(container, history, 7)
    with container.db.reader.connect() as conn:
        folded = daily_buckets(accrual_frame(conn, until=date(2100, 1, 1)))
    assert {(r[0], r[1], r[2], r[3]): (r[4], r[5], r[6]) for r in folded.rows()} == stored_buckets(
        container.db
    )


def test_features_of_a_member_computed_by_hand(container: Container) -> None:
    customer = ref("cust")
    send(
        container,
        purchase(customer, "100.00", mcc="5411", when="2024-05-31T09:00:00Z"),
        purchase(customer, "50.25", mcc="4111", when="2024-05-02T23:59:59Z"),
        purchase(customer, "10.00", mcc="5411", when="2024-06-01T00:00:00Z"),  # after the as-of date
    )
    send(container, purchase(customer, "1000.00", mcc="5999", when="2023-06-01T12:00:00Z"))
    redeem(Redeem(customer, "coffee-voucher-10", 1, ref("key")), deps=container.ledger_deps(), actor="test")

    rows = batch_features(container.db, as_of=date(2024, 5, 31), currency="USD").to_dicts()
    (mine,) = [r for r in rows if r["token"] == container.tokeniser.token(customer)]
    groceries = category_map(["5411"])["5411"]
    assert (mine["tenure_days"], mine["recency_days"], mine["txn_count"]) == (365, 0, 3)
    assert (mine["spend_units"], mine["spend_units_30d"], mine["txn_count_30d"]) == (1150_2500, 150_2500, 2)
    assert mine[category_column(groceries, 30)] == pytest.approx(100 / 150.25)
    assert (mine["days_since_last_redemption"], mine["preferred_reward"]) == (
        None,
        None,
    )  # redeemed on June 1

    kinds = {"coffee-voucher-10": "partner_voucher"}
    later = batch_features(container.db, as_of=date(2024, 6, 1), currency="USD", reward_kinds=kinds)
    (mine,) = later.filter(pl.col("token") == container.tokeniser.token(customer)).to_dicts()
    assert (mine["days_since_last_redemption"], mine["redemption_count_365d"]) == (0, 1)
    assert (mine["preferred_reward"], mine["preferred_reward_kind"]) == (
        "coffee-voucher-10",
        "partner_voucher",
    )
    assert (mine["points_available"], mine["points_redeemed_365d"]) == (mine["points_earned"] - 1000, 1000)
    assert (mine["txn_count"], mine["recency_days"]) == (4, 0)


def test_cli_builds_a_parquet_file(database_url: str, tmp_path: Path, container: Container) -> None:
    send(container, purchase(ref("cust"), "12.50", when="2024-05-30T10:00:00Z"))
    out = tmp_path / "features.parquet"
    env = {"POINTFLOW_DATABASE_URL": database_url, "POINTFLOW_ENVIRONMENT": "test"}
    result = CliRunner().invoke(
        app, ["features", "build", "--as-of", "2024-05-31", "--out", str(out)], env=env
    )
    assert result.exit_code == 0, result.output
    frame = pl.read_parquet(out)
    assert frame.height == 1
    assert frame["spend_units"].to_list() == [12_5000]


def test_rebuilding_the_online_state_from_the_accruals_restores_parity(
    database_url: str, container: Container
) -> None:
    ingest_in_batches(container, random_history(3, [ref("cust") for _ in range(3)], 30), 10)
    kept = stored_buckets(container.db)
    with container.db.write() as conn:
        conn.exec_driver_sql("DELETE FROM member_activity_days")  # as after the migration on an old ledger
    assert stored_buckets(container.db) == {}

    env = {"POINTFLOW_DATABASE_URL": database_url, "POINTFLOW_ENVIRONMENT": "test"}
    result = CliRunner().invoke(app, ["features", "rebuild-online"], env=env)
    assert result.exit_code == 0, result.output
    assert stored_buckets(container.db) == kept
    assert rebuild_online_state(container.db) == len(kept)  # running it again changes nothing
    assert stored_buckets(container.db) == kept
