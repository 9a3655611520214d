"""The programme editor: the active programme read-only, a product manager's proposal (the YAML in a form),
its back-test, and a second product manager's approval or rejection (maker-checker)."""

from __future__ import annotations

import difflib
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from pointflow.adapters.db.backtest_reads import SqlPostings
from pointflow.adapters.db.change_store import SqlProgrammeChanges, StoredChange, UnknownChange
from pointflow.adapters.db.offer_signals import segment_names
from pointflow.adapters.db.tables import programme_versions
from pointflow.adapters.mcc import mcc_range
from pointflow.adapters.programme_file import load_programme_text
from pointflow.bootstrap import Container
from pointflow.domain.maker_checker import ChangeRefused
from pointflow.domain.programme import ProgrammeInvalid
from pointflow.entrypoints.api.deps import ContainerDep
from pointflow.entrypoints.console.auth import Viewer, require_roles
from pointflow.entrypoints.console.pages import EVERY_ROLE
from pointflow.entrypoints.console.routes import render
from pointflow.governance.access import ConsoleRole
from pointflow.service_layer.backtest import BacktestRequest, run_backtest

router = APIRouter(prefix="/console/programme", include_in_schema=False)

Reader = Annotated[Viewer, Depends(require_roles(*EVERY_ROLE))]
Manager = Annotated[Viewer, Depends(require_roles(ConsoleRole.PRODUCT_MANAGER))]
Months = Annotated[int, Form(ge=1, le=36)]
MAX_YAML = 1_000_000


def changes_of(container: Container) -> SqlProgrammeChanges:
    return SqlProgrammeChanges(container.db, container.programmes, container.clock)


def roles_of(viewer: Viewer) -> list[str]:
    return [role.value for role in viewer.person.roles]


@router.get("")
def editor(request: Request, container: ContainerDep, viewer: Reader) -> HTMLResponse:
    return _editor(request, container, viewer)


@router.post("/changes")
def propose(
    request: Request,
    container: ContainerDep,
    viewer: Manager,
    programme_yaml: Annotated[str, Form(max_length=MAX_YAML)],
    summary: Annotated[str, Form(max_length=500)] = "",
    months: Months = 3,
) -> Response:
    try:
        change = changes_of(container).propose(
            programme_yaml, proposer=viewer.person.username, roles=roles_of(viewer), summary=summary
        )
    except ProgrammeInvalid as invalid:
        return _editor(request, container, viewer, draft=programme_yaml, summary=summary, invalid=invalid)
    except ChangeRefused as refused:
        return _editor(request, container, viewer, draft=programme_yaml, summary=summary, refused=refused)
    backtest(container, change, months=months, actor=viewer.person.username)
    return RedirectResponse(f"/console/programme/changes/{change.id}", status_code=303)


@router.get("/changes/{change_id}")
def change_page(request: Request, container: ContainerDep, viewer: Reader, change_id: str) -> HTMLResponse:
    return _change_page(request, container, viewer, change_id)


@router.post("/changes/{change_id}/backtest")
def rerun(
    request: Request, container: ContainerDep, viewer: Manager, change_id: str, months: Months = 3
) -> Response:
    change = changes_of(container).get(change_id)
    if change is None:
        return _change_page(request, container, viewer, change_id)
    backtest(container, change, months=months, actor=viewer.person.username)
    return RedirectResponse(f"/console/programme/changes/{change_id}", status_code=303)


@router.post("/changes/{change_id}/approve")
def approve(
    request: Request,
    container: ContainerDep,
    viewer: Manager,
    change_id: str,
    yaml_hash: Annotated[str, Form(max_length=64)],
) -> Response:
    try:
        changes_of(container).approve(
            change_id, approver=viewer.person.username, roles=roles_of(viewer), reviewed_hash=yaml_hash
        )
    except (ChangeRefused, ProgrammeInvalid, UnknownChange) as refused:
        return _change_page(request, container, viewer, change_id, refused=refused)
    return RedirectResponse(f"/console/programme/changes/{change_id}", status_code=303)


@router.post("/changes/{change_id}/reject")
def reject(
    request: Request,
    container: ContainerDep,
    viewer: Manager,
    change_id: str,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        changes_of(container).reject(
            change_id, reviewer=viewer.person.username, roles=roles_of(viewer), reason=reason
        )
    except (ChangeRefused, UnknownChange) as refused:
        return _change_page(request, container, viewer, change_id, refused=refused)
    return RedirectResponse(f"/console/programme/changes/{change_id}", status_code=303)


def backtest(container: Container, change: StoredChange, *, months: int, actor: str) -> None:
    """Re-run the earn rules of the proposal and of the active programme over the last `months` months."""
    request = BacktestRequest(
        current=container.programmes.active().programme,
        proposed=load_programme_text(change.proposed_yaml),
        months=months,
    )
    with container.db.reader.connect() as conn:
        segment_of = segment_names(conn)
    result = run_backtest(
        request, source=SqlPostings(container.db), segment_of=segment_of, iso_range=mcc_range
    )
    changes_of(container).record_backtest(change.id, result, actor=actor)


def _editor(
    request: Request,
    container: Container,
    viewer: Viewer,
    *,
    draft: str | None = None,
    summary: str = "",
    invalid: ProgrammeInvalid | None = None,
    refused: ChangeRefused | None = None,
) -> HTMLResponse:
    active = container.programmes.active()
    versions = container.programmes.history()
    body = next((v for v in versions if v["id"] == active.version), {})
    status = 422 if invalid else refused.status if refused else 200
    return render(
        request,
        "programme.html",
        viewer,
        status,
        title="Programme",
        active=active,
        loaded=body,
        yaml_text=draft if draft is not None else _body(container, active.version),
        summary=summary,
        errors=invalid.errors if invalid else [],
        refused=refused,
        changes=changes_of(container).recent(),
        may_propose=ConsoleRole.PRODUCT_MANAGER in viewer.person.roles,
    )


def _body(container: Container, version_row: int) -> str:
    with container.db.reader.connect() as conn:
        query = select(programme_versions.c.body).where(programme_versions.c.id == version_row)
        return str(conn.execute(query).scalar_one())


def _change_page(
    request: Request,
    container: Container,
    viewer: Viewer,
    change_id: str,
    *,
    refused: Exception | None = None,
) -> HTMLResponse:
    change = changes_of(container).get(change_id)
    if change is None:
        return render(request, "denied.html", viewer, 404, title="Not found", detail="no such change")
    active = container.programmes.active()
    base = _body(container, change.base_version)
    diff = difflib.unified_diff(
        base.splitlines(), change.proposed_yaml.splitlines(), "active", "proposed", lineterm="", n=2
    )
    status = getattr(refused, "status", 422) if refused else 200
    return render(
        request,
        "programme_change.html",
        viewer,
        status,
        title="Programme change",
        change=change,
        diff="\n".join(diff),
        stale=active.version != change.base_version,
        active_version=active.version,
        refused=refused,
        is_manager=ConsoleRole.PRODUCT_MANAGER in viewer.person.roles,
    )
