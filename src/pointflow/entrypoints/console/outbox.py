"""The outbox page (admin): write-backs and notices by state, kind and key, in pages; a dead letter can be
sent round again, audited."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pointflow.adapters.db import console_actions
from pointflow.adapters.db.ops_reads import outbox_kinds, outbox_page
from pointflow.entrypoints.api.deps import ContainerDep
from pointflow.entrypoints.console.auth import Viewer, require_roles
from pointflow.entrypoints.console.paging import MAX_OFFSET, PAGE_SIZE, Pager, echoed_id
from pointflow.entrypoints.console.routes import render

router = APIRouter(prefix="/console", include_in_schema=False)
Admin = Annotated[Viewer, Depends(require_roles())]
STATES = ("pending", "delivered", "dead")
PATH = "/console/outbox"


@router.get("/outbox")
def outbox(
    request: Request,
    container: ContainerDep,
    viewer: Admin,
    state: Annotated[str, Query(max_length=16)] = "",
    kind: Annotated[str, Query(max_length=32)] = "",
    key: Annotated[str, Query(max_length=160)] = "",
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    retried: Annotated[str, Query(max_length=32)] = "",
) -> HTMLResponse:
    filters = {"state": state if state in STATES else "", "kind": kind, "key": key}
    with container.db.reader.connect() as conn:
        page = outbox_page(conn, **filters, limit=PAGE_SIZE, offset=offset)
        kinds = outbox_kinds(conn)
    return render(
        request,
        "outbox.html",
        viewer,
        title="Outbox",
        page=page,
        kinds=kinds,
        states=STATES,
        filters=filters,
        pager=Pager(PATH, offset, page.total, filters=filters),
        retried="none" if retried == "none" else echoed_id(retried),
    )


@router.post("/outbox/{message_id}/retry")
def retry(
    message_id: Annotated[str, Path(max_length=32)], container: ContainerDep, viewer: Admin
) -> Response:
    actor = f"console:{viewer.person.username}"
    if not console_actions.retry_dead_letter(container.db, message_id, at=container.clock(), actor=actor):
        return RedirectResponse(f"{PATH}?state=dead&retried=none", status_code=303)
    return RedirectResponse(f"{PATH}?state=dead&retried={message_id}", status_code=303)
