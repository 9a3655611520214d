"""The approval queue (marketing_ops): pending offers with their terms, why they wait and what the model
said; approve or reject with a reason. The commands audit and refuse a proposer deciding their own offer."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pointflow.adapters.db.approval_reads import pending_count, pending_reviews
from pointflow.domain.errors import DomainError
from pointflow.domain.money import UNITS_PER_MAJOR
from pointflow.domain.offers import SelfApproval, UnknownOffer
from pointflow.entrypoints.api.deps import ContainerDep
from pointflow.entrypoints.console.auth import Viewer, require_roles
from pointflow.entrypoints.console.paging import MAX_OFFSET, PAGE_SIZE, Pager, echoed_id
from pointflow.entrypoints.console.routes import render
from pointflow.governance.access import ConsoleRole
from pointflow.service_layer.offer_commands import Decide, approve, reject

router = APIRouter(prefix="/console", include_in_schema=False)
Approver = Annotated[Viewer, Depends(require_roles(ConsoleRole.MARKETING_OPS))]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
Reason = Annotated[str, Form()]
PATH = "/console/approvals"
REASON_MIN, REASON_MAX = 3, 500


def actor(viewer: Viewer) -> str:
    """How a console person appears as proposer, approver and in the audit log."""
    return f"console:{viewer.person.username}"


@router.get("/approvals")
def approvals(
    request: Request,
    container: ContainerDep,
    viewer: Approver,
    offset: Offset = 0,
    done: str = "",
    offer: str = "",
) -> HTMLResponse:
    notice = f"Offer {offer} {done}." if done in ("approved", "rejected") and echoed_id(offer) else None
    return _queue(request, container, viewer, offset=offset, notice=notice)


@router.post("/approvals/{offer_id}/approve")
async def approve_offer(
    request: Request,
    offer_id: str,
    container: ContainerDep,
    viewer: Approver,
    reason: Reason = "",
    proposal_hash: Reason = "",
) -> Response:
    return await _decide(request, container, viewer, offer_id, reason, proposal_hash, approving=True)


@router.post("/approvals/{offer_id}/reject")
async def reject_offer(
    request: Request,
    offer_id: str,
    container: ContainerDep,
    viewer: Approver,
    reason: Reason = "",
    proposal_hash: Reason = "",
) -> Response:
    return await _decide(request, container, viewer, offer_id, reason, proposal_hash, approving=False)


async def _decide(
    request: Request,
    container: ContainerDep,
    viewer: Viewer,
    offer_id: str,
    reason: str,
    seen_hash: str,
    *,
    approving: bool,
) -> Response:
    reason = reason.strip()
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        error = f"Give a reason of {REASON_MIN} to {REASON_MAX} characters."
        return _queue(request, container, viewer, error=error, error_for=offer_id, reason=reason, status=422)
    command = Decide(offer_id, actor(viewer), reason, seen_hash or None)
    try:
        await run_in_threadpool(approve if approving else reject, command, container.offer_deps())
    except DomainError as refused:
        status = (
            403 if isinstance(refused, SelfApproval) else 404 if isinstance(refused, UnknownOffer) else 409
        )
        return _queue(
            request, container, viewer, error=refused.detail, error_for=offer_id, reason=reason, status=status
        )
    done = "approved" if approving else "rejected"
    return RedirectResponse(f"{PATH}?done={done}&offer={offer_id}", status_code=303)


def _queue(
    request: Request,
    container: ContainerDep,
    viewer: Viewer,
    *,
    offset: int = 0,
    notice: str | None = None,
    error: str | None = None,
    error_for: str = "",
    reason: str = "",
    status: int = 200,
) -> HTMLResponse:
    with container.db.reader.connect() as conn:
        total = pending_count(conn)
        reviews = pending_reviews(conn, limit=PAGE_SIZE, offset=offset)
    return render(
        request,
        "approvals.html",
        viewer,
        status,
        title="Approval queue",
        reviews=reviews,
        pager=Pager(PATH, offset, total),
        me=actor(viewer),
        notice=notice,
        error=error,
        error_for=error_for,
        reason=reason,
        money=lambda units: Decimal(units) / UNITS_PER_MAJOR,
    )
