"""`pointflow report models`: one self-contained HTML page on the registered models and the liability."""

from __future__ import annotations

import base64
import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pointflow.adapters.model_store import ModelStore
from pointflow.entrypoints.cli import app
from pointflow.intelligence.registry import ModelVersion
from tests.unit.propensity_support import TRAIN_SMALL

runner = CliRunner()
IMAGE = re.compile(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"')
HOSTILE = "<script>alert('card')</script>"


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny trained champion, and the same version registered again as a challenger with a hostile card."""
    root = tmp_path_factory.mktemp("models")
    args = [*TRAIN_SMALL, "--registry", str(root)]
    result = runner.invoke(app, [*args, "--test-snapshots", "1", "--validation-snapshots", "1"])
    assert result.exit_code == 0, result.output
    store = ModelStore(root)
    metadata, files = store.load("propensity", "v0001")
    store.register(metadata, files, purpose=f"Try {HOSTILE} & more", limits=("<b>bold</b> limit",))
    return root


def _metadata(root: Path, version: str) -> ModelVersion:
    return ModelVersion.from_json((root / "propensity" / version / "metadata.json").read_text())


def _build(root: Path, out: Path, *extra: str) -> str:
    result = runner.invoke(app, ["report", "models", "--registry", str(root), "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def test_the_report_names_each_version_its_role_and_its_metrics(registry: Path, tmp_path: Path) -> None:
    page = _build(registry, tmp_path / "report.html")
    assert "propensity" in page
    assert 'v0001</span> <span class="role champion">champion' in page
    assert 'v0002</span> <span class="role">challenger' in page
    test = _metadata(registry, "v0001").metrics["test"]
    for candidate in ("lightgbm_calibrated", "recency_rule"):
        for key in ("auc", "brier", "ece"):
            assert f"<td>{test[candidate][key]}</td>" in page
    assert f"<td>{test['lightgbm_calibrated']['lift_by_decile'][0]}</td>" in page
    assert "No database configured" in page


def test_one_embedded_png_per_chart_and_nothing_external(registry: Path, tmp_path: Path) -> None:
    page = _build(registry, tmp_path / "report.html")
    images = IMAGE.findall(page)
    assert len(images) == 4  # calibration and lift for each of the two versions; no liability without a db
    assert all(base64.b64decode(data).startswith(b"\x89PNG\r\n\x1a\n") for data in images)
    assert "<script" not in page
    assert not re.search(r'(src|href)="(?!data:)', page)


def test_hostile_card_text_is_escaped(registry: Path, tmp_path: Path) -> None:
    page = _build(registry, tmp_path / "report.html")
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(&#x27;card&#x27;)&lt;/script&gt; &amp; more" in page
    assert "&lt;b&gt;bold&lt;/b&gt; limit" in page


def test_training_records_the_calibration_bins(registry: Path) -> None:
    calibrated = _metadata(registry, "v0001").metrics["test"]["lightgbm_calibrated"]
    bins = calibrated["reliability"]
    assert bins
    assert sum(b["rows"] for b in bins) == calibrated["rows"]
    assert all(b["low"] <= b["predicted"] <= b["high"] and 0 <= b["observed"] <= 1 for b in bins)


def test_an_older_version_without_bins_still_reports(registry: Path, tmp_path: Path) -> None:
    root = tmp_path / "old"
    metadata, files = ModelStore(registry).load("propensity", "v0001")
    test = {
        k: {m: v for m, v in c.items() if m != "reliability"} for k, c in metadata.metrics["test"].items()
    }
    ModelStore(root).register(
        replace(metadata, metrics={**metadata.metrics, "test": test}), files, purpose="old"
    )
    page = _build(root, tmp_path / "report.html")
    assert "No calibration bins in this version" in page
    assert len(IMAGE.findall(page)) == 1  # the lift chart only


def test_an_empty_ledger_skips_the_liability_with_a_note(registry: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    page = _build(registry, tmp_path / "report.html", "--database-url", url, "--as-of", "2026-01-31")
    assert "No outstanding points lots on 2026-01-31" in page


def test_an_empty_registry_says_so(tmp_path: Path) -> None:
    page = _build(tmp_path / "nothing", tmp_path / "report.html")
    assert "No model is registered" in page
    assert json.dumps(IMAGE.findall(page)) == "[]"
