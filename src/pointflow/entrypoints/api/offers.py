"""Offer endpoints: the approval queue (marketing role), accepting an offer, a member's decision records."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from pointflow.adapters.db import offer_views
from pointflow.entrypoints.api.deps import ContainerDep, MarketingKey, ReadKey, RedeemKey
from pointflow.entrypoints.api.members import CustomerId
from pointflow.entrypoints.api.problems import Problem
from pointflow.service_layer.offer_commands import Decide, accept, approve, reject
from pointflow.service_layer.offer_ports import StoredOffer

router = APIRouter(tags=["offers"])
OfferId = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")]


class Approval(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=3, max_length=500)
    proposal_hash: str = Field(
        min_length=64,
        max_length=64,
        pattern=r"^[0-9a-f]{64}$",
        description="the hash of the proposal you reviewed",
    )


class Rejection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=3, max_length=500)


def offer_body(offer: StoredOffer) -> dict[str, Any]:
    return {
        "offer_id": offer.id,
        "offer_code": offer.offer_code,
        "kind": offer.kind,
        "campaign": offer.campaign,
        "channel": offer.channel,
        "state": offer.state,
        "terms": dict(offer.terms),
        "proposal_hash": offer.proposal_hash,
        "approval_reasons": list(offer.approval_reasons),
        "proposed_by": offer.proposed_by,
        "approval_due": None if offer.approval_due is None else offer.approval_due.isoformat(),
        "valid_from": offer.valid_from.isoformat(),
        "valid_until": offer.valid_until.isoformat(),
        "decision_id": offer.decision_id,
    }


@router.get("/v1/offers/approvals", summary="Offers waiting for a person's approval, oldest due first")
def list_pending(
    container: ContainerDep, _: MarketingKey, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> dict[str, Any]:
    with container.db.reader.connect() as conn:
        pending = offer_views.pending(conn, limit)
    return {"pending": [offer_body(o) for o in pending]}


@router.post("/v1/offers/{offer_id}/approve", summary="Approve a pending offer: it is issued at once")
async def post_approve(
    offer_id: OfferId, body: Approval, container: ContainerDep, caller: MarketingKey
) -> dict[str, Any]:
    command = Decide(offer_id, f"api-key:{caller.id}", body.reason, body.proposal_hash)
    return offer_body(await run_in_threadpool(approve, command, container.offer_deps()))


@router.post("/v1/offers/{offer_id}/reject", summary="Reject a pending offer with a reason")
async def post_reject(
    offer_id: OfferId, body: Rejection, container: ContainerDep, caller: MarketingKey
) -> dict[str, Any]:
    command = Decide(offer_id, f"api-key:{caller.id}", body.reason)
    return offer_body(await run_in_threadpool(reject, command, container.offer_deps()))


@router.post("/v1/members/{customer_id}/offers/{offer_id}/accept", summary="The member takes an issued offer")
async def post_accept(
    customer_id: CustomerId, offer_id: OfferId, container: ContainerDep, caller: RedeemKey
) -> dict[str, Any]:
    taken = await run_in_threadpool(
        accept, customer_id, offer_id, container.offer_deps(), actor=f"api-key:{caller.id}"
    )
    return offer_body(taken)


@router.get("/v1/members/{customer_id}/offers", summary="The member's offers, newest first")
def list_offers(customer_id: CustomerId, container: ContainerDep, _: ReadKey) -> dict[str, Any]:
    with container.db.reader.connect() as conn:
        found = offer_views.member_offers(conn, container.tokeniser.token(customer_id))
    return {"customer_id": customer_id, "offers": [offer_body(o) for o in found]}


@router.get("/v1/members/{customer_id}/decisions/{decision_id}", summary="An offer decision, in words")
def get_decision(
    customer_id: CustomerId, decision_id: OfferId, container: ContainerDep, _: ReadKey
) -> dict[str, Any]:
    with container.db.reader.connect() as conn:
        found = offer_views.decision(conn, container.tokeniser.token(customer_id), decision_id)
    if found is None:
        raise Problem(
            404, "Unknown decision", f"no decision {decision_id} for this member", field="decision_id"
        )
    return {"customer_id": customer_id, **found}
