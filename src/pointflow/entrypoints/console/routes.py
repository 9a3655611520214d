"""The console's routes: log in, log out, the overview. Plain HTML forms: no page needs JavaScript."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from pointflow.entrypoints.api.deps import ContainerDep
from pointflow.entrypoints.console.auth import (
    CSRF_FIELD,
    LOGIN_COOKIE,
    LOGIN_FORM_SECONDS,
    CurrentUser,
    Viewer,
    login_form_valid,
    login_nonce,
    require_roles,
    session_cookie,
    set_cookie,
    sign_login_nonce,
)
from pointflow.entrypoints.console.overview import read_overview
from pointflow.entrypoints.console.pages import EVERY_ROLE, navigation
from pointflow.service_layer.console_auth import SignedIn

templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
router = APIRouter(prefix="/console", include_in_schema=False)

AnyRole = Annotated[Viewer, Depends(require_roles(*EVERY_ROLE))]
REFUSED = "Wrong username or password, or the account is locked for a while. Try again later."


def render(
    request: Request, name: str, viewer: Viewer | None, status: int = 200, **context: Any
) -> HTMLResponse:
    """A page in the layout: the navigation the viewer's roles allow and the CSRF token for its forms."""
    base = {
        "viewer": viewer,
        "nav": navigation(viewer.person) if viewer else [],
        "csrf_token": viewer.csrf_token if viewer else None,
        "csrf_field": CSRF_FIELD,
    }
    return templates.TemplateResponse(request, name, base | context, status_code=status)


@router.get("/login")
def login_page(request: Request, container: ContainerDep, next: str = "/console/") -> HTMLResponse:
    return _login_form(request, container, next_path=next)


@router.post("/login")
def log_in(
    request: Request,
    container: ContainerDep,
    username: Annotated[str, Form(max_length=128)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=512)] = "",
    next: Annotated[str, Form(max_length=512)] = "/console/",
) -> Response:
    settings = container.settings
    if not login_form_valid(settings, request.cookies.get(LOGIN_COOKIE), csrf_token):
        return _login_form(
            request, container, next_path=next, error="The form expired; please try again.", status=403
        )
    outcome = container.console.log_in(username.strip(), password)
    if not isinstance(outcome, SignedIn):
        return _login_form(request, container, next_path=next, error=REFUSED, status=401, username=username)
    response = RedirectResponse(_safe_next(next), status_code=303)
    lifetime = int(settings.session_hours * 3600)
    set_cookie(response, settings, session_cookie(settings), outcome.token, lifetime)
    response.delete_cookie(LOGIN_COOKIE, path="/")
    return response


@router.post("/logout")
def log_out(request: Request, container: ContainerDep, _: CurrentUser) -> Response:
    token = request.cookies.get(session_cookie(container.settings))
    if token:
        container.console.log_out(token)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(session_cookie(container.settings), path="/")
    return response


@router.get("/")
def overview(request: Request, container: ContainerDep, viewer: AnyRole) -> HTMLResponse:
    return render(request, "overview.html", viewer, title="Overview", figures=read_overview(container))


def _login_form(
    request: Request,
    container: ContainerDep,
    *,
    next_path: str,
    error: str | None = None,
    status: int = 200,
    username: str = "",
) -> HTMLResponse:
    nonce = login_nonce()
    response = render(
        request,
        "login.html",
        None,
        status,
        title="Log in",
        login_token=sign_login_nonce(container.settings, nonce),
        next_path=_safe_next(next_path),
        error=error,
        username=username,
    )
    set_cookie(response, container.settings, LOGIN_COOKIE, nonce, LOGIN_FORM_SECONDS)
    return response


def _safe_next(path: str) -> str:
    """Only a console path of this site: never another host (no open redirect)."""
    if path.startswith("/console/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/console/"
