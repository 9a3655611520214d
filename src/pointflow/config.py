"""Typed settings from `POINTFLOW_*` environment variables; outside development they fail closed."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "pointflow-development-only-secret-do-not-use"
DEVELOPMENT_SESSION_SECRET = "pointflow-development-only-session-secret"
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
    # The segments job's output (`pointflow segments refresh --out`): back-tests report by these segments.
    # The bank's own declarative mappings (YAML, docs/connectors/mapping.md): one connector per file.
    mappings_dir: Path | None = None
    # Offer notifications (docs/messages.md): a channel without its settings is off, and its messages are
    # refused (dead letters to retry once it is configured). E-mail through SMTP:
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "loyalty@pointflow.invalid"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    # Push through an MQTT broker: one topic per member, <prefix>/<customer id>, QoS 1.
    mqtt_url: str | None = None
    mqtt_topic_prefix: str = "pointflow/members"
    mqtt_username: str | None = None
    mqtt_password: SecretStr | None = None
    # A signed webhook to the bank's own notification service.
    notify_webhook_url: str | None = None
    notify_webhook_secret: SecretStr | None = None
    notify_timeout_seconds: float = 10.0
    # Optional rewrite of offer messages by a language model behind an OpenAI-compatible endpoint; off, and
    # offline, unless asked for. A rewrite is used only if the message guard accepts it.
    llm_rewrite: bool = False
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout_seconds: float = 10.0
    # Drift (docs/governance.md): PSI at or past the first threshold raises an alert, at or past the second
    # switches the champion's scoring to the rule until a later check is back under it.
    drift_alert_psi: float = 0.1
    drift_fallback_psi: float = 0.25
    drift_window_days: int = 30  # the population: members with a transaction in these days up to as-of
    drift_min_rows: int = 100  # fewer members than this: no verdict, the fallback state stays as it is
    drift_flag_ttl_seconds: float = 5.0  # how long scoring trusts its last read of the fallback switch
    # Fairness: a group's rate over the reference group's outside [low, high] raises an alert.
    fairness_band_low: float = 0.8
    fairness_band_high: float = 1.25
    fairness_window_days: int = 90
    fairness_min_group: int = 20  # groups with a smaller denominator are shown but not judged
    # The console (docs/console.md): the key that signs log-in forms and keys session ids, how long a
    # session lasts (in all, and idle), and the lock-out after consecutive failed log-ins.
    session_secret: SecretStr = SecretStr(DEVELOPMENT_SESSION_SECRET)
    session_hours: float = 8.0
    session_idle_minutes: float = 30.0
    lockout_attempts: int = 5
    lockout_minutes: float = 15.0
    # Optional single sign-on: bearer JWTs from the bank's identity provider, checked against its keys.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_jwks_file: Path | None = None
    oidc_algorithms: list[Literal["RS256", "ES256"]] = ["RS256", "ES256"]
    oidc_username_claim: str = "preferred_username"
    oidc_roles_claim: str = "groups"
    oidc_role_map: dict[str, list[str]] = {}  # the provider's group → console roles
    oidc_leeway_seconds: int = 30

    @model_validator(mode="after")
    def _channels_complete(self) -> Settings:
        if self.llm_rewrite and not (self.llm_base_url and self.llm_model):
            raise ValueError("POINTFLOW_LLM_REWRITE needs POINTFLOW_LLM_BASE_URL and POINTFLOW_LLM_MODEL")
        if self.notify_webhook_url and not self.notify_webhook_secret:
            raise ValueError(
                "POINTFLOW_NOTIFY_WEBHOOK_URL needs POINTFLOW_NOTIFY_WEBHOOK_SECRET to sign with"
            )
        return self

    @model_validator(mode="after")
    def _governance_bands(self) -> Settings:
        if not 0 < self.drift_alert_psi <= self.drift_fallback_psi:
            raise ValueError("POINTFLOW_DRIFT_ALERT_PSI must be > 0 and ≤ POINTFLOW_DRIFT_FALLBACK_PSI")
        if not 0 < self.fairness_band_low <= 1 <= self.fairness_band_high:
            raise ValueError("the fairness band must hold 1: 0 < POINTFLOW_FAIRNESS_BAND_LOW ≤ 1 ≤ …_HIGH")
        return self

    @model_validator(mode="after")
    def _oidc_complete(self) -> Settings:
        if not (self.oidc_issuer or self.oidc_audience or self.oidc_jwks_url or self.oidc_jwks_file):
            return self
        if not (self.oidc_issuer and self.oidc_audience):
            raise ValueError("OIDC needs both POINTFLOW_OIDC_ISSUER and POINTFLOW_OIDC_AUDIENCE")
        if (self.oidc_jwks_url is None) == (self.oidc_jwks_file is None):
            raise ValueError("OIDC needs one of POINTFLOW_OIDC_JWKS_URL or POINTFLOW_OIDC_JWKS_FILE")
        if not self.oidc_algorithms:
            raise ValueError("POINTFLOW_OIDC_ALGORITHMS must name RS256, ES256 or both")
        return self

    @property
    def oidc_enabled(self) -> bool:
        return self.oidc_issuer is not None

    @model_validator(mode="after")
    def _fail_closed(self) -> Settings:
        if self.environment == "development":
            return self
        # Test and production environments hold real members' tokens and real people's sessions.
        _require_secret("POINTFLOW_PSEUDONYM_SECRET", self.pseudonym_secret, self.environment)
        _require_secret("POINTFLOW_SESSION_SECRET", self.session_secret, self.environment)
        if self.environment != "production":
            return self
        if (
            "POINTFLOW_DATABASE_URL" not in self.model_fields_set
            and "database_url" not in self.model_fields_set
        ):
            raise ValueError("POINTFLOW_DATABASE_URL must be set explicitly in production")
        return self


def _require_secret(name: str, value: SecretStr, environment: str) -> None:
    secret = value.get_secret_value()
    if len(secret) < 32 or any(word in secret.lower() for word in _PLACEHOLDERS):
        raise ValueError(
            f"{name} must be set to a random value of at least 32 characters "
            f"in {environment} (placeholders are refused)"
        )
