"""The campaigns page: each offers campaign's rollout, pilot share, budgets and spend; a product manager
sets shadow or pilot and proposes live, which someone with the risk role approves or rejects."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pointflow.adapters.db.campaign_store import SqlCampaigns
from pointflow.adapters.db.change_store import UnknownChange
from pointflow.bootstrap import Container
from pointflow.domain.maker_checker import ChangeRefused
from pointflow.entrypoints.api.deps import ContainerDep
from pointflow.entrypoints.console.auth import Viewer, require_roles
from pointflow.entrypoints.console.pages import EVERY_ROLE
from pointflow.entrypoints.console.programme import roles_of
from pointflow.entrypoints.console.routes import render
from pointflow.governance.access import ConsoleRole

router = APIRouter(prefix="/console/campaigns", include_in_schema=False)

Reader = Annotated[Viewer, Depends(require_roles(*EVERY_ROLE))]
Manager = Annotated[Viewer, Depends(require_roles(ConsoleRole.PRODUCT_MANAGER))]
Risk = Annotated[Viewer, Depends(require_roles(ConsoleRole.RISK))]


def campaigns_of(container: Container) -> SqlCampaigns:
    return SqlCampaigns(container.db, container.clock)


@router.get("")
def campaigns(request: Request, container: ContainerDep, viewer: Reader) -> HTMLResponse:
    return _page(request, container, viewer)


@router.post("/{campaign}/rollout")
def set_rollout(
    request: Request,
    container: ContainerDep,
    viewer: Manager,
    campaign: str,
    mode: Annotated[str, Form(max_length=16)],
    pilot_share: Annotated[float, Form(ge=0, le=1)] = 0.0,
) -> Response:
    offers = container.programmes.active().programme.offers
    if offers is None:
        return _page(request, container, viewer)
    try:
        campaigns_of(container).propose(
            offers,
            campaign,
            mode=mode,
            pilot_share=pilot_share,
            proposer=viewer.person.username,
            roles=roles_of(viewer),
        )
    except ChangeRefused as refused:
        return _page(request, container, viewer, refused=refused)
    return RedirectResponse("/console/campaigns", status_code=303)


@router.post("/changes/{change_id}/approve")
def approve(request: Request, container: ContainerDep, viewer: Risk, change_id: str) -> Response:
    try:
        campaigns_of(container).approve(change_id, approver=viewer.person.username, roles=roles_of(viewer))
    except (ChangeRefused, UnknownChange) as refused:
        return _page(request, container, viewer, refused=refused)
    return RedirectResponse("/console/campaigns", status_code=303)


@router.post("/changes/{change_id}/reject")
def reject(
    request: Request,
    container: ContainerDep,
    viewer: Risk,
    change_id: str,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        campaigns_of(container).reject(
            change_id, reviewer=viewer.person.username, roles=roles_of(viewer), reason=reason
        )
    except (ChangeRefused, UnknownChange) as refused:
        return _page(request, container, viewer, refused=refused)
    return RedirectResponse("/console/campaigns", status_code=303)


def _page(
    request: Request, container: Container, viewer: Viewer, *, refused: Exception | None = None
) -> HTMLResponse:
    offers = container.programmes.active().programme.offers
    store = campaigns_of(container)
    status = 200 if refused is None else getattr(refused, "status", 404)
    return render(
        request,
        "campaigns.html",
        viewer,
        status,
        title="Campaigns",
        campaigns=store.views(offers) if offers else [],
        changes=store.changes(),
        refused=refused,
        is_manager=ConsoleRole.PRODUCT_MANAGER in viewer.person.roles,
        is_risk=ConsoleRole.RISK in viewer.person.roles,
    )
