"""Bearer JWTs from the identity provider: the valid one names a person with mapped roles; every kind of
bad one is refused with the reason."""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from pointflow.adapters.oidc import FileKeys, InvalidToken, KeySource, OidcVerifier, UrlKeys
from pointflow.governance.access import ConsoleRole
from tests.oidc_support import AUDIENCE, ISSUER, ROLE_MAP, Provider, serving_jwks, unsigned


@pytest.fixture(scope="module")
def provider() -> Provider:
    return Provider()


@pytest.fixture(params=["file", "url"])
def keys(request: pytest.FixtureRequest, provider: Provider, tmp_path: Path) -> Iterator[KeySource]:
    if request.param == "file":
        yield FileKeys(provider.write_jwks(tmp_path))
        return
    with serving_jwks(provider.jwks()) as url:
        yield UrlKeys(url)


@pytest.fixture
def verifier(keys: KeySource) -> OidcVerifier:
    return OidcVerifier(
        keys=keys,
        issuer=ISSUER,
        audience=AUDIENCE,
        algorithms=("RS256", "ES256"),
        username_claim="preferred_username",
        roles_claim="groups",
        role_map=ROLE_MAP,
        leeway_seconds=0,
    )


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_a_valid_token_names_the_person_with_the_mapped_roles(
    verifier: OidcVerifier, provider: Provider, alg: str
) -> None:
    person = verifier.verify(provider.token(alg=alg, groups=["loyalty-marketing", "unrelated"]))
    assert person.username == "rita.risk"
    assert person.roles == {ConsoleRole.MARKETING_OPS, ConsoleRole.VIEWER}
    assert person.via == "oidc"


def test_without_a_username_claim_the_subject_names_the_person(
    verifier: OidcVerifier, provider: Provider
) -> None:
    assert verifier.verify(provider.token(preferred_username=None)).username == "u-123"


@functools.cache
def another_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(65537, 2048)


def bad_tokens(provider: Provider) -> dict[str, tuple[str, str]]:
    other = another_key()
    now = int(time.time())
    return {
        "expired": (provider.token(exp=now - 60, iat=now - 600), "expired"),
        "wrong audience": (provider.token(aud="another-app"), "audience"),
        "wrong issuer": (provider.token(iss="https://evil.example/"), "issuer"),
        "bad signature": (provider.token(key=other), "signature"),
        "alg none": (unsigned(), "algorithm 'none'"),
        "HS256": (
            jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "exp": now + 60}, "k" * 32, algorithm="HS256"),
            "algorithm 'HS256'",
        ),
        "no expiry": (provider.token(exp=None), "exp"),
        "not a JWT": ("pf_admin_abc", "not valid"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "expired",
        "wrong audience",
        "wrong issuer",
        "bad signature",
        "alg none",
        "HS256",
        "no expiry",
        "not a JWT",
    ],
)
def test_bad_tokens_are_refused_with_the_reason(
    verifier: OidcVerifier, provider: Provider, case: str
) -> None:
    token, reason = bad_tokens(provider)[case]
    with pytest.raises(InvalidToken, match=reason):
        verifier.verify(token)
