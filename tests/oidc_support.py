"""A pretend identity provider for tests: keys made here, tokens signed with them, the JWKS as a file or
served on loopback."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ISSUER = "https://idp.bank.test/realms/staff"
AUDIENCE = "pointflow-console"
ROLE_MAP = {"loyalty-risk": ["risk"], "loyalty-marketing": ["marketing_ops", "viewer"]}


@dataclass
class Provider:
    rsa_key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    ec_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    def jwks(self) -> dict[str, Any]:
        rsa_jwk = json.loads(RSAAlgorithm.to_jwk(self.rsa_key.public_key()))
        ec_jwk = json.loads(ECAlgorithm.to_jwk(self.ec_key.public_key()))
        return {
            "keys": [
                rsa_jwk | {"kid": "rsa-1", "use": "sig", "alg": "RS256"},
                ec_jwk | {"kid": "ec-1", "use": "sig", "alg": "ES256"},
            ]
        }

    def write_jwks(self, folder: Path) -> Path:
        path = folder / "jwks.json"
        path.write_text(json.dumps(self.jwks()))
        return path

    def token(self, *, alg: str = "RS256", key: Any = None, **claims: Any) -> str:
        now = int(time.time())
        body = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "u-123",
            "preferred_username": "rita.risk",
            "groups": ["loyalty-risk"],
            "iat": now,
            "exp": now + 300,
        } | claims
        body = {k: v for k, v in body.items() if v is not None}
        signer = key or (self.rsa_key if alg == "RS256" else self.ec_key)
        kid = "rsa-1" if alg == "RS256" else "ec-1"
        return jwt.encode(body, signer, algorithm=alg, headers={"kid": kid})


def unsigned(**claims: Any) -> str:
    """An `alg: none` token with otherwise valid claims."""
    now = int(time.time())
    body = {"iss": ISSUER, "aud": AUDIENCE, "preferred_username": "mallory", "groups": ["loyalty-risk"]}
    return jwt.encode(body | {"exp": now + 300} | claims, None, algorithm="none", headers={"kid": "rsa-1"})


@contextmanager
def serving_jwks(jwks: dict[str, Any]) -> Iterator[str]:
    """The JWKS over HTTP on loopback; yields its URL."""
    body = json.dumps(jwks).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
