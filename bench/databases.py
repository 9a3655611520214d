"""Fresh, throw-away databases: SQLite files in a temporary folder, PostgreSQL databases on loopback."""

from __future__ import annotations

import atexit
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa

from pointflow.bootstrap import Container, bootstrap
from pointflow.config import Settings

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def open_container(url: str) -> Container:
    """The application wired to `url`, migrated, the sample programme loaded and no model registered.

    The registry is an empty temporary folder, so the replay measures the rule path whatever `var/models`
    holds on this machine; `bench.replay_scoring` measures the model path with a model it trains.
    """
    return bootstrap(
        Settings(database_url=url, environment="development", model_registry_dir=empty_registry())
    )


@lru_cache(maxsize=1)
def empty_registry() -> Path:
    """A model registry with nothing in it, for this process; removed when it exits."""
    folder = Path(tempfile.mkdtemp(prefix="pf_bench_models_"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


@dataclass
class Databases:
    """Hands out fresh database URLs of either kind and removes them all on `close`."""

    postgres_admin: str
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="pf_bench_")))
    created: list[str] = field(default_factory=list)

    def sqlite(self, name: str) -> str:
        return f"sqlite:///{self.folder / f'{name}.db'}"

    def postgres(self) -> str:
        name = f"pf_bench_{secrets.token_hex(6)}"
        _admin(self.postgres_admin, f"CREATE DATABASE {name}")
        self.created.append(name)
        return sa.make_url(self.postgres_admin).set(database=name).render_as_string(hide_password=False)

    def close(self) -> None:
        for name in self.created:
            _admin(self.postgres_admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.created.clear()
        for path in sorted(self.folder.iterdir()):
            path.unlink()
        self.folder.rmdir()


@contextmanager
def databases(postgres_admin: str) -> Iterator[Databases]:
    pool = Databases(postgres_admin)
    try:
        yield pool
    finally:
        pool.close()


def postgres_version(admin_url: str) -> str:
    engine = sa.create_engine(admin_url)
    try:
        with engine.connect() as conn:
            return str(conn.exec_driver_sql("SHOW server_version").scalar_one())
    finally:
        engine.dispose()


def _admin(url: str, sql: str) -> None:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()
