"""Batch-only member features (balances, points expiring, redemption habits) on hand-made frames."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from pointflow.intelligence.features import member_features

AS_OF = date(2024, 6, 30)
MEMBERS = pl.DataFrame(
    [("tok_a", "gold", 1000, 50, 0), ("tok_c", "silver", 0, 0, 25), ("tok_d", "base", 5, 0, 0)],
    schema={
        "token": pl.String,
        "tier": pl.String,
        "available": pl.Int64,
        "pending": pl.Int64,
        "debt": pl.Int64,
    },
    orient="row",
)
LOTS = pl.DataFrame(
    [
        ("tok_a", 100, date(2024, 7, 15), "available"),  # within 30 days
        ("tok_a", 50, date(2024, 9, 1), "pending"),  # within 90 days (63)
        ("tok_a", 70, date(2024, 6, 30), "available"),  # expires on the as-of date: already gone
        ("tok_a", 20, date(2024, 7, 10), "closed"),
        ("tok_a", 0, date(2024, 7, 10), "available"),
        ("tok_a", 40, None, "available"),  # never expires
        ("tok_c", 30, date(2024, 12, 1), "available"),  # beyond 90 days
    ],
    schema={"token": pl.String, "remaining": pl.Int64, "expires_on": pl.Date, "state": pl.String},
    orient="row",
)
REDEMPTIONS = pl.DataFrame(
    [
        ("tok_a", "r1", 500, date(2024, 6, 20)),
        ("tok_a", "r2", 300, date(2024, 6, 25)),
        ("tok_a", "r2", 300, date(2023, 1, 1)),  # older than a year: counts only for the preference
        ("tok_a", "r1", 100, date(2024, 7, 5)),  # after the as-of date
        ("tok_c", "zeta", 10, date(2024, 6, 1)),
        ("tok_c", "alpha", 10, date(2024, 5, 1)),
    ],
    schema={"token": pl.String, "reward_id": pl.String, "points": pl.Int64, "created_on": pl.Date},
    orient="row",
)


@pytest.fixture(scope="module")
def features() -> dict[str, dict[str, object]]:
    activity = pl.DataFrame({"token": ["tok_a", "tok_c", "tok_d"]})
    kinds = {"r1": "cashback", "r2": "travel", "zeta": "travel"}  # alpha has left the catalogue
    frame = member_features(
        activity, members=MEMBERS, lots=LOTS, redemptions=REDEMPTIONS, as_of=AS_OF, reward_kinds=kinds
    )
    return {row["token"]: row for row in frame.iter_rows(named=True)}


def test_balances_and_tier_come_from_the_member(features: dict[str, dict[str, object]]) -> None:
    a = features["tok_a"]
    assert (a["tier"], a["points_available"], a["points_pending"], a["points_debt"]) == ("gold", 1000, 50, 0)
    assert features["tok_c"]["points_debt"] == 25


def test_points_expiring_count_open_lots_expiring_after_the_as_of_date(
    features: dict[str, dict[str, object]],
) -> None:
    assert (features["tok_a"]["points_expiring_30d"], features["tok_a"]["points_expiring_90d"]) == (100, 150)
    assert (features["tok_c"]["points_expiring_30d"], features["tok_c"]["points_expiring_90d"]) == (0, 0)


def test_redemption_habits(features: dict[str, dict[str, object]]) -> None:
    a = features["tok_a"]
    assert a["days_since_last_redemption"] == 5
    assert (a["redemption_count_365d"], a["points_redeemed_365d"]) == (2, 800)
    assert (a["preferred_reward"], a["preferred_reward_kind"]) == ("r2", "travel")


def test_a_tie_prefers_the_smallest_reward_id(features: dict[str, dict[str, object]]) -> None:
    assert features["tok_c"]["preferred_reward"] == "alpha"
    assert features["tok_c"]["preferred_reward_kind"] == "travel"  # the only kind still known
    assert features["tok_c"]["days_since_last_redemption"] == 29


def test_a_member_who_never_redeemed_has_zeros_and_no_preference(
    features: dict[str, dict[str, object]],
) -> None:
    d = features["tok_d"]
    assert (d["redemption_count_365d"], d["points_redeemed_365d"], d["points_expiring_90d"]) == (0, 0, 0)
    assert d["days_since_last_redemption"] is None
    assert (d["preferred_reward"], d["preferred_reward_kind"]) == (None, None)
