"""Programme changes under maker-checker: proposals, back-test results, approval that activates the new
version through the programme store in the same transaction, rejection; every step in the audit chain."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from pointflow.adapters.db.audit_store import open_appender
from pointflow.adapters.db.change_tables import programme_changes
from pointflow.adapters.db.engine import Database
from pointflow.adapters.db.programme_store import ProgrammeStore
from pointflow.adapters.db.tables import programme_versions
from pointflow.adapters.programme_file import load_programme_text
from pointflow.domain.ids import new_id
from pointflow.domain.maker_checker import (
    ChangeRefused,
    ChangeState,
    Pending,
    check_programme_approval,
    check_programme_rejection,
    check_proposer,
    content_hash,
)


class UnknownChange(LookupError):
    """No programme change with that id."""


@dataclass(frozen=True, slots=True)
class StoredChange:
    id: str
    programme_id: str
    base_version: int
    proposed_yaml: str
    yaml_hash: str
    summary: str
    state: str
    proposed_by: str
    proposed_at: datetime
    backtest: dict[str, Any] | None
    backtested_at: datetime | None
    reviewed_by: str | None
    reason: str | None
    decided_at: datetime | None
    applied_version: int | None

    def pending(self) -> Pending:
        return Pending(self.proposed_by, self.state, self.yaml_hash, self.base_version)


class SqlProgrammeChanges:
    def __init__(self, db: Database, programmes: ProgrammeStore, clock: Callable[[], datetime]) -> None:
        self.db, self.programmes, self.clock = db, programmes, clock

    def propose(self, text: str, *, proposer: str, roles: Collection[str], summary: str) -> StoredChange:
        """Store a valid proposal against the active version; raises ProgrammeInvalid or RoleRefused."""
        check_proposer(roles)
        programme = load_programme_text(text)
        change_id, now = new_id(), self.clock()
        with self.db.write() as conn:
            base = _active_version(conn)
            row = {
                "id": change_id,
                "programme_id": programme.id,
                "base_version": base,
                "proposed_yaml": text,
                "yaml_hash": content_hash(text),
                "summary": summary.strip() or "no summary",
                "state": ChangeState.PROPOSED.value,
                "proposed_by": proposer,
                "proposed_at": now,
            }
            conn.execute(insert(programme_changes).values(**row))
            details = {"base_version": base, "yaml_hash": row["yaml_hash"], "summary": row["summary"]}
            _audit(conn, now, proposer, "programme.change_proposed", change_id, details)
        found = self.get(change_id)
        assert found is not None
        return found

    def record_backtest(self, change_id: str, result: Mapping[str, Any], *, actor: str) -> None:
        now = self.clock()
        with self.db.write() as conn:
            conn.execute(
                update(programme_changes)
                .where(programme_changes.c.id == change_id)
                .values(backtest=dict(result), backtested_at=now)
            )
            summary = {k: result["total"][k] for k in ("points_difference", "liability_difference")}
            details = {
                "months": result["months"],
                **summary,
                "members_affected": result["total"]["members_affected"],
            }
            _audit(conn, now, actor, "programme.change_backtested", change_id, details)

    def get(self, change_id: str) -> StoredChange | None:
        with self.db.reader.connect() as conn:
            row = conn.execute(select(programme_changes).where(programme_changes.c.id == change_id)).first()
        return None if row is None else StoredChange(**row._mapping)

    def recent(self, limit: int = 50) -> list[StoredChange]:
        query = select(programme_changes).order_by(programme_changes.c.proposed_at.desc()).limit(limit)
        with self.db.reader.connect() as conn:
            return [StoredChange(**r._mapping) for r in conn.execute(query)]

    def approve(self, change_id: str, *, approver: str, roles: Collection[str], reviewed_hash: str) -> int:
        """A second product manager's approval: the proposal becomes the active version (its row id)."""
        with (
            self._refusals_audited(change_id, approver, "programme.change_approval_refused"),
            self.db.write() as conn,
        ):
            open_appender(conn)  # holds the audit chain's lock: approvals and loads queue here
            change = self._locked(conn, change_id)
            check_programme_approval(
                change.pending(),
                approver=approver,
                roles=roles,
                reviewed_hash=reviewed_hash,
                active_version=_active_version(conn),
            )
            programme = load_programme_text(change.proposed_yaml)
            active, _ = self.programmes.load_in(
                conn, change.proposed_yaml, programme, actor=f"console:{approver}"
            )
            now = self.clock()
            conn.execute(
                update(programme_changes)
                .where(programme_changes.c.id == change_id)
                .values(
                    state=ChangeState.APPLIED.value,
                    reviewed_by=approver,
                    decided_at=now,
                    applied_version=active.version,
                )
            )
            details = {"yaml_hash": change.yaml_hash, "base_version": change.base_version}
            _audit(conn, now, approver, "programme.change_approved", change_id, details)
            applied = {"version_row": active.version, "content_hash": programme.content_hash()}
            _audit(conn, now, approver, "programme.change_applied", change_id, applied)
        self.programmes.forget()
        return active.version

    def reject(self, change_id: str, *, reviewer: str, roles: Collection[str], reason: str) -> None:
        with (
            self._refusals_audited(change_id, reviewer, "programme.change_rejection_refused"),
            self.db.write() as conn,
        ):
            change = self._locked(conn, change_id)
            check_programme_rejection(change.pending(), reviewer=reviewer, roles=roles, reason=reason)
            now = self.clock()
            conn.execute(
                update(programme_changes)
                .where(programme_changes.c.id == change_id)
                .values(state=ChangeState.REJECTED.value, reviewed_by=reviewer, reason=reason, decided_at=now)
            )
            _audit(conn, now, reviewer, "programme.change_rejected", change_id, {"reason": reason})

    def _locked(self, conn: Connection, change_id: str) -> StoredChange:
        query = select(programme_changes).where(programme_changes.c.id == change_id).with_for_update()
        row = conn.execute(query).first()
        if row is None:
            raise UnknownChange(change_id)
        return StoredChange(**row._mapping)

    @contextmanager
    def _refusals_audited(self, change_id: str, actor: str, action: str) -> Iterator[None]:
        """A refused decision is recorded too (in its own transaction, since the attempt's rolls back)."""
        try:
            yield
        except ChangeRefused as refused:
            with self.db.write() as conn:
                details = {"field": refused.field, "reason": refused.detail}
                _audit(conn, self.clock(), actor, action, change_id, details)
            raise


def _active_version(conn: Connection) -> int:
    return int(conn.execute(select(func.max(programme_versions.c.id))).scalar_one())


def _audit(conn: Connection, at: datetime, actor: str, action: str, change_id: str, details: Any) -> None:
    appender = open_appender(conn)
    appender.add(
        at=at,
        actor=f"console:{actor}",
        action=action,
        subject=f"programme_change:{change_id}",
        details=details,
    )
    appender.flush(conn)
