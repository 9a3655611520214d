"""Member 360 (every role): a member by token, found by customer id (tokenised here, never kept), with a
"why / why not" view per transaction. Personal data stays masked; risk and admin may show it, audited."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pointflow.adapters.db import console_actions, views
from pointflow.entrypoints.api.deps import ContainerDep
from pointflow.entrypoints.console.auth import Viewer, require_roles
from pointflow.entrypoints.console.member_view import (
    UNMASK_ROLES,
    PersonalData,
    contribution_words,
    masked,
    may_unmask,
    read_member,
    unmasked,
)
from pointflow.entrypoints.console.pages import EVERY_ROLE
from pointflow.entrypoints.console.routes import render

router = APIRouter(prefix="/console", include_in_schema=False)
Reader = Annotated[Viewer, Depends(require_roles(*EVERY_ROLE))]
Unmasker = Annotated[Viewer, Depends(require_roles(*UNMASK_ROLES))]
Token = Annotated[str, Path(min_length=1, max_length=64)]
CUSTOMER_ID = re.compile(r"^[\w.:\-/#@+]{1,128}$")  # as the API accepts them


@router.get("/members")
def search_page(request: Request, viewer: Reader) -> HTMLResponse:
    return render(request, "member_search.html", viewer, title="Member 360")


@router.post("/members/search")
def search(
    request: Request, container: ContainerDep, viewer: Reader, customer_id: Annotated[str, Form()] = ""
) -> Response:
    # A POST, so the customer id stays out of URLs, browser history and access logs; only the token shows.
    wanted = customer_id.strip()
    if not CUSTOMER_ID.match(wanted):
        error = "Enter a customer id: letters, digits and . : - / # @ + only, at most 128 characters."
        return render(request, "member_search.html", viewer, 422, title="Member 360", error=error)
    token = container.tokeniser.token(wanted)
    return RedirectResponse(f"/console/members/{token}", status_code=303)


@router.get("/members/{token}")
def member(
    request: Request,
    token: Token,
    container: ContainerDep,
    viewer: Reader,
    before: Annotated[str | None, Query(max_length=32)] = None,
) -> HTMLResponse:
    return _page(request, container, viewer, token, before=before, personal=masked(container))


@router.post("/members/{token}/personal")
async def show_personal_data(
    request: Request, token: Token, container: ContainerDep, viewer: Unmasker
) -> Response:
    personal = await run_in_threadpool(unmasked, container, token)
    console_actions.audit(
        container.db,
        at=container.clock(),
        actor=f"console:{viewer.person.username}",
        action="console.personal_data_read",
        subject=f"member:{token}",
        details={"outcome": personal.state, "fields": sorted(personal.fields)},
    )
    # Answered here, not redirected: the unmasked page is never at an address that can be opened again.
    response = _page(request, container, viewer, token, before=None, personal=personal)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/members/{token}/why")
def why(
    request: Request,
    token: Token,
    container: ContainerDep,
    viewer: Reader,
    transaction_id: Annotated[str, Query(min_length=1, max_length=128)],
) -> HTMLResponse:
    with container.db.reader.connect() as conn:
        found = views.explanation(conn, token, transaction_id)
    status = 200 if found is not None else 404
    return render(
        request,
        "member_why.html",
        viewer,
        status,
        title="Why / why not",
        token=token,
        txn=transaction_id,
        found=found,
    )


def _page(
    request: Request,
    container: ContainerDep,
    viewer: Viewer,
    token: str,
    *,
    before: str | None,
    personal: PersonalData,
) -> HTMLResponse:
    found = read_member(container, token, before=before)
    return render(
        request,
        "member.html",
        viewer,
        200 if found.summary is not None else 404,
        title=f"Member {token}",
        m=found,
        personal=personal,
        may_unmask=may_unmask(viewer.person),
        words=contribution_words,
    )
