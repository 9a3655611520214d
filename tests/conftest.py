"""Shared fixtures: a controllable clock, databases (SQLite always, PostgreSQL on loopback), containers."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from pointflow.adapters.db.engine import connect
from pointflow.adapters.db.migrate import upgrade
from pointflow.bootstrap import Container, bootstrap
from pointflow.config import Settings

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

# The test environment fails closed without real secrets (config.py), like production: every test run,
# and every command a test starts, gets random ones of its own.
os.environ.setdefault("POINTFLOW_PSEUDONYM_SECRET", secrets.token_hex(32))
os.environ.setdefault("POINTFLOW_SESSION_SECRET", secrets.token_hex(32))


@dataclass
class Clock:
    now: datetime = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _pg_admin_url() -> str:
    url = os.environ.get("POINTFLOW_TEST_POSTGRES_URL", DEFAULT_PG)
    try:
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except sa.exc.OperationalError as error:
        reason = f"PostgreSQL is not reachable at {url}: {error.orig}"
        if os.environ.get("POINTFLOW_REQUIRE_POSTGRES") or os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)  # only outside CI; in CI (or with POINTFLOW_REQUIRE_POSTGRES) it fails above
    return url


def _admin(url: str, sql: str) -> None:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(sql)
    engine.dispose()


@pytest.fixture(scope="session")
def pg_template() -> Iterator[tuple[str, str]]:
    """A migrated database that each test clones (CREATE DATABASE … TEMPLATE is fast)."""
    admin = _pg_admin_url()
    name = f"pf_template_{os.getpid()}"
    _admin(admin, f"DROP DATABASE IF EXISTS {name}")
    _admin(admin, f"CREATE DATABASE {name}")
    db = connect(sa.engine.make_url(admin).set(database=name).render_as_string(hide_password=False))
    upgrade(db)
    db.dispose()
    yield admin, name
    _admin(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_url(pg_template: tuple[str, str]) -> Iterator[str]:
    admin, template = pg_template
    name = f"pf_test_{uuid.uuid4().hex[:12]}"
    _admin(admin, f"CREATE DATABASE {name} TEMPLATE {template}")
    yield sa.engine.make_url(admin).set(database=name).render_as_string(hide_password=False)
    _admin(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    return f"sqlite:///{tmp_path}/pointflow.db"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def container(database_url: str, clock: Clock, tmp_path: Path) -> Iterator[Container]:
    # an empty registry of its own, so a model registered under var/ never changes what tests score
    settings = Settings(database_url=database_url, environment="test", model_registry_dir=tmp_path / "models")
    built = bootstrap(settings, clock=clock)
    yield built
    built.close()
