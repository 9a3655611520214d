"""RFC 9457 problem responses: every error the API returns names the field and the reason."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from pointflow.adapters.db.programme_store import NoProgramme
from pointflow.domain import errors
from pointflow.domain import offers as offer_errors
from pointflow.service_layer.ports import WriteConflict

PROBLEM_JSON = "application/problem+json"

_STATUS: dict[type[errors.DomainError], int] = {
    errors.InvalidEvent: 422,
    errors.DuplicateConflict: 409,
    errors.InsufficientPoints: 409,
    errors.IdempotencyConflict: 409,
    errors.UnknownReward: 422,
    errors.UnknownTransaction: 404,
    errors.UnbalancedPosting: 422,
    offer_errors.UnknownOffer: 404,
    offer_errors.OfferStateError: 409,
    offer_errors.SelfApproval: 403,
    offer_errors.ProposalChanged: 409,
    offer_errors.OfferRefused: 409,
}


class Problem(Exception):
    """An HTTP problem raised from a route: status, title, detail and the field at fault."""

    def __init__(
        self, status: int, title: str, detail: str, *, field: str | None = None, **extra: Any
    ) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.field, self.extra = status, title, detail, field, extra


def problem_response(
    status: int, title: str, detail: str, *, field: str | None = None, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if field is not None:
        body["field"] = field
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.title, exc.detail, field=exc.field, **exc.extra)

    @app.exception_handler(errors.DomainError)
    async def _domain(_: Request, exc: errors.DomainError) -> JSONResponse:
        return problem_response(_STATUS.get(type(exc), 422), exc.title, exc.detail, field=exc.field)

    @app.exception_handler(NoProgramme)
    async def _no_programme(_: Request, exc: NoProgramme) -> JSONResponse:
        return problem_response(503, "No programme loaded", str(exc))

    @app.exception_handler(WriteConflict)
    async def _write_conflict(_: Request, exc: WriteConflict) -> JSONResponse:
        return problem_response(503, "Busy", f"concurrent writers kept colliding; retry ({exc})")

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        field = ".".join(str(p) for p in first["loc"] if p not in ("body", "query", "path", "header"))
        return problem_response(422, "Invalid request", str(first["msg"]), field=field or None)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(exc.status_code, "HTTP error", str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        return problem_response(
            500, "Internal error", f"unexpected {type(exc).__name__}; see the service log"
        )
