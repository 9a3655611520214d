"""`pointflow train propensity` registers a version and prints metrics; `score propensity` scores with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from pointflow.entrypoints.cli import app
from tests.unit.propensity_support import TRAIN_SMALL

runner = CliRunner()


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, Any]]:
    root = tmp_path_factory.mktemp("models")
    features = root / "features.parquet"
    args = [*TRAIN_SMALL, "--registry", str(root)]
    result = runner.invoke(
        app,
        [*args, "--test-snapshots", "1", "--validation-snapshots", "1", "--write-features", str(features)],
    )
    assert result.exit_code == 0, result.output
    return root, features, json.loads(result.output)


def test_training_registers_a_champion_and_prints_its_metrics(
    trained: tuple[Path, Path, dict[str, Any]],
) -> None:
    root, _, printed = trained
    assert printed["version"] == "v0001"
    assert "lightgbm_calibrated" in printed["test"]
    folder = root / "propensity" / "v0001"
    assert {"model.txt", "metadata.json", "MODEL_CARD.md"} <= {p.name for p in folder.iterdir()}
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["training_window"]["members"] == 400
    assert set(metadata["reference"]) == set(metadata["features"])
    assert json.loads((root / "propensity" / "pointers.json").read_text()) == {"champion": "v0001"}


def test_scoring_with_the_champion(trained: tuple[Path, Path, dict[str, Any]], tmp_path: Path) -> None:
    root, features, _ = trained
    result = runner.invoke(app, ["score", "propensity", "--registry", str(root), "--features", str(features)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows
    assert all(row["source"] == "model:v0001" and 0 <= row["p_redeem_30d"] <= 1 for row in rows)


def test_scoring_without_a_model_falls_back_to_the_rule(
    trained: tuple[Path, Path, dict[str, Any]], tmp_path: Path
) -> None:
    _, features, _ = trained
    result = runner.invoke(
        app, ["score", "propensity", "--registry", str(tmp_path), "--features", str(features)]
    )
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows
    assert {row["source"] for row in rows} == {"fallback-rule"}


def test_scoring_a_file_without_the_models_features_is_refused(
    trained: tuple[Path, Path, dict[str, Any]], tmp_path: Path
) -> None:
    root, features, _ = trained
    thin = tmp_path / "thin.parquet"
    pl.read_parquet(features).select("customer_id", "points_balance").write_parquet(thin)
    result = runner.invoke(app, ["score", "propensity", "--registry", str(root), "--features", str(thin)])
    assert result.exit_code == 2
    assert "model features missing" in result.output
