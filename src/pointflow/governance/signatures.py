"""Signed webhooks: HMAC-SHA256 over the timestamp and the exact body, refused outside a replay window."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from pointflow.domain.errors import DomainError

HEADER = "X-Pointflow-Signature"


class SignatureInvalid(DomainError):
    """A webhook whose signature is missing, malformed, stale or wrong."""

    title = "Signature invalid"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The header value a sender puts on `body`: `t=<unix seconds>,v1=<hex HMAC-SHA256>`."""
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def verify(
    secrets: list[str], header: str | None, body: bytes, *, now: datetime, tolerance_seconds: int
) -> None:
    """Accept if any v1 matches any secret (so that secrets rotate without downtime) within the window."""
    timestamp, signatures = _parse(header)
    age = now.timestamp() - timestamp
    if abs(age) > tolerance_seconds:
        raise SignatureInvalid(
            f"the signature's timestamp is {int(age)} s from now; at most {tolerance_seconds} s is accepted",
            field=HEADER,
        )
    expected = [_digest(secret, timestamp, body) for secret in secrets]
    if not any(hmac.compare_digest(e, s) for e in expected for s in signatures):
        raise SignatureInvalid("no v1 signature matches the body with a configured secret", field=HEADER)


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def _parse(header: str | None) -> tuple[int, list[str]]:
    if not header:
        raise SignatureInvalid(f"the {HEADER} header is required", field=HEADER)
    parts = [p.partition("=") for p in header.split(",")]
    stamps = [v.strip() for k, _, v in parts if k.strip() == "t"]
    signatures = [v.strip() for k, _, v in parts if k.strip() == "v1"]
    if len(stamps) != 1 or not stamps[0].isdigit() or not signatures:
        raise SignatureInvalid(f"{HEADER} must look like t=<unix seconds>,v1=<hex digest>", field=HEADER)
    return int(stamps[0]), signatures
