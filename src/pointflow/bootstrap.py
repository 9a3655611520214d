"""The composition root: the one place that turns settings into adapters and wires them together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from pointflow.adapters.connectors import CONNECTORS, CORE_APIS
from pointflow.adapters.connectors.fineract import FineractConnector
from pointflow.adapters.connectors.fineract.schemas import load_schemas
from pointflow.adapters.connectors.mapping import with_bank_mappings
from pointflow.adapters.core_http import HttpCore, core_client
from pointflow.adapters.db.apikey_store import ApiKeyStore
from pointflow.adapters.db.engine import Database, connect
from pointflow.adapters.db.ledger_session import SqlLedgerSessions
from pointflow.adapters.db.message_store import SqlMessages
from pointflow.adapters.db.migrate import upgrade
from pointflow.adapters.db.offer_store import SqlOfferStores
from pointflow.adapters.db.outbox_store import SqlOutbox
from pointflow.adapters.db.programme_store import NoProgramme, ProgrammeStore
from pointflow.adapters.db.quarantine_store import SqlQuarantine
from pointflow.adapters.db.user_store import SqlUsers
from pointflow.adapters.drift_flag import DriftFlag
from pointflow.adapters.llm import ChatRewriter, llm_client
from pointflow.adapters.mcc import mcc_range
from pointflow.adapters.notify.contacts import CoreContacts
from pointflow.adapters.notify.email import EmailChannel, SmtpSettings
from pointflow.adapters.notify.push import MqttSettings, PushChannel
from pointflow.adapters.notify.webhook import WebhookChannel
from pointflow.adapters.oidc import FileKeys, OidcVerifier, UrlKeys
from pointflow.adapters.programme_file import sample_programme_path
from pointflow.adapters.scoring import load_scoring
from pointflow.config import Settings
from pointflow.domain.delivery import Backoff
from pointflow.domain.events import TransactionType
from pointflow.governance.access import LockoutPolicy
from pointflow.governance.identity import Tokeniser
from pointflow.governance.passwords import Passwords
from pointflow.intelligence.messages.compose import Rewriter
from pointflow.service_layer.accrual import LedgerDeps
from pointflow.service_layer.console_auth import ConsoleAuth, SessionPolicy, UserStore
from pointflow.service_layer.notify import Channel, Notifier, RoutingReceiver
from pointflow.service_layer.offer_acceptance import ScoreAcceptance
from pointflow.service_layer.offer_commands import OfferDeps
from pointflow.service_layer.offer_decisions import OfferEngine
from pointflow.service_layer.offer_ports import NoOffers, OfferHook
from pointflow.service_layer.ports import Connector, MemberScoring

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Container:
    settings: Settings
    db: Database
    sessions: SqlLedgerSessions
    programmes: ProgrammeStore
    quarantine: SqlQuarantine
    outbox: SqlOutbox
    connectors: dict[str, Connector]
    api_keys: ApiKeyStore
    tokeniser: Tokeniser
    clock: Clock
    messages: SqlMessages
    console: ConsoleAuth
    scoring: MemberScoring | None = None
    offers: OfferHook = field(default_factory=NoOffers)
    oidc: OidcVerifier | None = None  # single sign-on, when configured

    def ledger_deps(self) -> LedgerDeps:
        return LedgerDeps(
            sessions=self.sessions,
            programme=self.programmes.active,
            tokenise=self.tokeniser.token,
            mcc_range=mcc_range,
            clock=self.clock,
            scoring=self.scoring,
            offers=self.offers,
        )

    def offer_deps(self) -> OfferDeps:
        return OfferDeps(
            sessions=self.sessions,
            stores=SqlOfferStores(),
            programme=self.programmes.active,
            tokenise=self.tokeniser.token,
            clock=self.clock,
        )

    def connector(self, name: str) -> Connector | None:
        return self.connectors.get(name)

    def backoff(self) -> Backoff:
        s = self.settings
        return Backoff(base_seconds=s.outbox_backoff_seconds, max_attempts=s.outbox_max_attempts)

    def core(self, client: httpx.Client | None = None) -> HttpCore:
        """The configured core platform's API; raises CoreNotConfigured naming the missing setting."""
        s = self.settings
        if s.core_platform is None or s.core_url is None:
            raise CoreNotConfigured("set POINTFLOW_CORE_PLATFORM and POINTFLOW_CORE_URL")
        api = CORE_APIS.get(s.core_platform)
        if api is None:
            known = ", ".join(sorted(CORE_APIS)) or "none"
            raise CoreNotConfigured(
                f"POINTFLOW_CORE_PLATFORM {s.core_platform!r} has no API (known: {known})"
            )
        token = s.core_token.get_secret_value() if s.core_token else None
        return HttpCore(api, client or core_client(s.core_url, token=token))

    def receivers(self, core: HttpCore) -> Receivers:
        """The dispatcher's receiver: write-backs to the core, offer notices to the configured channels."""
        closers: list[Callable[[], None]] = []
        notifier = Notifier(
            channels=_channels(self.settings, core, self.clock, closers),
            records=self.messages,
            messages_config=lambda: self.programmes.active().programme.messages,
            tokenise=self.tokeniser.token,
            clock=self.clock,
            rewriter=_rewriter(self.settings, closers),
        )
        return Receivers(RoutingReceiver(core=core, notifier=notifier), closers)

    def close(self) -> None:
        self.db.dispose()

    def __enter__(self) -> Container:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


@dataclass
class Receivers:
    """The outbox receiver and the connections it holds (SMTP is per message; MQTT and HTTP are kept)."""

    receiver: RoutingReceiver
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for close in reversed(self.closers):
            close()


def _channels(
    settings: Settings, core: HttpCore, clock: Clock, closers: list[Callable[[], None]]
) -> dict[str, Channel]:
    s = settings
    channels: dict[str, Channel] = {}
    if s.smtp_host:
        password = s.smtp_password.get_secret_value() if s.smtp_password else None
        smtp = SmtpSettings(
            s.smtp_host,
            s.smtp_port,
            s.smtp_from,
            s.smtp_username,
            password,
            s.smtp_starttls,
            s.notify_timeout_seconds,
        )
        channels["email"] = EmailChannel(smtp, CoreContacts(core))
    if s.mqtt_url:
        password = s.mqtt_password.get_secret_value() if s.mqtt_password else None
        push = PushChannel(
            MqttSettings(s.mqtt_url, s.mqtt_topic_prefix, s.mqtt_username, password, s.notify_timeout_seconds)
        )
        channels["push"] = push
        closers.append(push.close)
    if s.notify_webhook_url and s.notify_webhook_secret:
        client = httpx.Client(timeout=s.notify_timeout_seconds)
        secret = s.notify_webhook_secret.get_secret_value()
        channels["webhook"] = WebhookChannel(client, s.notify_webhook_url, secret, clock)
        closers.append(client.close)
    return channels


def _rewriter(settings: Settings, closers: list[Callable[[], None]]) -> Rewriter | None:
    s = settings
    if not (s.llm_rewrite and s.llm_base_url and s.llm_model):
        return None
    key = s.llm_api_key.get_secret_value() if s.llm_api_key else None
    client = llm_client(s.llm_base_url, api_key=key, timeout=s.llm_timeout_seconds)
    closers.append(client.close)
    return ChatRewriter(client, model=s.llm_model)


class CoreNotConfigured(Exception):
    """Write-back or enrichment was asked for, but no core platform is configured."""


def bootstrap(settings: Settings | None = None, *, clock: Clock = utc_now, migrate: bool = True) -> Container:
    settings = settings or Settings()
    _ensure_sqlite_folder(settings.database_url)
    db = connect(settings.database_url)
    if migrate:
        upgrade(db)
    drift = DriftFlag(db.reader, ttl=settings.drift_flag_ttl_seconds)
    container = Container(
        settings=settings,
        db=db,
        sessions=SqlLedgerSessions(db),
        programmes=ProgrammeStore(db, clock),
        quarantine=SqlQuarantine(db),
        outbox=SqlOutbox(db, lease=timedelta(seconds=settings.outbox_lease_seconds)),
        connectors=configured_connectors(settings),
        api_keys=ApiKeyStore(db),
        tokeniser=Tokeniser(settings.pseudonym_secret.get_secret_value().encode()),
        clock=clock,
        messages=SqlMessages(db),
        console=console_auth(settings, SqlUsers(db), clock),
        oidc=oidc_verifier(settings),
        # the champion, loaded once; switched to the rule while a drift check says so
        scoring=load_scoring(settings.model_registry_dir, drift),
        # P(accept) from the stored scores, the segment's bandit counts and churn (decision 0016)
        offers=OfferEngine(SqlOfferStores(), ScoreAcceptance(drift)),
    )
    _ensure_programme(container)
    return container


def console_auth(settings: Settings, users: UserStore, clock: Clock) -> ConsoleAuth:
    """Console sign-in with the configured lock-out and session lengths."""
    s = settings
    return ConsoleAuth(
        users=users,
        passwords=Passwords(),
        lockout=LockoutPolicy(attempts=s.lockout_attempts, minutes=s.lockout_minutes),
        sessions=SessionPolicy(
            lifetime=timedelta(hours=s.session_hours), idle=timedelta(minutes=s.session_idle_minutes)
        ),
        key=s.session_secret.get_secret_value().encode(),
        clock=clock,
    )


def oidc_verifier(settings: Settings) -> OidcVerifier | None:
    """Bearer-token sign-on from the bank's identity provider, when its issuer is configured."""
    s = settings
    if not (s.oidc_issuer and s.oidc_audience):
        return None
    keys = UrlKeys(s.oidc_jwks_url) if s.oidc_jwks_url else FileKeys(Path(str(s.oidc_jwks_file)))
    return OidcVerifier(
        keys=keys,
        issuer=s.oidc_issuer,
        audience=s.oidc_audience,
        algorithms=tuple(s.oidc_algorithms),
        username_claim=s.oidc_username_claim,
        roles_claim=s.oidc_roles_claim,
        role_map=s.oidc_role_map,
        leeway_seconds=s.oidc_leeway_seconds,
    )


def configured_connectors(settings: Settings) -> dict[str, Connector]:
    """Every connector, with the bank's configuration where it has one (Fineract's schemas, say)."""
    connectors = dict(CONNECTORS)
    if settings.fineract_schema_dir or settings.fineract_currency or settings.fineract_payment_types:
        schemas = load_schemas(settings.fineract_schema_dir) if settings.fineract_schema_dir else None
        connectors["fineract"] = FineractConnector(
            schemas,
            currency=settings.fineract_currency,
            payment_types={name: TransactionType(t) for name, t in settings.fineract_payment_types.items()},
        )
    if settings.mappings_dir is not None:
        connectors = with_bank_mappings(connectors, settings.mappings_dir)
    return connectors


def _ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _ensure_programme(container: Container) -> None:
    """Load the configured programme file if it changed; in development fall back to the sample."""
    path = container.settings.programme_file
    if path is not None:
        container.programmes.load(path.read_text(encoding="utf-8"), actor="bootstrap", once=True)
        return
    try:
        container.programmes.active()
    except NoProgramme:
        if container.settings.environment != "production":
            sample = sample_programme_path().read_text(encoding="utf-8")
            container.programmes.load(sample, actor="bootstrap")
