"""`POST /v1/events/{connector}`: one native event or a JSON array of them, through the shared ingress."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from pointflow.bootstrap import Container
from pointflow.entrypoints.api.deps import ContainerDep, IngestKey
from pointflow.entrypoints.api.problems import Problem, problem_response
from pointflow.governance import signatures
from pointflow.service_layer.ingress import ItemResult
from pointflow.service_layer.ports import Connector, RawEvent

router = APIRouter(prefix="/v1", tags=["events"])


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Problem(413, "Payload too large", f"the body exceeds {limit} bytes", field="<body>")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise Problem(413, "Payload too large", f"the body exceeds {limit} bytes", field="<body>")
    return bytes(body)


def split_items(body: bytes, connector: Connector, max_items: int) -> tuple[list[RawEvent], bool]:
    """The connector cuts the body into items; an array or a multi-entry document answers per item."""
    items = connector.split(body)
    if not items:
        raise Problem(422, "Empty batch", "the body holds no events", field="<body>")
    if len(items) > max_items:
        raise Problem(413, "Batch too large", f"at most {max_items} events per request", field="<body>")
    return items, len(items) > 1 or body.lstrip().startswith(b"[")


_GENERIC_EVENT: dict[str, Any] = {
    "type": "object",
    "required": ["event_type", "transaction_id", "customer_id", "amount", "currency", "timestamp"],
    "properties": {
        "event_type": {
            "enum": [
                "transaction.posted",
                "transaction.reversed",
                "transaction.refunded",
                "transaction.chargeback",
            ]
        },
        "transaction_id": {"type": "string"},
        "account_id": {"type": "string"},
        "customer_id": {"type": "string"},
        "amount": {"type": ["number", "string"]},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "merchant_category_code": {"type": "string", "pattern": "^[0-9]{4}$"},
        "merchant_name": {"type": "string"},
        "merchant_country": {"type": "string"},
        "timestamp": {"type": "string", "format": "date-time"},
        "value_date": {"type": "string", "format": "date"},
        "direction": {"enum": ["debit", "credit"]},
        "transaction_type": {"type": "string"},
        "channel": {"type": "string"},
        "original_transaction_id": {"type": "string"},
    },
    "example": {
        "event_type": "transaction.posted",
        "transaction_id": "txn_789012",
        "account_id": "acc_123456",
        "customer_id": "cust_888",
        "amount": 149.99,
        "currency": "USD",
        "merchant_category_code": "5812",
        "merchant_name": "Premium Coffee Roasters",
        "timestamp": "2024-05-15T14:30:00Z",
    },
}
_BODY = {
    "required": True,
    "description": "One event, or a JSON array of events, in the connector's native format "
    "(shown: the generic connector; see docs/connectors/).",
    "content": {
        "application/json": {
            "schema": {"oneOf": [_GENERIC_EVENT, {"type": "array", "items": _GENERIC_EVENT}]}
        }
    },
}


_INGEST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "a batch's per-item results, or a duplicate with no second effect"},
    202: {"description": "accepted"},
    409: {"description": "conflicting duplicate (problem+json naming the field)"},
    413: {"description": "body or batch too large"},
    422: {"description": "invalid event (problem+json naming the field); quarantined"},
}


@router.post(
    "/events/{connector}",
    summary="Ingest one event or a batch (JSON array) in the connector's native format",
    responses=_INGEST_RESPONSES,
    openapi_extra={"requestBody": _BODY},
)
async def post_events(
    connector: str, request: Request, container: ContainerDep, caller: IngestKey
) -> JSONResponse:
    decoder = _connector(container, connector)
    limits = container.programmes.active().programme.limits  # cached; re-read at most once a second
    body = await read_body(request, min(container.settings.max_body_bytes, limits.max_body_bytes))
    return await ingest_body(request, decoder, body, f"api-key:{caller.id}", limits.max_batch_events)


@router.post(
    "/webhooks/{connector}",
    summary="A core platform's webhook, signed with HMAC-SHA256 (X-Pointflow-Signature: t=…,v1=…)",
    responses={
        401: {"description": "signature missing, stale or wrong (problem+json); the body is quarantined"},
        403: {"description": "no webhook secret is configured for this connector"},
        **_INGEST_RESPONSES,
    },
)
async def post_webhook(connector: str, request: Request, container: ContainerDep) -> JSONResponse:
    decoder = _connector(container, connector)
    secrets = container.settings.webhook_secrets.get(connector)
    if secrets is None:
        detail = f"webhooks for {connector!r} are not enabled: set it in POINTFLOW_WEBHOOK_SECRETS"
        raise Problem(403, "Webhook not enabled", detail, field="connector")
    limits = container.programmes.active().programme.limits
    body = await read_body(request, min(container.settings.max_body_bytes, limits.max_body_bytes))
    try:
        signatures.verify(
            [secret.get_secret_value() for secret in secrets],
            request.headers.get(signatures.HEADER),
            body,
            now=container.clock(),
            tolerance_seconds=container.settings.webhook_tolerance_seconds,
        )
    except signatures.SignatureInvalid as refused:
        qid = _quarantine_unsigned(container, connector, body, refused)
        return problem_response(401, refused.title, refused.detail, field=refused.field, quarantine_id=qid)
    return await ingest_body(request, decoder, body, f"webhook:{connector}", limits.max_batch_events)


def _connector(container: Container, name: str) -> Connector:
    decoder = container.connectors.get(name)
    if decoder is None:
        raise Problem(404, "Unknown connector", f"no connector named {name!r}", field="connector")
    return decoder


def _quarantine_unsigned(
    container: Container, connector: str, body: bytes, refused: signatures.SignatureInvalid
) -> str:
    """Kept, not applied: an operator can look, fix the sender's secret, and replay."""
    return container.quarantine.add(
        connector=connector,
        raw=body.decode("utf-8", errors="replace"),
        reason=f"signature: {refused.detail}",
        field=refused.field,
        source_id=None,
        at=container.clock(),
    )


async def ingest_body(
    request: Request, decoder: Connector, body: bytes, actor: str, max_items: int
) -> JSONResponse:
    """The one path from a request body to the ledger, shared by the API-key and the webhook routes."""
    items, is_batch = split_items(body, decoder, max_items)
    results = await request.app.state.batcher.submit(items, decoder, actor)
    _count(request, decoder.name, results)
    return _batch_response(results) if is_batch else _single_response(results[0])


def _count(request: Request, connector: str, results: list[ItemResult]) -> None:
    metrics = request.app.state.metrics
    for r in results:
        metrics.events.labels(connector, r.status).inc()
        if r.points > 0:
            metrics.points.inc(r.points)


def item_json(r: ItemResult) -> dict[str, Any]:
    body: dict[str, Any] = {
        "index": r.index,
        "transaction_id": r.source_id,
        "status": r.status,
        "points": r.points,
    }
    if r.detail:
        body["detail"] = r.detail
    if r.field:
        body["field"] = r.field
    if r.quarantine_id:
        body["quarantine_id"] = r.quarantine_id
    return body


def _single_response(r: ItemResult) -> JSONResponse:
    if r.status == "rejected":
        return problem_response(
            422, "Invalid event", r.detail or "rejected", field=r.field, quarantine_id=r.quarantine_id
        )
    if r.status == "conflict":
        return problem_response(
            409, "Conflicting duplicate", r.detail or "conflict", field=r.field, quarantine_id=r.quarantine_id
        )
    return JSONResponse(item_json(r), status_code=202 if r.status == "accepted" else 200)


def _batch_response(results: list[ItemResult]) -> JSONResponse:
    counts = {
        s: sum(1 for r in results if r.status == s)
        for s in ("accepted", "duplicate", "ignored", "conflict", "rejected")
    }
    return JSONResponse({"counts": counts, "results": [item_json(r) for r in results]}, status_code=200)
