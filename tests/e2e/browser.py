"""Debian's Chromium, headless, driven by Playwright: a page per test, screenshots kept as test artefacts.

No browser is downloaded: Playwright launches the system's `chromium` (the `chromium` Debian package,
which `.ci/run` installs). Without it the browser tests skip, except in CI (or with
POINTFLOW_REQUIRE_BROWSER set), where they fail instead.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

ARTEFACTS = Path(os.environ.get("POINTFLOW_TEST_ARTEFACTS", "var/test-artefacts")) / "browser"
# Chromium must not reach out to anything: this machine's network is closed and the tests need none of it.
QUIET = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_path() -> str:
    found = os.environ.get("POINTFLOW_CHROMIUM") or shutil.which("chromium")
    if found is None:
        reason = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("POINTFLOW_REQUIRE_BROWSER") or os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


@contextmanager
def browser_page(base_url: str) -> Iterator[Page]:
    """A fresh browser and page whose relative URLs resolve against `base_url`."""
    executable = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=list(QUIET))
        try:
            context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.set_default_timeout(15_000)
            yield page
            context.close()
        finally:
            browser.close()


def keep_screenshot(page: Page, name: str) -> Path:
    """Save the whole page under the artefacts folder, for a person to look at after the run."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / f"{re.sub(r'[^a-z0-9_-]+', '-', name.lower())}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/console/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_url(re.compile(r"/console/?$"))


def log_out(page: Page) -> None:
    page.get_by_role("button", name=re.compile("log out", re.I)).click()
    page.wait_for_url(re.compile(r"/console/login"))
