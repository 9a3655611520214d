"""Maker-checker in a real browser: one product manager proposes a rule change in the programme editor and
reads its back-test, cannot approve it themselves, and a second product manager approves it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from pointflow.bootstrap import Container
from pointflow.entrypoints.api.app import create_app
from pointflow.governance.access import ConsoleRole
from tests.console_support import make_user
from tests.e2e.browser import browser_page, keep_screenshot, log_in, log_out
from tests.factories import send
from tests.servers import serving

# The sample programme's dining rule, from its id to its multiplier.
DINING = re.compile(r"(- id: dining-2x\n(?:[ ]{4}.*\n)*?[ ]{4}multiplier: )2\n")


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """SQLite only, as in test_console_browser.py: the programme routes run on PostgreSQL in
    tests/integration/test_programme_changes.py."""
    return sqlite_url


@pytest.fixture
def server(container: Container) -> Iterator[str]:
    with serving(create_app(container)) as url:
        yield url


def dinners(container: Container) -> None:
    """Twelve restaurant bills in May, for the back-test to re-run under the proposed rule."""
    send(
        container,
        *(
            {
                "event_type": "transaction.posted",
                "transaction_id": f"cust_d{i}-dinner-{n}",
                "account_id": f"acc_cust_d{i}",
                "customer_id": f"cust_d{i}",
                "amount": f"{40 + n}.50",
                "currency": "USD",
                "merchant_category_code": "5812",
                "timestamp": f"2024-05-{10 + n:02d}T19:00:00Z",
            }
            for i in range(3)
            for n in range(4)
        ),
    )


def dining_multiplier(container: Container) -> Decimal | None:
    [rule] = [r for r in container.programmes.active().programme.rules if r.id == "dining-2x"]
    return rule.multiplier


def propose_triple_dining(page: Page) -> str:
    """Edit the YAML in the editor, propose it, and return the change's id from the page it opens on."""
    page.get_by_role("link", name="Programme", exact=True).click()
    page.wait_for_url(re.compile(r"/console/programme$"))
    editor = page.get_by_label("Programme (YAML)")
    text, edits = DINING.subn(r"\g<1>3\n", editor.input_value())
    assert edits == 1, "the dining rule's multiplier was not found in the editor"
    editor.fill(text)
    page.get_by_label("What changes, and why").fill("Triple points at restaurants for the summer")
    page.get_by_label("Back-test over the last N months of postings").fill("3")
    page.get_by_role("button", name="Propose and back-test").click()
    page.wait_for_url(re.compile(r"/console/programme/changes/[^/]+$"))
    return page.url.rsplit("/", 1)[1]


def test_a_rule_change_is_proposed_back_tested_and_approved_by_a_second_product_manager(
    server: str, container: Container
) -> None:
    dinners(container)
    before = container.programmes.active().version
    assert dining_multiplier(container) == 2
    maker = make_user(container, ConsoleRole.PRODUCT_MANAGER)
    checker = make_user(container, ConsoleRole.PRODUCT_MANAGER)
    with browser_page(server) as page:
        log_in(page, *maker)
        change = propose_triple_dining(page)
        expect(page.locator("#change-state")).to_have_text("proposed")
        expect(page.locator("#change-proposer")).to_contain_text(maker[0])
        expect(page.locator("#change-diff")).to_contain_text("+    multiplier: 3")
        expect(page.locator("#backtest-table")).to_be_visible()
        expect(page.locator("#backtest-affected")).to_have_text("3")  # the three diners
        # a third more points on every dinner: the change costs points
        assert int(page.locator("#backtest-change-points").inner_text().replace(",", "")) > 0
        keep_screenshot(page, "programme-change-proposed")

        # the proposer may press Approve, but is refused on the page and nothing changes
        page.get_by_role("button", name="Approve and activate").click()
        page.wait_for_url(re.compile(rf"/console/programme/changes/{change}/approve$"))
        expect(page.locator("#change-refused")).to_be_visible()
        expect(page.locator("#change-refused")).to_contain_text("propos")
        expect(page.locator("#change-state")).to_have_text("proposed")
        keep_screenshot(page, "programme-change-own-approval-refused")
        assert container.programmes.active().version == before
        log_out(page)

        log_in(page, *checker)
        page.get_by_role("link", name="Programme", exact=True).click()
        page.locator(f"#change-link-{change}").click()
        page.wait_for_url(re.compile(rf"/console/programme/changes/{change}$"))
        page.get_by_role("button", name="Approve and activate").click()
        expect(page.locator("#change-state")).to_have_text("applied")
        page.wait_for_url(re.compile(rf"/console/programme/changes/{change}$"))
        expect(page.locator("#change-reviewer")).to_contain_text(checker[0])
        expect(page.locator("#change-applied")).to_be_visible()
        expect(page.get_by_role("button", name="Approve and activate")).to_have_count(0)
        keep_screenshot(page, "programme-change-approved")

    assert container.programmes.active().version != before
    assert dining_multiplier(container) == 3
