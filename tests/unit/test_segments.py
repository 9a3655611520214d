"""Behaviour segments on the simulator: personas recovered, ids stable across refreshes, descriptions."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from sklearn.metrics import adjusted_rand_score
from typer.testing import CliRunner

from pointflow.entrypoints.cli import app
from pointflow.intelligence.segments import FEATURES, Segmentation, behaviour_features, profiles, refresh
from pointflow.sim.truth import Simulation, simulate

MEMBERS, MONTHS = 600, 10


@pytest.fixture(scope="module")
def sim() -> Simulation:
    return simulate(MEMBERS, MONTHS, seed=4)


@pytest.fixture(scope="module")
def early(sim: Simulation) -> Segmentation:
    return refresh(_features(sim, 0, 7), seed=0)


@pytest.fixture(scope="module")
def late(sim: Simulation, early: Segmentation) -> Segmentation:
    return refresh(_features(sim, 2, 9), seed=11, previous=early.members)


def _features(sim: Simulation, first: int, last: int) -> pl.DataFrame:
    return behaviour_features(
        sim.transactions, sim.redemptions, sim.members, first_month=first, last_month=last
    )


def _with_persona(sim: Simulation, segmentation: Segmentation) -> pl.DataFrame:
    truth = sim.truth.select(pl.col("customer_id").cast(pl.String), pl.col("persona").cast(pl.String))
    return segmentation.members.join(truth, on="customer_id")


def _segment_of(sim: Simulation, segmentation: Segmentation, persona: str) -> int:
    """The segment holding most of a persona's members."""
    joined = _with_persona(sim, segmentation).filter(pl.col("persona") == persona)
    return int(joined["segment"].mode().sort()[0])


def test_segments_recover_the_personas(sim: Simulation, early: Segmentation) -> None:
    joined = _with_persona(sim, early)
    assert joined.height > 0.8 * MEMBERS  # only the lapsed are left out
    assert adjusted_rand_score(joined["persona"], joined["segment"]) > 0.85


def test_ids_stay_stable_between_refreshes_on_overlapping_months(
    early: Segmentation, late: Segmentation
) -> None:
    both = early.members.join(late.members, on="customer_id", suffix="_late")
    assert (both["segment"] == both["segment_late"]).mean() > 0.95
    assert set(late.centroids) == set(early.centroids)


def test_matching_follows_the_previous_ids_whatever_they_are(sim: Simulation, early: Segmentation) -> None:
    relabelled = early.members.with_columns((pl.col("segment") * 7 + 3).alias("segment"))
    again = refresh(_features(sim, 0, 7), seed=5, previous=relabelled)
    both = relabelled.join(again.members, on="customer_id", suffix="_again")
    assert (both["segment"] == both["segment_again"]).mean() > 0.98


def test_a_new_cluster_gets_an_id_after_the_previous_ones(sim: Simulation) -> None:
    fewer = refresh(_features(sim, 0, 7), segments=4, seed=0)
    previous = fewer.members.with_columns(pl.col("segment") * 10 + 10)
    more = refresh(_features(sim, 0, 7), segments=5, seed=0, previous=previous)
    assert set(more.centroids) == {10, 20, 30, 40, 41}


def test_first_run_numbers_segments_from_the_largest(early: Segmentation) -> None:
    sizes = early.members.group_by("segment").len().sort("segment")["len"].to_list()
    assert sizes == sorted(sizes, reverse=True)


def test_descriptions_mention_the_dominant_features(sim: Simulation, early: Segmentation) -> None:
    table = profiles(early)
    described = dict(zip(table["segment"], table["description"], strict=True))
    assert "travel" in described[_segment_of(sim, early, "frequent_traveller")]
    assert "falling" in described[_segment_of(sim, early, "drifting_away")]
    affluent = described[_segment_of(sim, early, "affluent_saver")]
    assert "income" in affluent or "tickets" in affluent
    assert "groceries" in described[_segment_of(sim, early, "family_grocery")]
    for row in table.iter_rows(named=True):
        assert row["dominant"], row
        assert row["description"].count("×") + row["description"].count("%") >= len(row["dominant"])


def test_features_are_read_from_hand_made_tables() -> None:
    rows = [
        ("a", 0, "3001", 30_000, "purchase", "FR"),
        ("a", 0, "5411", 10_000, "purchase", "US"),
        *[("a", m, "5812", 2_000, "purchase", "US") for m in (0, 1, 2) for _ in range(4)],
    ]
    transactions = pl.DataFrame(
        rows,
        schema=["customer_id", "month", "mcc", "amount_cents", "transaction_type", "merchant_country"],
        orient="row",
    ).with_columns(pl.lit("debit").alias("direction"))
    members = pl.DataFrame({"customer_id": ["a"], "home_country": ["US"]})
    redemptions = pl.DataFrame({"customer_id": ["a"], "month": [1]})
    row = behaviour_features(transactions, redemptions, members, first_month=0, last_month=2).row(
        0, named=True
    )
    spend = 300 + 100 + 12 * 20
    assert row["purchases_per_month"] == pytest.approx(14 / 3)
    assert row["avg_ticket"] == pytest.approx(spend / 14)
    assert row["share_travel"] == pytest.approx(300 / spend)
    assert row["share_dining"] == pytest.approx(240 / spend)
    assert row["abroad_share"] == pytest.approx(300 / spend)
    assert row["redemptions_per_year"] == pytest.approx(4.0)
    assert row["activity_trend"] == pytest.approx(4 / 6)
    assert row["monthly_income"] == 0


def test_cli_refresh_keeps_ids_from_the_previous_file(tmp_path: Path) -> None:
    first, second = tmp_path / "first.parquet", tmp_path / "second.parquet"
    base = ["segments", "refresh", "--members", "300", "--seed", "3"]
    result = CliRunner().invoke(app, [*base, "--months", "6", "--out", str(first)])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(
        app, [*base, "--months", "8", "--window", "6", "--out", str(second), "--previous", str(first)]
    )
    assert result.exit_code == 0, result.output
    before, after = pl.read_parquet(first), pl.read_parquet(second)
    assert {"segment", "segment_name", "segment_description", *FEATURES} <= set(after.columns)
    both = before.join(after, on="customer_id")
    assert (both["segment"] == both["segment_right"]).mean() > 0.9
