"""The FastAPI application: routes, problem responses, metrics."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from pointflow.bootstrap import Container
from pointflow.entrypoints.api import events, members, ops, problems
from pointflow.entrypoints.api.metrics import Metrics


def create_app(container: Container) -> FastAPI:
    app = FastAPI(
        title="pointflow",
        version="0.1.0",
        description="Real-time loyalty points beside the core banking platform.",
    )
    app.state.container = container
    app.state.metrics = Metrics()
    problems.install(app)
    app.include_router(ops.router)
    app.include_router(events.router)
    app.include_router(members.router)

    @app.middleware("http")
    async def _timing(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        app.state.metrics.latency.labels(path, request.method, str(response.status_code)).observe(
            time.perf_counter() - started
        )
        return response

    return app
