"""The fairness page (risk): the newest fairness report, each group's rates, parity ratios, and the groups
out of the configured band highlighted with the alerts the job raised."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from pointflow.adapters.db.governance_store import latest_fairness, recent_alerts
from pointflow.entrypoints.api.deps import ContainerDep
from pointflow.entrypoints.console.auth import Viewer, require_roles
from pointflow.entrypoints.console.routes import render
from pointflow.governance.access import ConsoleRole

router = APIRouter(prefix="/console", include_in_schema=False)
RiskReader = Annotated[Viewer, Depends(require_roles(ConsoleRole.RISK))]


@router.get("/fairness")
def fairness(request: Request, container: ContainerDep, viewer: RiskReader) -> HTMLResponse:
    with container.db.reader.connect() as conn:
        report = latest_fairness(conn)
        alerts = recent_alerts(conn, kind="fairness", since=report["as_of"]) if report else []
    return render(request, "fairness.html", viewer, title="Fairness", report=report, alerts=alerts)
