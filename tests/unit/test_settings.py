"""Settings fail closed outside development."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from pointflow.config import Settings
from pointflow.entrypoints.cli_models import registry_dir


def test_development_runs_with_defaults() -> None:
    assert Settings(environment="development").database_url.startswith("sqlite")


@pytest.mark.parametrize("secret", ["short", "change-me-please-change-me-please-change-me", "x" * 31])
def test_production_refuses_placeholder_or_short_secrets(secret: str) -> None:
    with pytest.raises(ValidationError, match="PSEUDONYM_SECRET"):
        Settings(environment="production", pseudonym_secret=secret, database_url="postgresql://db/pf")


def test_production_refuses_the_default_database() -> None:
    with pytest.raises(ValidationError, match="DATABASE_URL"):
        Settings(environment="production", pseudonym_secret="q" * 12 + "Zr8vT2mK9pL4wX7nB3cF")


def test_production_starts_with_real_values() -> None:
    settings = Settings(
        environment="production",
        pseudonym_secret="q" * 12 + "Zr8vT2mK9pL4wX7nB3cF",
        database_url="postgresql://db/pf",
    )
    assert settings.environment == "production"


def test_the_model_registry_comes_from_the_option_else_the_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("POINTFLOW_MODEL_REGISTRY_DIR", raising=False)
    assert registry_dir(None) == Path("var/models")
    monkeypatch.setenv("POINTFLOW_MODEL_REGISTRY_DIR", str(tmp_path / "models"))
    assert registry_dir(None) == tmp_path / "models"
    assert registry_dir(tmp_path / "other") == tmp_path / "other"
