"""The audit explorer (risk): the hash-chained log filtered by actor, action, subject (prefixes) and days,
in pages, and a "verify chain" action whose result (the first bad entry, if any) is itself audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from pointflow.adapters.db import console_actions
from pointflow.adapters.db.audit_reads import AuditFilter, count_entries, find_entries
from pointflow.adapters.db.audit_store import iter_entries, read_head
from pointflow.bootstrap import Container
from pointflow.entrypoints.api.deps import ContainerDep
from pointflow.entrypoints.console.auth import Viewer, require_roles
from pointflow.entrypoints.console.paging import MAX_OFFSET, PAGE_SIZE, Pager
from pointflow.entrypoints.console.routes import render
from pointflow.governance.access import ConsoleRole
from pointflow.governance.audit import ChainBreak, verify_chain

router = APIRouter(prefix="/console", include_in_schema=False)
Auditor = Annotated[Viewer, Depends(require_roles(ConsoleRole.RISK))]
Text = Annotated[str, Query(max_length=160)]
PATH = "/console/audit"


@router.get("/audit")
def audit(
    request: Request,
    container: ContainerDep,
    viewer: Auditor,
    actor: Text = "",
    action: Text = "",
    subject: Text = "",
    since: Text = "",
    until: Text = "",
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> HTMLResponse:
    filters = {"actor": actor, "action": action, "subject": subject, "since": since, "until": until}
    try:
        where = AuditFilter(
            actor.strip(), action.strip(), subject.strip(), _day(since), _day(until, end=True)
        )
    except ValueError:
        return _page(request, container, viewer, filters, AuditFilter(), 0, error="Dates are YYYY-MM-DD.")
    return _page(request, container, viewer, filters, where, offset)


@router.post("/audit/verify")
async def verify(request: Request, container: ContainerDep, viewer: Auditor) -> HTMLResponse:
    broken, checked = await run_in_threadpool(_verify, container)
    details = {"entries": checked, "broken_at": None if broken is None else broken.seq}
    console_actions.audit(
        container.db,
        at=container.clock(),
        actor=f"console:{viewer.person.username}",
        action="console.audit_verified",
        subject="audit:chain",
        details=details | ({"reason": broken.reason} if broken else {}),
    )
    return _page(request, container, viewer, {}, AuditFilter(), 0, verified=(broken, checked))


def _verify(container: Container) -> tuple[ChainBreak | None, int]:
    with container.db.reader.connect() as conn:
        head = read_head(conn)
        return verify_chain(iter_entries(conn), head), head[0]


def _day(text: str, *, end: bool = False) -> datetime | None:
    """A day's start (UTC); for `until`, the next day's start, so that the day itself is included."""
    if not text.strip():
        return None
    day = date.fromisoformat(text.strip()) + timedelta(days=1 if end else 0)
    return datetime.combine(day, time.min, tzinfo=UTC)


def _page(
    request: Request,
    container: ContainerDep,
    viewer: Viewer,
    filters: dict[str, str],
    where: AuditFilter,
    offset: int,
    *,
    error: str | None = None,
    verified: tuple[ChainBreak | None, int] | None = None,
) -> HTMLResponse:
    with container.db.reader.connect() as conn:
        total = count_entries(conn, where)
        entries = find_entries(conn, where, limit=PAGE_SIZE, offset=offset)
    return render(
        request,
        "audit.html",
        viewer,
        422 if error else 200,
        title="Audit explorer",
        entries=entries,
        filters=filters,
        pager=Pager(PATH, offset, total, filters=filters),
        error=error,
        verified=verified,
    )
