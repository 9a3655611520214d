"""Programme versions in the database: every accepted programme file is kept, the newest is active."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from threading import Lock

from sqlalchemy import Connection, func, insert, select

from pointflow.adapters.db.audit_store import open_appender
from pointflow.adapters.db.engine import Database
from pointflow.adapters.db.tables import programme_versions
from pointflow.adapters.programme_file import load_programme_text
from pointflow.domain.programme import Programme
from pointflow.service_layer.accrual import ActiveProgramme

REFRESH_SECONDS = 1.0


class NoProgramme(RuntimeError):
    """No programme has been loaded into this database yet."""


class ProgrammeStore:
    """Loads, versions and serves the active programme, parsing each version once."""

    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock
        self._parsed: dict[int, Programme] = {}
        self._lock = Lock()
        self._current: tuple[float, ActiveProgramme] | None = None

    def load(self, text: str, *, actor: str, once: bool = False) -> tuple[ActiveProgramme, bool]:
        """Validate and store `text` as a new version unless it equals the active one (or, with `once`,
        any version ever loaded: a restart with the same file keeps a change approved in the console)."""
        programme = load_programme_text(text)
        with self.db.write() as conn:
            if once and self._loaded_before(conn, programme.content_hash()):
                return self._read_active(), False
            return self.load_in(conn, text, programme, actor=actor)

    def load_in(
        self, conn: Connection, text: str, programme: Programme, *, actor: str
    ) -> tuple[ActiveProgramme, bool]:
        """`load` inside the caller's write transaction (a maker-checker approval activates this way)."""
        self._current = None
        digest = programme.content_hash()
        latest = conn.execute(
            select(programme_versions).order_by(programme_versions.c.id.desc()).limit(1)
        ).first()
        if latest is not None and latest.content_hash == digest:
            return ActiveProgramme(latest.id, programme), False
        version = 1 + (
            conn.execute(
                select(func.max(programme_versions.c.version)).where(
                    programme_versions.c.programme_id == programme.id
                )
            ).scalar()
            or 0
        )
        now = self.clock()
        inserted = conn.execute(
            insert(programme_versions).values(
                programme_id=programme.id,
                version=version,
                content_hash=digest,
                body=text,
                loaded_at=now,
                loaded_by=actor,
            )
        ).inserted_primary_key
        assert inserted is not None
        new_id = inserted[0]
        appender = open_appender(conn)
        appender.add(
            at=now,
            actor=actor,
            action="programme.loaded",
            subject=f"programme:{programme.id}",
            details={"version": version, "content_hash": digest, "row": new_id},
        )
        appender.flush(conn)
        return ActiveProgramme(int(new_id), programme), True

    def forget(self) -> None:
        """Read the active version afresh on the next call (after a transaction that activated one)."""
        self._current = None

    def _loaded_before(self, conn: Connection, digest: str) -> bool:
        query = select(programme_versions.c.id).where(programme_versions.c.content_hash == digest).limit(1)
        return conn.execute(query).first() is not None

    def active(self) -> ActiveProgramme:
        """The newest version; other processes' loads are seen within REFRESH_SECONDS."""
        current = self._current
        if current is not None and time.monotonic() - current[0] < REFRESH_SECONDS:
            return current[1]
        active = self._read_active()
        self._current = (time.monotonic(), active)
        return active

    def _read_active(self) -> ActiveProgramme:
        with self.db.reader.connect() as conn:
            row = conn.execute(
                select(programme_versions.c.id, programme_versions.c.body)
                .order_by(programme_versions.c.id.desc())
                .limit(1)
            ).first()
        if row is None:
            raise NoProgramme("no programme loaded: run `pointflow programme load FILE`")
        with self._lock:
            if row.id not in self._parsed:
                self._parsed[row.id] = load_programme_text(row.body)
            return ActiveProgramme(row.id, self._parsed[row.id])

    def history(self) -> list[dict[str, object]]:
        with self.db.reader.connect() as conn:
            rows = conn.execute(
                select(
                    programme_versions.c.id,
                    programme_versions.c.programme_id,
                    programme_versions.c.version,
                    programme_versions.c.content_hash,
                    programme_versions.c.loaded_at,
                    programme_versions.c.loaded_by,
                ).order_by(programme_versions.c.id)
            ).all()
        return [dict(r._mapping) for r in rows]
