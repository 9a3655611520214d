"""The feature code stays pure: `intelligence/` imports domain and governance only, never adapters or I/O."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.test_architecture import PACKAGE, imports_of, module_name, offending

FEATURE_FILES = sorted((PACKAGE / "intelligence").rglob("*.py"))
OUTSIDE_INTELLIGENCE = (
    "pointflow.adapters",
    "pointflow.entrypoints",
    "pointflow.service_layer",
    "pointflow.sim",
)
IO_LIBRARIES = frozenset({"sqlalchemy", "fastapi", "starlette", "faststream", "httpx", "iso18245"})


def test_the_feature_package_is_there() -> None:
    assert {"activity.py", "ledger.py", "definitions.py"} <= {p.name for p in FEATURE_FILES}


@pytest.mark.parametrize("path", FEATURE_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_intelligence_imports_no_adapter_service_or_io_library(path: Path) -> None:
    bad = offending(imports_of(path), frameworks=IO_LIBRARIES, layers=OUTSIDE_INTELLIGENCE)
    assert bad == [], f"{module_name(path)} imports {bad}"
