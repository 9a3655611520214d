"""Operational endpoints: health, metrics and the active programme."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from pointflow.entrypoints.api.deps import ContainerDep, ReadKey

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness and readiness: the database answers and a programme is loaded")
def healthz(container: ContainerDep) -> dict[str, Any]:
    with container.db.reader.connect() as conn:
        conn.execute(text("SELECT 1"))
    active = container.programmes.active()
    return {"status": "ok", "programme": active.programme.id, "programme_version": active.version}


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/v1/programme", summary="The active programme: rules, tiers, rewards")
def programme(container: ContainerDep, _: ReadKey) -> dict[str, Any]:
    active = container.programmes.active()
    return {"version": active.version, **active.programme.model_dump(mode="json")}
