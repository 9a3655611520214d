"""The console in a real browser (Debian's Chromium, headless, through Playwright)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pointflow.bootstrap import Container
from pointflow.entrypoints.api.app import create_app
from pointflow.governance.access import ConsoleRole
from tests.console_support import make_user
from tests.e2e.browser import browser_page, keep_screenshot, log_in, log_out
from tests.factories import send
from tests.servers import serving


@pytest.fixture
def server(container: Container) -> Iterator[str]:
    with serving(create_app(container)) as url:
        yield url


def _dinner(customer: str, n: int) -> dict[str, object]:
    return {
        "event_type": "transaction.posted",
        "transaction_id": f"{customer}-dinner-{n}",
        "account_id": f"acc_{customer}",
        "customer_id": customer,
        "amount": f"{40 + n}.50",
        "currency": "USD",
        "merchant_category_code": "5812",
        "timestamp": f"2024-05-{10 + n:02d}T19:00:00Z",
    }


def test_log_in_see_the_overview_charts_drawn_and_log_out(server: str, container: Container) -> None:
    send(container, *(_dinner(f"cust_b{i}", n) for i in range(3) for n in range(4)))
    username, password = make_user(container, ConsoleRole.VIEWER)
    with browser_page(server) as page:
        log_in(page, username, password)
        assert page.get_by_role("heading", level=1).inner_text() == "Overview"
        charts = page.locator("svg[role=img]")
        assert charts.count() >= 1
        box = charts.first.bounding_box()
        assert box is not None
        assert box["width"] > 100
        assert box["height"] > 50
        assert page.locator("svg[role=img] rect, svg[role=img] path, svg[role=img] polyline").count() > 0
        keep_screenshot(page, "overview")
        log_out(page)
        page.goto("/console/")
        assert "/console/login" in page.url
