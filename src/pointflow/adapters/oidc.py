"""Bearer JWTs from the bank's identity provider (OIDC): signature by its published keys, issuer, audience,
expiry and algorithm checked with PyJWT; the provider's groups mapped to console roles."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import jwt

from pointflow.governance.access import Person, roles_from_claim


class InvalidToken(Exception):
    """The bearer token was refused; the message says why (never the token itself)."""


class KeySource(Protocol):
    def key_for(self, token: str) -> Any:
        """The public key that must have signed `token` (by its `kid`)."""
        ...


class UrlKeys:
    """The provider's JWKS from its URL, cached (PyJWKClient refetches when it meets an unknown `kid`)."""

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        self.client = jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=int(timeout))

    def key_for(self, token: str) -> Any:
        return self.client.get_signing_key_from_jwt(token).key


class FileKeys:
    """A JWKS read once from a file, for providers whose keys are distributed out of band."""

    def __init__(self, path: Path) -> None:
        self.keys = jwt.PyJWKSet.from_dict(json.loads(path.read_text(encoding="utf-8")))

    def key_for(self, token: str) -> Any:
        kid = jwt.get_unverified_header(token).get("kid")
        for key in self.keys.keys:
            if key.key_id == kid:
                return key.key
        raise InvalidToken(f"no key with kid {kid!r} in the configured JWKS")


@dataclass(frozen=True)
class OidcVerifier:
    keys: KeySource
    issuer: str
    audience: str
    algorithms: Sequence[str]
    username_claim: str
    roles_claim: str
    role_map: Mapping[str, Sequence[str]]
    leeway_seconds: int = 30

    def verify(self, token: str) -> Person:
        """The person the token names, with the console roles its groups map to; raises InvalidToken."""
        try:
            algorithm = jwt.get_unverified_header(token).get("alg")
            # Checked before any key is looked up: "none" and HMAC algorithms never reach a verifier.
            if algorithm not in self.algorithms:
                raise InvalidToken(f"algorithm {algorithm!r} is not accepted")
            claims = jwt.decode(
                token,
                self.keys.key_for(token),
                algorithms=list(self.algorithms),
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_seconds,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(_reason(error)) from None
        username = claims.get(self.username_claim) or claims.get("sub")
        if not isinstance(username, str) or not username:
            raise InvalidToken(f"the token names no user ({self.username_claim} or sub)")
        return Person(username, roles_from_claim(claims.get(self.roles_claim), self.role_map), via="oidc")


def _reason(error: jwt.PyJWTError) -> str:
    reasons: list[tuple[type[jwt.PyJWTError], str]] = [
        (jwt.ExpiredSignatureError, "the token has expired"),
        (jwt.InvalidAudienceError, "the token is for another audience"),
        (jwt.InvalidIssuerError, "the token is from another issuer"),
        (jwt.InvalidSignatureError, "the token's signature does not verify"),
        (jwt.MissingRequiredClaimError, f"the token lacks a required claim: {error}"),
        (jwt.PyJWKClientError, "the provider's keys could not be read or hold no matching key"),
    ]
    for kind, reason in reasons:
        if isinstance(error, kind):
            return reason
    return f"the token is not valid ({type(error).__name__})"
