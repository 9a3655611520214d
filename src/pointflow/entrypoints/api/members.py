"""Member read endpoints and redemptions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from pointflow.adapters.db import views
from pointflow.bootstrap import Container
from pointflow.entrypoints.api.deps import AdminKey, ContainerDep, ReadKey, RedeemKey
from pointflow.entrypoints.api.problems import Problem
from pointflow.service_layer.adjustment import Adjust, adjust
from pointflow.service_layer.redemption import Redeem, redeem

router = APIRouter(prefix="/v1/members", tags=["members"])

CustomerId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[\w.:\-/#@+]+$")]


class AdjustmentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    points: int = Field(ge=-10_000_000, le=10_000_000, description="positive credits, negative debits; not 0")
    reason: str = Field(min_length=3, max_length=200)


class RedemptionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reward_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(default=1, ge=1, le=100)
    account_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="the member's account at the core that a cashback reward is credited to",
    )


def _token(container: Container, customer_id: str) -> str:
    return container.tokeniser.token(customer_id)


def _read(container: Container, fn: Any, *args: Any, **kwargs: Any) -> Any:
    with container.db.reader.connect() as conn:
        return fn(conn, *args, **kwargs)


@router.get("/{customer_id}", summary="Balances, points expiring by date, tier")
def get_member(customer_id: CustomerId, container: ContainerDep, _: ReadKey) -> dict[str, Any]:
    summary = _read(container, views.member_summary, _token(container, customer_id))
    if summary is None:
        raise Problem(404, "Unknown member", f"no member {customer_id}", field="customer_id")
    return {"customer_id": customer_id, **summary}


@router.get("/{customer_id}/ledger", summary="The member's postings, newest first")
def get_ledger(
    customer_id: CustomerId,
    container: ContainerDep,
    _: ReadKey,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    before: Annotated[str | None, Query(max_length=32, pattern=r"^[0-9a-f]+$")] = None,
) -> dict[str, Any]:
    entries = _read(
        container, views.member_ledger, _token(container, customer_id), limit=limit, before=before
    )
    following = entries[-1]["posting_id"] if len(entries) == limit else None
    return {"customer_id": customer_id, "entries": entries, "next_before": following}


@router.get(
    "/{customer_id}/transactions/{transaction_id}/explanation",
    summary="Which rules fired for a transaction, which were excluded or capped, and why",
)
def get_explanation(
    customer_id: CustomerId, transaction_id: CustomerId, container: ContainerDep, _: ReadKey
) -> dict[str, Any]:
    found: dict[str, Any] | None = _read(
        container, views.explanation, _token(container, customer_id), transaction_id
    )
    if found is None:
        raise Problem(
            404,
            "Unknown transaction",
            f"no accrued transaction {transaction_id} for this member",
            field="transaction_id",
        )
    return found


@router.get(
    "/{customer_id}/scores",
    summary="The member's latest redemption-propensity score, its top contributions and what caused it",
    description=(
        "Scored at the end of the commit group that last changed the member, in the same transaction: "
        "`source` is `model:<name>/<version>` or `fallback-rule` (then `low_confidence` is true and "
        "`reasons` say why). `contributions` are the top features by their log-odds contribution "
        "(`explained_by: path`), or, for the rule, the input it used (`explained_by: rule`)."
    ),
    responses={404: {"description": "Unknown member, or a member not scored yet"}},
)
def get_scores(customer_id: CustomerId, container: ContainerDep, _: ReadKey) -> dict[str, Any]:
    token = _token(container, customer_id)
    if _read(container, views.member_summary, token) is None:
        raise Problem(404, "Unknown member", f"no member {customer_id}", field="customer_id")
    latest = _read(container, views.latest_score, token)
    if latest is None:
        raise Problem(404, "Not scored yet", f"member {customer_id} has no score yet", field="customer_id")
    return {"customer_id": customer_id, "latest": latest}


@router.post("/{customer_id}/redemptions", status_code=201, summary="Redeem points for a catalogue reward")
async def post_redemption(
    customer_id: CustomerId,
    body: RedemptionRequest,
    request: Request,
    container: ContainerDep,
    caller: RedeemKey,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)] = None,
) -> JSONResponse:
    if not idempotency_key:
        raise Problem(
            400, "Missing Idempotency-Key", "send an Idempotency-Key header", field="Idempotency-Key"
        )
    command = Redeem(customer_id, body.reward_id, body.quantity, idempotency_key, body.account_id)
    try:
        done = await run_in_threadpool(
            redeem,
            command,
            deps=container.ledger_deps(),
            actor=f"api-key:{caller.id}",
        )
    except Exception:
        request.app.state.metrics.redemptions.labels("refused").inc()
        raise
    request.app.state.metrics.redemptions.labels("replayed" if done.replayed else "redeemed").inc()
    payload = {
        "redemption_id": done.id,
        "reward_id": done.reward_id,
        "quantity": done.quantity,
        "points": done.points,
        "value": str(done.value),
        "currency": done.currency,
        "available_after": done.available_after,
        "replayed": done.replayed,
    }
    return JSONResponse(payload, status_code=200 if done.replayed else 201)


@router.post("/{customer_id}/adjustments", status_code=201, summary="Credit or debit points by hand (admin)")
async def post_adjustment(
    customer_id: CustomerId,
    body: AdjustmentRequest,
    container: ContainerDep,
    caller: AdminKey,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)] = None,
) -> JSONResponse:
    if not idempotency_key:
        raise Problem(
            400, "Missing Idempotency-Key", "send an Idempotency-Key header", field="Idempotency-Key"
        )
    done = await run_in_threadpool(
        adjust,
        Adjust(customer_id, body.points, body.reason, idempotency_key),
        deps=container.ledger_deps(),
        actor=f"api-key:{caller.id}",
    )
    payload = {
        "posting_id": done.posting_id,
        "points": done.points,
        "available_after": done.available_after,
        "replayed": done.replayed,
    }
    return JSONResponse(payload, status_code=200 if done.replayed else 201)
