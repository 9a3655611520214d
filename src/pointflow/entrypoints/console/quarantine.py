"""The quarantine page (admin): input that could not be applied, by status and connector, in pages; an
open item can be replayed (after a fix), audited with its outcome."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pointflow.adapters.db import console_actions
from pointflow.adapters.db.ops_reads import quarantine_page
from pointflow.bootstrap import Container
from pointflow.entrypoints.api.deps import ContainerDep
from pointflow.entrypoints.console.auth import Viewer, require_roles
from pointflow.entrypoints.console.paging import MAX_OFFSET, PAGE_SIZE, Pager, echoed_id
from pointflow.entrypoints.console.routes import render
from pointflow.service_layer.replay import replay

router = APIRouter(prefix="/console", include_in_schema=False)
Admin = Annotated[Viewer, Depends(require_roles())]
STATUSES = ("open", "replayed", "discarded")
PATH = "/console/quarantine"


@router.get("/quarantine")
def quarantine(
    request: Request,
    container: ContainerDep,
    viewer: Admin,
    status: Annotated[str, Query(max_length=16)] = "open",
    connector: Annotated[str, Query(max_length=64)] = "",
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    replayed: Annotated[str, Query(max_length=32)] = "",
    outcome: Annotated[str, Query(max_length=32)] = "",
) -> HTMLResponse:
    filters = {"status": status if status in STATUSES else "", "connector": connector}
    with container.db.reader.connect() as conn:
        page = quarantine_page(conn, **filters, limit=PAGE_SIZE, offset=offset)
    return render(
        request,
        "quarantine.html",
        viewer,
        title="Quarantine",
        page=page,
        statuses=STATUSES,
        connectors=sorted(container.connectors),
        filters=filters,
        pager=Pager(PATH, offset, page.total, filters=filters),
        replayed=echoed_id(replayed),
        outcome=echoed_id(outcome),
    )


@router.post("/quarantine/{item_id}/replay")
async def replay_item(
    item_id: Annotated[str, Path(max_length=32)], container: ContainerDep, viewer: Admin
) -> Response:
    actor = f"console:{viewer.person.username}"
    outcome = await run_in_threadpool(_replay, container, item_id, actor)
    return RedirectResponse(f"{PATH}?replayed={item_id}&outcome={outcome}", status_code=303)


def _replay(container: Container, item_id: str, actor: str) -> str:
    """Replay one open item; its outcome (or `not_open`) is audited once the replay has settled."""
    item = next(iter(container.quarantine.iter_open([item_id])), None)
    connector = container.connectors.get(item.connector) if item else None
    if item is None or connector is None:
        outcome = "not_open" if item is None else "no_connector"
    else:
        result = replay(
            item, connector=connector, deps=container.ledger_deps(), admin=container.quarantine, actor=actor
        )
        outcome = result.status
    console_actions.audit(
        container.db,
        at=container.clock(),
        actor=actor,
        action="console.quarantine_replayed",
        subject=f"quarantine:{item_id}",
        details={"outcome": outcome},
    )
    return outcome
