"""Governance results in SQL: drift checks and the fallback switch, alerts, fairness reports, age bands.

Writers take a connection inside the job's transaction; the readers (`latest_drift`, `recent_alerts`,
`fallbacks`, `latest_fairness`) are what the console and the CLI call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from pointflow.adapters.db.audit_store import open_appender
from pointflow.adapters.db.governance_tables import (
    drift_checks,
    governance_alerts,
    member_attributes,
    model_fallbacks,
)
from pointflow.adapters.db.tables import identity_vault, job_runs, members
from pointflow.domain.ids import new_id
from pointflow.governance.drift import DriftStatus, Measured

FAIRNESS_JOB = "fairness"
_d = drift_checks.c
_a = governance_alerts.c
_f = model_fallbacks.c


def record_drift(
    conn: Connection, *, model: str, version: str, as_of: date, measured: Sequence[Measured], at: datetime
) -> None:
    """Replace the version's checks and drift alerts for `as_of` with these (a re-run gives the same rows)."""
    scope = f"{model}/{version}"
    conn.execute(delete(drift_checks).where(_d.model == model, _d.version == version, _d.as_of == as_of))
    conn.execute(delete(governance_alerts).where(_a.kind == "drift", _a.scope == scope, _a.as_of == as_of))
    if not measured:
        return
    conn.execute(
        insert(drift_checks),
        [
            {
                "model": model,
                "version": version,
                "as_of": as_of,
                "series": m.name,
                "kind": "score" if m.name == "score" else "feature",
                "rows": m.rows,
                "psi": m.psi,
                "ks": m.ks,
                "status": m.status.value,
                "checked_at": at,
            }
            for m in measured
        ],
    )
    alerts = [m for m in measured if m.status is not DriftStatus.OK]
    if alerts:
        conn.execute(
            insert(governance_alerts),
            [_drift_alert(scope, as_of, m, at) for m in alerts],
        )


def _drift_alert(scope: str, as_of: date, m: Measured, at: datetime) -> dict[str, Any]:
    ks = "" if m.ks is None else f", KS {m.ks:.3f}"
    return {
        "id": new_id(),
        "kind": "drift",
        "scope": scope,
        "as_of": as_of,
        "subject": m.name,
        "level": m.status.value,
        "value": m.psi,
        "message": f"{scope} {m.name}: PSI {m.psi:.3f}{ks} over {m.rows} values ({m.status.value})",
        "raised_at": at,
    }


def set_fallback(
    conn: Connection, *, model: str, version: str, as_of: date, active: bool, reason: str, at: datetime
) -> bool:
    """Switch the version's drift fallback on or off; a check older than the one that set the current state
    changes nothing. Returns whether the state changed (a change is audited)."""
    row = conn.execute(select(_f.active, _f.as_of).where(_f.model == model, _f.version == version)).first()
    if row is not None and row.as_of > as_of:
        return False
    values = {"active": active, "as_of": as_of, "reason": reason, "changed_at": at}
    if row is None:
        if not active:
            return False
        conn.execute(insert(model_fallbacks).values(model=model, version=version, **values))
    elif bool(row.active) == active:
        conn.execute(update(model_fallbacks).where(_f.model == model, _f.version == version).values(**values))
        return False
    else:
        conn.execute(update(model_fallbacks).where(_f.model == model, _f.version == version).values(**values))
    audit = open_appender(conn)
    action = "model.drift_fallback_on" if active else "model.drift_fallback_off"
    details = {"as_of": as_of.isoformat(), "reason": reason}
    audit.add(at=at, actor="job:drift", action=action, subject=f"model:{model}/{version}", details=details)
    audit.flush(conn)
    return True


def fallback_reason(conn: Connection, *, model: str, version: str) -> str | None:
    """Why the version is switched to the rule, or None when it scores."""
    row = conn.execute(
        select(_f.reason).where(_f.model == model, _f.version == version, _f.active.is_(True))
    ).first()
    return None if row is None else str(row.reason)


def fallbacks(conn: Connection) -> list[dict[str, Any]]:
    """Every version's fallback state (active or lifted), newest change first."""
    query = select(model_fallbacks).order_by(_f.changed_at.desc())
    return [dict(r._mapping) for r in conn.execute(query)]


def latest_drift(conn: Connection, *, model: str, version: str | None = None) -> list[dict[str, Any]]:
    """The newest check of a model (its newest version unless `version` is given), one row a series."""
    where = [_d.model == model] + ([_d.version == version] if version else [])
    newest = conn.execute(
        select(_d.version, _d.as_of).where(*where).order_by(_d.as_of.desc(), _d.checked_at.desc()).limit(1)
    ).first()
    if newest is None:
        return []
    query = (
        select(drift_checks)
        .where(_d.model == model, _d.version == newest.version, _d.as_of == newest.as_of)
        .order_by(_d.psi.desc(), _d.series)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def drift_history(conn: Connection, *, model: str, version: str, series: str) -> list[dict[str, Any]]:
    """One series' PSI and KS by as-of date, oldest first (for a chart)."""
    query = (
        select(_d.as_of, _d.rows, _d.psi, _d.ks, _d.status)
        .where(_d.model == model, _d.version == version, _d.series == series)
        .order_by(_d.as_of)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def recent_alerts(
    conn: Connection, *, kind: str | None = None, since: date | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Drift and fairness alerts, newest as-of first."""
    where = []
    if kind is not None:
        where.append(_a.kind == kind)
    if since is not None:
        where.append(_a.as_of >= since)
    query = (
        select(governance_alerts)
        .where(and_(True, *where))
        .order_by(_a.as_of.desc(), _a.raised_at.desc(), _a.id)
        .limit(limit)
    )
    return [dict(r._mapping) for r in conn.execute(query)]


def record_fairness(
    conn: Connection,
    *,
    as_of: date,
    report: Mapping[str, Any],
    alerts: Iterable[dict[str, Any]],
    at: datetime,
) -> None:
    """Replace the fairness report and alerts of `as_of`."""
    conn.execute(delete(job_runs).where(job_runs.c.job == FAIRNESS_JOB, job_runs.c.as_of == as_of))
    conn.execute(delete(governance_alerts).where(_a.kind == "fairness", _a.as_of == as_of))
    conn.execute(insert(job_runs).values(job=FAIRNESS_JOB, as_of=as_of, started_at=at, result=dict(report)))
    rows = [
        {"id": new_id(), "kind": "fairness", "scope": "fairness", "as_of": as_of, "raised_at": at, **a}
        for a in alerts
    ]
    if rows:
        conn.execute(insert(governance_alerts), rows)


def latest_fairness(conn: Connection, *, as_of: date | None = None) -> dict[str, Any] | None:
    """The fairness report of `as_of`, or the newest one."""
    j = job_runs.c
    query = select(j.as_of, j.started_at, j.result).where(j.job == FAIRNESS_JOB)
    query = query.where(j.as_of == as_of) if as_of else query
    row = conn.execute(query.order_by(j.as_of.desc(), j.id.desc()).limit(1)).first()
    if row is None:
        return None
    return {"as_of": row.as_of, "computed_at": row.started_at, **dict(row.result)}


def unbanded(conn: Connection, *, limit: int) -> list[tuple[str, str]]:
    """(token, customer id) of members without an age band: the job asks the core for their birth year."""
    m, v = member_attributes.c, identity_vault.c
    query = (
        select(v.token, v.customer_id)
        .join(members, members.c.token == v.token)  # members only: the vault also keeps account numbers
        .outerjoin(member_attributes, m.token == v.token)
        .where(m.token.is_(None))
        .order_by(v.token)
        .limit(limit)
    )
    return [(str(t), str(c)) for t, c in conn.execute(query)]


def save_bands(conn: Connection, bands: Mapping[str, str], *, observed_on: date) -> None:
    if bands:
        conn.execute(
            insert(member_attributes),
            [{"token": t, "age_band": b, "observed_on": observed_on} for t, b in bands.items()],
        )


def band_rows(conn: Connection) -> list[tuple[str, str]]:
    m = member_attributes.c
    return [(str(t), str(b)) for t, b in conn.execute(select(m.token, m.age_band))]


def band_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(member_attributes)).scalar_one())
