"""The console over real HTTP (uvicorn on loopback): log in, read a page, log out; a state change without
the CSRF token is refused. Cookies are carried by hand to check the attributes the server sets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from http.cookies import SimpleCookie

import httpx
import pytest

from pointflow.bootstrap import Container
from pointflow.entrypoints.api.app import create_app
from pointflow.governance.access import ConsoleRole
from tests.console_support import csrf_in, make_user
from tests.servers import serving


@pytest.fixture
def server(container: Container) -> Iterator[str]:
    with serving(create_app(container)) as url:
        yield url


def cookie_from(response: httpx.Response, name: str) -> tuple[str, str]:
    for header in response.headers.get_list("set-cookie"):
        jar = SimpleCookie(header)
        if name in jar:
            return jar[name].value, header
    raise AssertionError(f"no {name} cookie in {response.headers.get_list('set-cookie')}")


def test_log_in_read_the_overview_refuse_a_forged_post_and_log_out(server: str, container: Container) -> None:
    username, password = make_user(container, ConsoleRole.PRODUCT_MANAGER)
    with httpx.Client(base_url=server, timeout=10) as http:
        form = http.get("/console/login")
        assert form.status_code == 200
        assert 'for="username"' in form.text
        assert 'for="password"' in form.text
        nonce, _ = cookie_from(form, "pf_login")
        signed_in = http.post(
            "/console/login",
            data={"username": username, "password": password, "csrf_token": csrf_in(form.text)},
            headers={"Cookie": f"pf_login={nonce}"},
        )
        assert signed_in.status_code == 303
        assert signed_in.headers["location"] == "/console/"
        session, attributes = cookie_from(signed_in, "__Host-pf_session")
        assert re.search(r"(?i)secure", attributes)
        assert re.search(r"(?i)httponly", attributes)
        assert re.search(r"(?i)samesite=strict", attributes)
        jar = {"Cookie": f"__Host-pf_session={session}"}

        page = http.get("/console/", headers=jar)
        assert page.status_code == 200
        assert "<h1>Overview</h1>" in page.text
        assert username in page.text
        forged = http.post("/console/logout", headers=jar, data={})
        assert forged.status_code == 403
        assert forged.json()["field"] == "csrf_token"
        assert http.get("/console/", headers=jar).status_code == 200  # the forged post changed nothing

        out = http.post("/console/logout", headers=jar, data={"csrf_token": csrf_in(page.text)})
        assert out.status_code == 303
        assert out.headers["location"] == "/console/login"
        gone = http.get("/console/", headers=jar)
        assert gone.status_code == 303
        assert gone.headers["location"].startswith("/console/login")
