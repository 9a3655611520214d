"""The propensity training set: snapshots read only the past; labels are the next month's redemptions."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from pointflow.entrypoints.propensity_jobs import _simulated_history, in_member_order, simulated_histories
from pointflow.intelligence.propensity import History, feature_columns, snapshot_features, training_set
from pointflow.intelligence.propensity.dataset import ACTIVE_WITHIN_DAYS, labels, month_end
from tests.unit.propensity_support import small_history


@pytest.fixture(scope="module")
def history() -> History:
    return small_history()


@pytest.mark.parametrize(
    ("start", "month", "expected"),
    [
        (date(2024, 1, 1), 0, date(2024, 1, 31)),
        (date(2024, 1, 1), 1, date(2024, 2, 29)),
        (date(2024, 1, 1), 11, date(2024, 12, 31)),
        (date(2024, 11, 1), 2, date(2025, 1, 31)),
    ],
)
def test_month_end_is_the_last_day_of_the_month(start: date, month: int, expected: date) -> None:
    assert month_end(start, month) == expected


def _truncated(history: History, month: int) -> History:
    as_of = month_end(history.start, month)
    return History(
        buckets=history.buckets.filter(pl.col("day") <= as_of),
        balances=history.balances.filter(pl.col("month") <= month),
        redemptions=history.redemptions.filter(pl.col("month") <= month),
        start=history.start,
        currency=history.currency,
        category_of=history.category_of,
        categories=history.categories,
    )


@pytest.mark.parametrize("month", [2, 4])
def test_a_snapshot_is_the_same_when_everything_after_it_is_deleted(history: History, month: int) -> None:
    full = snapshot_features(history, month)
    assert full.height > 0
    assert full.equals(snapshot_features(_truncated(history, month), month))


def test_a_snapshot_changes_when_its_own_month_changes(history: History) -> None:
    assert not snapshot_features(history, 3).equals(snapshot_features(_truncated(history, 2), 3))


def test_only_recently_active_members_are_scored(history: History) -> None:
    frame = snapshot_features(history, 4)
    assert frame.height > 0
    assert frame.filter(pl.col("recency_days") >= ACTIVE_WITHIN_DAYS).is_empty()


def test_labels_are_the_next_months_redemptions(history: History) -> None:
    data = training_set(history, [3])
    redeemed = history.redemptions.filter(pl.col("month") == 4)
    positives = data.filter(pl.col("redeems") == 1)
    assert set(positives["customer_id"]) <= set(redeemed["customer_id"])
    scored_redeemers = set(redeemed["customer_id"]) & set(data["customer_id"])
    assert set(positives["customer_id"]) == scored_redeemers
    assert (
        data.filter(pl.col("redeems") == 0)["reward_label"].null_count()
        == data.filter(pl.col("redeems") == 0).height
    )
    first = labels(history.redemptions, 3).row(0, named=True)
    theirs = redeemed.filter(pl.col("customer_id") == first["customer_id"]).sort("redeemed_at")
    assert first["reward_label"] == theirs["reward_type"][0]


def test_features_exclude_the_key_the_snapshot_and_the_labels(history: History) -> None:
    data = training_set(history, [2, 3])
    columns = feature_columns(data)
    assert {"customer_id", "snapshot", "redeems", "reward_label"}.isdisjoint(columns)
    assert {"points_balance", "points_projected", "txn_count_30d", "reward_share_travel"} <= set(columns)
    assert sorted(data["snapshot"].unique()) == [2, 3]


def test_snapshots_built_in_member_chunks_equal_the_whole_built_at_once() -> None:
    months = range(2, 6)
    at_once = training_set(_simulated_history(240, 7, 5), months)
    whole = in_member_order([training_set(h, months) for h in simulated_histories(240, 7, 5, chunk=240)])
    pieces = in_member_order([training_set(h, months) for h in simulated_histories(240, 7, 5, chunk=70)])
    assert whole.equals(at_once)
    assert pieces.equals(at_once)
