"""Helpers for console tests: users with known passwords, logging in through the form, reading tokens."""

from __future__ import annotations

import re

import httpx

from pointflow.bootstrap import Container
from pointflow.governance.access import ConsoleRole
from pointflow.governance.passwords import generate_password
from tests.factories import ref

HIDDEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_user(container: Container, *roles: ConsoleRole) -> tuple[str, str]:
    username, password = ref("user"), generate_password()
    container.console.create_user(username=username, password=password, roles=frozenset(roles))
    return username, password


def csrf_in(html: str) -> str:
    found = HIDDEN.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def log_in(client: httpx.Client, username: str, password: str) -> httpx.Response:
    """Open the log-in form (which sets its cookie) and post it; returns the response to the post."""
    form = client.get("/console/login")
    assert form.status_code == 200, form.text
    data = {"username": username, "password": password, "csrf_token": csrf_in(form.text)}
    return client.post("/console/login", data=data, follow_redirects=False)


def signed_in(client: httpx.Client, container: Container, *roles: ConsoleRole) -> str:
    """Log a new person with `roles` in on `client` (dropping any earlier session); returns their username."""
    client.cookies.clear()
    username, password = make_user(container, *roles)
    assert log_in(client, username, password).status_code == 303
    return username


def csrf(client: httpx.Client) -> str:
    """The signed-in session's CSRF token, read from a page's forms."""
    return csrf_in(client.get("/console/").text)
