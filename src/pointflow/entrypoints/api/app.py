"""The FastAPI application: routes, problem responses, metrics."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pointflow.bootstrap import Container
from pointflow.entrypoints import console
from pointflow.entrypoints.api import events, members, offers, ops, problems
from pointflow.entrypoints.api.batching import IngestBatcher, Process
from pointflow.entrypoints.api.metrics import Metrics
from pointflow.service_layer.ingress import ItemResult, receive
from pointflow.service_layer.ports import Connector, RawEvent


def create_app(container: Container) -> FastAPI:
    batcher = IngestBatcher(_processor(container))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        batcher.start()
        yield
        await batcher.stop()

    app = FastAPI(
        title="pointflow",
        version="0.1.0",
        description="Real-time loyalty points beside the core banking platform.",
        lifespan=lifespan,
    )
    app.state.container = container
    app.state.batcher = batcher
    app.state.metrics = Metrics()
    problems.install(app)
    app.include_router(ops.router)
    app.include_router(events.router)
    app.include_router(members.router)
    app.include_router(offers.router)
    console.install(app)

    app.add_middleware(TimingMiddleware, metrics=app.state.metrics)
    return app


def _processor(container: Container) -> Process:
    def process(items: list[RawEvent], connector: Connector, actor: str) -> list[ItemResult]:
        return receive(
            items,
            connector=connector,
            deps=container.ledger_deps(),
            quarantine=container.quarantine,
            actor=actor,
        )

    return process


class TimingMiddleware:
    """Request latency by route template, as plain ASGI (no per-request task or body copy)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            elapsed = time.perf_counter() - started
            self.metrics.latency.labels(route, scope["method"], str(status)).observe(elapsed)
