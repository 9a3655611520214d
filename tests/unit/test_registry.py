"""The registry's pure records: reference distributions, version labels, metadata JSON and the model card."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from pointflow.intelligence.registry import ModelCard, ModelVersion, next_version, reference_distribution


def test_reference_bins_hold_a_tenth_of_the_rows_each_and_count_missing_values() -> None:
    values = np.concatenate([np.arange(1000, dtype=np.float64), np.full(250, np.nan)])
    ref = reference_distribution(values)
    assert len(ref.edges) == 11
    assert (ref.edges[0], ref.edges[-1]) == (0, 999)
    assert ref.shares[0] == pytest.approx(0.001)  # the minimum alone
    assert ref.shares[1:] == pytest.approx([0.1] * 10, abs=0.002)
    assert ref.missing == pytest.approx(0.2)


def test_reference_bins_merge_ties_and_survive_an_all_missing_feature() -> None:
    ref = reference_distribution(np.array([0.0] * 90 + [5.0] * 10))
    assert ref.edges == (0.0, 5.0)
    assert ref.shares == pytest.approx([0.9, 0.1])  # the point mass at 0 is kept
    empty = reference_distribution(np.full(3, np.nan))
    assert (empty.edges, empty.missing) == ((), 1.0)


@pytest.mark.parametrize(
    ("existing", "expected"),
    [([], "v0001"), (["v0001", "v0002"], "v0003"), (["v0009", "notes", "v0010"], "v0011")],
)
def test_next_version_follows_the_highest(existing: list[str], expected: str) -> None:
    assert next_version(existing) == expected


def _version() -> ModelVersion:
    return ModelVersion(
        name="propensity",
        version="v0001",
        created_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        kind="lightgbm",
        training_window={"months": 18, "members": 100},
        features=("a", "b"),
        metrics={"test": {"auc": 0.77}},
        reference={"a": reference_distribution(np.arange(20, dtype=np.float64))},
        extra={"calibration": {"knots_x": [0.0, 1.0], "knots_y": [0.0, 1.0]}},
    )


def test_a_version_survives_json() -> None:
    version = _version()
    again = ModelVersion.from_json(version.to_json())
    assert again == version
    assert again.created_at.tzinfo is not None


def test_the_card_names_the_version_features_metrics_and_limits() -> None:
    text = ModelCard(_version(), "Predicts redemptions.", ("Simulated data only.",)).markdown()
    assert text.startswith("# propensity v0001\n")
    assert "Predicts redemptions." in text
    assert "`a`, `b`" in text
    assert '"auc": 0.77' in text
    assert "- Simulated data only." in text
