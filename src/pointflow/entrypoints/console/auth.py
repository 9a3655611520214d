"""Who is calling the console: a session cookie (with its CSRF token on every state change) or a bearer
JWT from the bank's identity provider; `CurrentUser` and `require_roles(...)` for the routes."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from pointflow.adapters.oidc import InvalidToken, OidcVerifier
from pointflow.config import Settings
from pointflow.entrypoints.api.deps import ContainerDep
from pointflow.entrypoints.api.problems import Problem
from pointflow.governance.access import ConsoleRole, Person
from pointflow.service_layer.console_auth import csrf_matches

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
LOGIN_COOKIE = "pf_login"
LOGIN_FORM_SECONDS = 3600


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person; `csrf_token` is None for bearer-token callers, who send no ambient credential."""

    person: Person
    csrf_token: str | None = None


class LoginRequired(Exception):
    """No session and no bearer token: a browser is sent to the log-in page."""


class Denied(Exception):
    """Signed in, but not allowed (a role is missing, or the CSRF token is)."""

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail, self.field = detail, field


def secure_cookies(settings: Settings) -> bool:
    return settings.environment != "development"


def session_cookie(settings: Settings) -> str:
    # The __Host- prefix makes the browser refuse the cookie unless Secure, host-only and Path=/.
    return "__Host-pf_session" if secure_cookies(settings) else "pf_session"


def set_cookie(response: Response, settings: Settings, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=secure_cookies(settings),
    )


def _session_viewer(request: Request, container: ContainerDep) -> Viewer:
    header = request.headers.get("authorization")
    if header is not None:
        return _bearer(header, container.oidc)
    token = request.cookies.get(session_cookie(container.settings))
    found = container.console.current(token) if token else None
    if found is None:
        raise LoginRequired()
    return Viewer(found.person, found.csrf_token)


def _bearer(header: str, oidc: OidcVerifier | None) -> Viewer:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Problem(401, "Unauthorized", "send 'Authorization: Bearer TOKEN'", field="Authorization")
    if oidc is None:
        raise Problem(401, "Unauthorized", "single sign-on is not configured", field="Authorization")
    try:
        return Viewer(oidc.verify(token.strip()))
    except InvalidToken as refused:
        raise Problem(401, "Unauthorized", str(refused), field="Authorization") from None


async def current_user(request: Request, viewer: Annotated[Viewer, Depends(_session_viewer)]) -> Viewer:
    """The caller; a state-changing request from a session must carry the session's CSRF token."""
    if request.method not in SAFE_METHODS and viewer.csrf_token is not None:
        given = request.headers.get(CSRF_HEADER)
        if given is None and _is_form(request):
            value = (await request.form()).get(CSRF_FIELD)
            given = value if isinstance(value, str) else None
        if not csrf_matches(viewer.csrf_token, given):
            raise Denied("the form's CSRF token is missing or wrong; reload the page", field=CSRF_FIELD)
    return viewer


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


CurrentUser = Annotated[Viewer, Depends(current_user)]


class RequireRoles:
    """A dependency that lets through people holding any of `roles` (admin always)."""

    def __init__(self, *roles: ConsoleRole) -> None:
        self.roles = frozenset(roles)

    def __call__(self, viewer: CurrentUser) -> Viewer:
        if not viewer.person.holds(self.roles):
            needed = " or ".join(sorted(r.value for r in self.roles | {ConsoleRole.ADMIN}))
            raise Denied(f"this page needs the {needed} role")
        return viewer


def require_roles(*roles: ConsoleRole) -> RequireRoles:
    return RequireRoles(*roles)


# The log-in form's own CSRF defence (there is no session yet): a random nonce in a cookie, and the same
# nonce signed with the session secret in the form, so a page elsewhere can neither read nor forge the pair.
def login_nonce() -> str:
    return secrets.token_urlsafe(24)


def sign_login_nonce(settings: Settings, nonce: str) -> str:
    return _serializer(settings).dumps(nonce)


def login_form_valid(settings: Settings, cookie: str | None, field: str | None) -> bool:
    if not cookie or not field:
        return False
    try:
        signed = _serializer(settings).loads(field, max_age=LOGIN_FORM_SECONDS)
    except BadSignature:
        return False
    return isinstance(signed, str) and hmac.compare_digest(signed.encode(), cookie.encode())


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.session_secret.get_secret_value(), salt="pointflow-console-login")
