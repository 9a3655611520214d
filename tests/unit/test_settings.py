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


REAL = "q" * 12 + "Zr8vT2mK9pL4wX7nB3cF"
REAL_SESSION = "w" * 12 + "Hs4nQ8vL1pK6zT3mY9dR"


@pytest.fixture
def no_secrets_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # tests/conftest.py gives every test run random secrets; these tests need them missing.
    monkeypatch.delenv("POINTFLOW_PSEUDONYM_SECRET", raising=False)
    monkeypatch.delenv("POINTFLOW_SESSION_SECRET", raising=False)


@pytest.mark.usefixtures("no_secrets_in_env")
@pytest.mark.parametrize("environment", ["test", "production"])
def test_test_and_production_refuse_a_missing_session_secret(environment: str) -> None:
    with pytest.raises(ValidationError, match="POINTFLOW_SESSION_SECRET"):
        Settings(environment=environment, pseudonym_secret=REAL, database_url="postgresql://db/pf")  # type: ignore[arg-type]


@pytest.mark.usefixtures("no_secrets_in_env")
@pytest.mark.parametrize("environment", ["test", "production"])
@pytest.mark.parametrize("secret", ["short", "my-session-secret-is-long-enough-for-all", "changeme" * 5])
def test_test_and_production_refuse_a_placeholder_session_secret(environment: str, secret: str) -> None:
    with pytest.raises(ValidationError, match="POINTFLOW_SESSION_SECRET"):
        Settings(
            environment=environment,  # type: ignore[arg-type]
            pseudonym_secret=REAL,
            session_secret=secret,
            database_url="postgresql://db/pf",
        )


@pytest.mark.usefixtures("no_secrets_in_env")
def test_the_test_environment_refuses_a_missing_pseudonym_secret() -> None:
    with pytest.raises(ValidationError, match="POINTFLOW_PSEUDONYM_SECRET"):
        Settings(environment="test", session_secret=REAL_SESSION)


@pytest.mark.usefixtures("no_secrets_in_env")
def test_the_test_environment_starts_with_real_secrets_and_development_with_none() -> None:
    assert (
        Settings(environment="test", pseudonym_secret=REAL, session_secret=REAL_SESSION).environment == "test"
    )
    assert Settings(environment="development").session_secret.get_secret_value()


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"oidc_issuer": "https://idp.bank"}, "POINTFLOW_OIDC_AUDIENCE"),
        ({"oidc_issuer": "https://idp.bank", "oidc_audience": "pointflow"}, "POINTFLOW_OIDC_JWKS_URL"),
        (
            {
                "oidc_issuer": "https://idp.bank",
                "oidc_audience": "pointflow",
                "oidc_jwks_url": "https://idp.bank/jwks",
                "oidc_jwks_file": "jwks.json",
            },
            "one of",
        ),
        (
            {"oidc_issuer": "i", "oidc_audience": "a", "oidc_jwks_file": "j", "oidc_algorithms": ["HS256"]},
            "oidc",
        ),
    ],
)
def test_single_sign_on_settings_must_be_complete(values: dict[str, object], named: str) -> None:
    with pytest.raises(ValidationError, match=named):
        Settings(environment="development", **values)  # type: ignore[arg-type]
