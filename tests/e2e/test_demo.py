"""`pointflow demo` (what `make demo` runs) sets everything up on SQLite and serves."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from pointflow.entrypoints.cli import app


def test_the_demo_ingests_serves_and_prints_what_to_try(tmp_path: Path) -> None:
    database = tmp_path / "demo.db"
    result = CliRunner().invoke(
        app,
        [
            "demo",
            "--customers",
            "40",
            "--months",
            "2",
            "--seconds",
            "0.5",
            "--port",
            "0",
            "--database",
            str(database),
        ],
        env={"COLUMNS": "300"},
    )
    assert result.exit_code == 0, result.output
    assert "cust_888 has 300 points available" in result.output
    assert re.search(r"pf_admin_\S+", result.output)
    assert "/transactions/txn_789012/explanation" in result.output
    assert database.exists()
    assert re.search(r"The console: http://127\.0\.0\.1:\d+/console/", result.output)
    for role in ("viewer", "marketing_ops", "product_manager", "risk", "admin"):
        assert re.search(rf"^\s+\S+\s+\S{{20,}}\s+\({role}\)$", result.output, re.M), role
    waiting = re.search(r"(\d+) Premier welcome offers wait for approval", result.output)
    assert waiting is not None
    assert int(waiting.group(1)) >= 1
