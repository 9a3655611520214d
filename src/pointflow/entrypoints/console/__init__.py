"""The web console, mounted at /console: server-rendered pages for the bank's people (docs/console.md)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from pointflow.entrypoints.api.problems import problem_response
from pointflow.entrypoints.console import (
    approvals,
    audit,
    campaigns,
    fairness,
    members,
    models,
    outbox,
    programme,
    quarantine,
)
from pointflow.entrypoints.console.auth import Denied, LoginRequired
from pointflow.entrypoints.console.routes import render, router

PAGE_ROUTERS = (approvals, members, programme, campaigns, models, fairness, audit, outbox, quarantine)

STATIC = Path(__file__).with_name("static")


def install(app: FastAPI) -> None:
    """Add the console's routes, its static files and how it answers the signed-out and the refused."""
    app.include_router(router)
    for page in PAGE_ROUTERS:
        app.include_router(page.router)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, _: LoginRequired) -> Response:
        if request.method == "GET":
            target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
            return RedirectResponse(f"/console/login?next={target}", status_code=303)
        return problem_response(401, "Unauthorized", "log in first", field="session")

    @app.exception_handler(Denied)
    async def _denied(request: Request, exc: Denied) -> Response:
        if "text/html" in request.headers.get("accept", ""):
            return render(request, "denied.html", None, 403, title="Not allowed", detail=exc.detail)
        return problem_response(403, "Forbidden", exc.detail, field=exc.field)
