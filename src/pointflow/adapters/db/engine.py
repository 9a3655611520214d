"""Engines for SQLite in WAL mode (the embedded default) and PostgreSQL, each with its write discipline."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from threading import Event, Lock, Thread
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

CHECKPOINT_SECONDS = 1.0
AUTOCHECKPOINT_PAGES = 50_000


@dataclass(frozen=True, slots=True)
class Database:
    """A writer and a reader engine; on PostgreSQL both are the same pool."""

    url: str
    writer: Engine
    reader: Engine
    # SQLite has one writer at a time: queueing writers of this process on a lock is fair and fast,
    # where SQLite's own busy handler would make them sleep and retry.
    write_lock: Lock | nullcontext[None] = field(default_factory=nullcontext)

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction (BEGIN IMMEDIATE on SQLite), committed on success."""
        with self.write_lock, self.writer.begin() as conn:
            yield conn

    @property
    def is_sqlite(self) -> bool:
        return self.writer.dialect.name == "sqlite"

    def checkpoint(self) -> None:
        """Copy the SQLite write-ahead log into the database without blocking readers or writers."""
        if self.is_sqlite:
            with self.reader.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    @contextmanager
    def checkpointing(self, every_seconds: float = CHECKPOINT_SECONDS) -> Iterator[None]:
        """While inside, checkpoint SQLite's log from a thread of its own, beside the writers.

        SQLite releases the GIL while it copies and syncs pages, so the copy runs on another core and no
        commit pays for it; the writers' own automatic checkpoint stays as the backstop. No-op elsewhere.
        """
        if not self.is_sqlite:
            yield
            return
        stop = Event()
        thread = Thread(target=self._checkpoint_until, args=(stop, every_seconds), daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def _checkpoint_until(self, stop: Event, every_seconds: float) -> None:
        while not stop.wait(every_seconds):
            self.checkpoint()

    def dispose(self) -> None:
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()


def connect(url: str, *, pool_size: int = 10) -> Database:
    if make_url(url).get_backend_name() == "sqlite":
        return Database(url, _sqlite(url, immediate=True), _sqlite(url, immediate=False), Lock())
    engine = create_engine(
        url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, json_serializer=_json
    )
    return Database(url, engine, engine)


def _json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _sqlite(url: str, *, immediate: bool) -> Engine:
    engine = create_engine(
        url, connect_args={"timeout": 30, "check_same_thread": False}, json_serializer=_json
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache per connection
        cursor.execute("PRAGMA temp_store=MEMORY")
        # The backstop: long-running processes checkpoint from a thread (Database.checkpointing) well before
        # the log reaches this size (~200 MiB), so commits do not pay for the copy and its fsync.
        cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front, so two writers never deadlock upgrading a read lock.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine
