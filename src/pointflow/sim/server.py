"""The sandbox bank over HTTP: a platform's API (customer master, balances, write-backs) as an ASGI app."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pointflow.adapters.core_http import json_bytes
from pointflow.sim.platforms import SandboxPlatform
from pointflow.sim.sandbox import SandboxBank


def sandbox_app(platform: SandboxPlatform, bank: SandboxBank, *, reply_delay: float = 0.0) -> Starlette:
    """`reply_delay` holds each answer after the bank has acted, to widen the window in which a caller can
    die between the bank applying a write-back and the caller hearing so (the at-least-once test)."""

    async def applied(_: Request) -> JSONResponse:
        rows = [
            {"key": a.key, "kind": a.kind, "customer_id": a.customer_id, "deliveries": bank.deliveries[a.key]}
            for a in bank.applied()
        ]
        return JSONResponse({"platform": platform.name, "write_backs": rows})

    async def call(request: Request) -> Response:
        raw = await request.body()
        try:
            body: Any = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            return JSONResponse({"error": "bad_request", "detail": "body is not JSON"}, status_code=400)
        path = f"{request.url.path}?{request.url.query}" if request.url.query else request.url.path
        status, answer = platform.answer(request.method, path, body, bank, dict(request.headers))
        if reply_delay:
            await asyncio.sleep(reply_delay)
        if status in (204, 304) or answer is None:
            return Response(status_code=status)  # no body may follow these
        return Response(json_bytes(answer), status_code=status, media_type="application/json")

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    return Starlette(
        routes=[
            Route("/_sandbox/write-backs", applied, methods=["GET"]),
            Route("/{path:path}", call, methods=methods),
        ]
    )
