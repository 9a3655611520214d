"""The console in a real browser (Debian's Chromium, headless, through Playwright): the overview's charts,
the approval queue by mouse and by keyboard alone. Screenshots land in var/test-artefacts/browser/."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from pointflow.adapters.db.liability_store import record_forecast
from pointflow.adapters.db.tables import audit_log
from pointflow.bootstrap import Container
from pointflow.entrypoints.api.app import create_app
from pointflow.entrypoints.cli_forecast import liability_report
from pointflow.governance.access import ConsoleRole
from tests.console_support import make_user
from tests.e2e.browser import browser_page, keep_screenshot, log_in, log_out
from tests.factories import send
from tests.integration.offer_support import deposit, live, offer_rows, use_offers
from tests.servers import serving

# Large enough for the sample programme's `very-large-deposit` trigger: it proposes `premier-welcome`
# (15,000 points), above the 10,000-point approval threshold, so the offer waits for a person.
PREMIER_DEPOSIT = "150000"


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """SQLite only: the browser exercises the pages, not the database, and the same routes run on PostgreSQL
    in tests/integration/test_console_pages.py; a second browser pass would double the time for nothing."""
    return sqlite_url


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


def waiting_offers(container: Container, count: int) -> list[str]:
    """`count` offers the engine proposed on very large deposits, each waiting for a person; their ids."""
    use_offers(container, live)
    send(container, *(deposit(f"cust_premier{n}", PREMIER_DEPOSIT) for n in range(count)))
    pending = [o["id"] for o in offer_rows(container, state="pending_approval")]
    assert len(pending) == count, pending
    return pending


def audit_entries(container: Container, action: str) -> list[dict[str, Any]]:
    with container.db.reader.connect() as conn:
        found = conn.execute(select(audit_log).where(audit_log.c.action == action)).all()
    return [{**r._mapping, "details": json.loads(r.details)} for r in found]


def focused(page: Page) -> dict[str, str]:
    """What has the keyboard focus: its id, tag and accessible text, and whether a focus ring is drawn."""
    return dict(
        page.evaluate(
            """() => {
                const e = document.activeElement;
                const s = getComputedStyle(e);
                const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0)
                    || s.boxShadow !== 'none';
                return {id: e.id, tag: e.tagName.toLowerCase(), text: (e.getAttribute('aria-label')
                    || e.textContent || '').trim().slice(0, 60), ring: String(ring)};
            }"""
        )
    )


def clipped_chart_text(page: Page) -> list[str]:
    """The text of every chart label drawn (partly) outside its SVG's view box, where it is cut off."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('svg[role=img] text')].filter(t => {
                const box = t.getBoundingClientRect(), svg = t.ownerSVGElement.getBoundingClientRect();
                return box.left < svg.left - 0.5 || box.top < svg.top - 0.5
                    || box.right > svg.right + 0.5 || box.bottom > svg.bottom + 0.5;
            }).map(t => t.textContent)"""
        )
    )


def overflowing(page: Page, selector: str) -> list[str]:
    """The text of elements matching `selector` whose content spills out of their box (over a neighbour)."""
    return list(
        page.evaluate(
            "s => [...document.querySelectorAll(s)].filter(e => e.scrollWidth > e.clientWidth + 1)"
            ".map(e => e.textContent.trim())",
            selector,
        )
    )


def tab_to(page: Page, selector: str, *, limit: int = 40) -> list[dict[str, str]]:
    """Press Tab until `selector` has the focus; every stop on the way must show a focus ring."""
    trail = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        trail.append(now)
        assert now["ring"] == "true", f"no visible focus on {now}"
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return trail
    raise AssertionError(f"{selector} never took the focus; Tab went through {trail}")


def test_log_in_see_the_overview_charts_drawn_and_log_out(server: str, container: Container) -> None:
    send(container, *(_dinner(f"cust_b{i}", n) for i in range(3) for n in range(4)))
    record_forecast(container.db, liability_report(container, date(2024, 6, 1), 3, 12), at=container.clock())
    username, password = make_user(container, ConsoleRole.VIEWER)
    with browser_page(server) as page:
        log_in(page, username, password)
        assert page.get_by_role("heading", level=1).inner_text() == "Overview"
        for chart in ("chart-postings-per-minute", "chart-postings", "chart-liability"):
            svg = page.locator(f"#{chart} svg[role=img]")
            expect(svg).to_have_count(1)
            box = svg.bounding_box()
            assert box is not None, chart
            assert box["width"] > 100, (chart, box)
            assert box["height"] > 50, (chart, box)
            assert svg.locator("rect, polyline").count() > 0, f"{chart} draws no marks"
        # every posting is counted in the day's bar and in the minute's bar (the data table under each)
        for chart in ("chart-postings", "chart-postings-per-minute"):
            counts = page.locator(f"#{chart} details table td").all_text_contents()
            assert sum(int(n) for n in counts) == 12, (chart, counts)
            assert page.locator(f"#{chart} svg rect:not([height='0.0'])").count() >= 1
        assert clipped_chart_text(page) == []
        # the liability is a line per series, drawn from the stored forecast
        assert page.locator("#chart-liability svg polyline").count() == 2
        expect(page.locator("#liability-none")).to_have_count(0)
        expect(page.locator("#liability-points")).not_to_have_text("0")
        keep_screenshot(page, "overview")
        log_out(page)
        page.goto("/console/")
        assert "/console/login" in page.url


def test_approve_one_offer_and_reject_another_with_reasons(server: str, container: Container) -> None:
    first, second = waiting_offers(container, 2)
    username, password = make_user(container, ConsoleRole.MARKETING_OPS)
    with browser_page(server) as page:
        log_in(page, username, password)
        page.get_by_role("link", name="Approvals", exact=True).click()
        page.wait_for_url(re.compile(r"/console/approvals$"))
        expect(page.locator("article.offer")).to_have_count(2)
        assert overflowing(page, "article.offer dd") == []
        keep_screenshot(page, "approvals-before")

        page.get_by_label(f"Reason for the decision on offer {first}").fill("Premier relationship confirmed")
        page.get_by_role("button", name=f"Approve offer {first}").click()
        page.wait_for_url(re.compile(rf"/console/approvals\?done=approved&offer={first}$"))
        expect(page.locator("#approval-notice")).to_have_text(f"Offer {first} approved.")
        expect(page.locator(f"#offer-{first}")).to_have_count(0)

        page.get_by_label(f"Reason for the decision on offer {second}").fill("Deposit is a one-off transfer")
        page.get_by_role("button", name=f"Reject offer {second}").click()
        page.wait_for_url(re.compile(rf"/console/approvals\?done=rejected&offer={second}$"))
        expect(page.locator("#approval-notice")).to_have_text(f"Offer {second} rejected.")
        expect(page.locator("article.offer")).to_have_count(0)
        expect(page.locator("#approvals-empty")).to_be_visible()
        keep_screenshot(page, "approvals-after")

        page.get_by_role("link", name="Overview", exact=True).click()
        page.wait_for_url(re.compile(r"/console/$"))
        expect(page.locator("#offers-approved")).to_have_text("1")
        expect(page.locator("#offers-rejected")).to_have_text("1")
        expect(page.locator("#offers-pending")).to_have_text("0")

    [approved] = offer_rows(container, id=first)
    [rejected] = offer_rows(container, id=second)
    me = f"console:{username}"
    assert (approved["state"], approved["decided_by"]) == ("issued", me)
    assert approved["issued_at"] is not None
    assert approved["decided_reason"] == "Premier relationship confirmed"
    assert (rejected["state"], rejected["decided_by"]) == ("rejected", me)
    assert rejected["decided_reason"] == "Deposit is a one-off transfer"
    [yes] = audit_entries(container, "offer.approved")
    [no] = audit_entries(container, "offer.rejected")
    assert (yes["actor"], yes["details"]["offer_id"], yes["details"]["reason"]) == (
        me,
        first,
        "Premier relationship confirmed",
    )
    assert (no["actor"], no["details"]["offer_id"], no["details"]["reason"]) == (
        me,
        second,
        "Deposit is a one-off transfer",
    )


def test_the_approval_queue_by_keyboard_alone(server: str, container: Container) -> None:
    waiting_offers(container, 1)
    username, password = make_user(container, ConsoleRole.MARKETING_OPS)
    with browser_page(server) as page:
        page.goto("/console/login")
        assert focused(page)["id"] == "username"  # the form opens with the focus in it
        page.keyboard.type(username)
        page.keyboard.press("Tab")
        assert focused(page)["id"] == "password"
        page.keyboard.type(password)
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/console/$"))

        trail = tab_to(page, "nav a[href='/console/approvals']")
        assert trail[0]["text"] == "Skip to main content"
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/console/approvals$"))
        assert page.locator("[tabindex]:not([tabindex='-1']):not([tabindex='0'])").count() == 0

        # the skip link jumps over the navigation into the queue
        tab_to(page, "a.skip-link", limit=1)
        page.keyboard.press("Enter")
        assert focused(page)["id"] == "content"
        offer = page.locator("article.offer").first.get_attribute("id")
        assert offer is not None
        offer_id = offer.removeprefix("offer-")
        trail = tab_to(page, f"#reason-{offer_id}", limit=5)
        assert [stop["tag"] for stop in trail] == ["a", "summary", "textarea"]  # member link, terms, reason
        page.keyboard.type("Approved from the keyboard")
        trail = tab_to(page, f"#approve-{offer_id}", limit=1)
        assert trail[-1]["text"] == f"Approve offer {offer_id}"
        keep_screenshot(page, "approvals-keyboard-focus")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(rf"/console/approvals\?done=approved&offer={offer_id}$"))
        expect(page.locator("#approval-notice")).to_have_text(f"Offer {offer_id} approved.")

    [offer_row] = offer_rows(container, id=offer_id)
    assert offer_row["state"] == "issued"
    assert offer_row["decided_by"] == f"console:{username}"
    assert offer_row["decided_reason"] == "Approved from the keyboard"


# Form controls a screen reader could not name: no <label for>, no aria-label(ledby), no button text.
UNNAMED_CONTROLS = """() => [...document.querySelectorAll('input, textarea, select, button')]
    .filter(e => e.type !== 'hidden')
    .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
        && !e.getAttribute('aria-labelledby') && !(e.tagName === 'BUTTON' && e.textContent.trim()))
    .map(e => e.outerHTML.slice(0, 80))"""


def test_every_page_in_the_navigation_opens_with_named_controls_and_nothing_spilling(
    server: str, container: Container
) -> None:
    send(container, *(_dinner("cust_nav", n) for n in range(2)))
    waiting_offers(container, 1)
    username, password = make_user(container, ConsoleRole.ADMIN)
    failures: list[str] = []
    with browser_page(server) as page:
        page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        log_in(page, username, password)
        paths = page.locator("nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
        assert len(paths) == 10, paths  # admin opens every page
        for path in paths:
            response = page.goto(path)
            assert response is not None
            assert response.status == 200, (path, response.status)
            assert page.get_by_role("heading", level=1).count() == 1, path
            assert page.evaluate(UNNAMED_CONTROLS) == [], path
            assert overflowing(page, "main dd") == [], path
            assert clipped_chart_text(page) == [], path
        # member 360, reached from the offer waiting for approval
        page.goto("/console/approvals")
        page.locator("article.offer dd a").first.click()
        page.wait_for_url(re.compile(r"/console/members/m_[0-9a-f]+$"))
        expect(page.locator("#member-ledger")).to_be_visible()
        assert page.evaluate(UNNAMED_CONTROLS) == []
        assert overflowing(page, "main dd") == []
        contributions = page.locator(".contributions li").all_inner_texts()
        assert contributions, "the member's score shows no contributions"
        assert not any("{" in c for c in contributions), contributions  # words, not a dict
        log_out_box = page.get_by_role("button", name="Log out").bounding_box()
        assert log_out_box is not None
        assert log_out_box["height"] < 48, log_out_box  # one line, however many pages the navigation lists
        keep_screenshot(page, "member-360")
    assert failures == []
