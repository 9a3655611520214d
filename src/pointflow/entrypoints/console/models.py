"""The models page (risk, viewer): cards, metrics, calibration and lift, champion and challenger, drift."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from pointflow.entrypoints.api.deps import ContainerDep
from pointflow.entrypoints.console.auth import Viewer, require_roles
from pointflow.entrypoints.console.model_view import read_models
from pointflow.entrypoints.console.routes import render
from pointflow.governance.access import ConsoleRole

router = APIRouter(prefix="/console", include_in_schema=False)
ModelReader = Annotated[Viewer, Depends(require_roles(ConsoleRole.RISK, ConsoleRole.VIEWER))]


@router.get("/models")
async def models(request: Request, container: ContainerDep, viewer: ModelReader) -> HTMLResponse:
    panels = await run_in_threadpool(read_models, container)
    return render(request, "models.html", viewer, title="Models", panels=panels)
