"""Typed settings from `POINTFLOW_*` environment variables; outside development they fail closed."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "pointflow-development-only-secret-do-not-use"
_PLACEHOLDERS = ("change-me", "changeme", "placeholder", "secret", "development", "example")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="POINTFLOW_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///var/pointflow.db"
    pseudonym_secret: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    programme_file: Path | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = True
    max_body_bytes: int = 1_048_576
    # The core platform that write-backs go to (a connector name such as "mambu") and its API.
    core_platform: str | None = None
    core_url: str | None = None
    core_token: SecretStr | None = None
    outbox_max_attempts: int = 8
    outbox_backoff_seconds: float = 2.0
    outbox_lease_seconds: float = 60.0  # how long a message taken by a dispatcher that died stays invisible
    # Shared secrets for signed webhooks, per connector: {"mambu": ["current", "previous"]} so that a secret
    # rotates without refusing the sender's in-flight calls; a connector without one refuses webhooks.
    webhook_secrets: dict[str, list[SecretStr]] = {}
    webhook_tolerance_seconds: int = 300
    # Apache Fineract: its build's Avro schemas (fineract-avro-schemas) to read binary MessageV1, the
    # tenant's currency (hooks carry none) and the bank's payment types by name → canonical type.
    fineract_schema_dir: Path | None = None
    fineract_currency: str | None = None
    fineract_payment_types: dict[str, str] = {}
    # Brokers for `pointflow worker` and `pointflow publish` (a --url option wins); loopback defaults.
    nats_url: str | None = None
    rabbitmq_url: str | None = None
    redis_url: str | None = None
    kafka_bootstrap_servers: str | None = None
    # Where trained models are registered (versions, model cards, champion and challenger).
    model_registry_dir: Path = Path("var/models")
    # The bank's own declarative mappings (YAML, docs/connectors/mapping.md): one connector per file.
    mappings_dir: Path | None = None

    @model_validator(mode="after")
    def _fail_closed(self) -> Settings:
        if self.environment != "production":
            return self
        secret = self.pseudonym_secret.get_secret_value()
        if len(secret) < 32 or any(word in secret.lower() for word in _PLACEHOLDERS):
            raise ValueError(
                "POINTFLOW_PSEUDONYM_SECRET must be set to a random value of at least 32 characters "
                "in production (placeholders are refused)"
            )
        if (
            "POINTFLOW_DATABASE_URL" not in self.model_fields_set
            and "database_url" not in self.model_fields_set
        ):
            raise ValueError("POINTFLOW_DATABASE_URL must be set explicitly in production")
        return self
