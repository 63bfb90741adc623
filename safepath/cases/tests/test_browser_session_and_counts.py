"""In Chromium: the live inbox ends plainly with its session, keeps its counts live, makes a
new urgent report unmistakable, and works on a 390 px phone.
"""

from __future__ import annotations

import os
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from safepath.core.testing import Deployment, Server, deployment, sign_in

pytestmark = pytest.mark.browser

# Records desktop notifications the page shows, without changing what the page does.
RECORD_NOTIFICATIONS = """
window.__notifications = [];
const RealNotification = window.Notification;
window.Notification = class extends RealNotification {
  constructor(title, options) { super(title, options); window.__notifications.push(title); }
};
"""


def riverside(summary: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    placement = next(p for p in summary["placements"] if p["organization"] == "riverside-pd")
    responder = next(
        u
        for u in summary["users"]
        if u["organization"] == "riverside-pd" and u["role"] == "responder"
    )
    return placement, responder


def report(server: Server, code: str, *, urgent: bool = False) -> None:
    """A reporter's phone answers a first question over plain HTTP."""
    fields = {"step": "danger", "choice": "yes"} if urgent else {"step": "more", "text": "hello"}
    body = urllib.parse.urlencode({**fields, "action": "autosave"}).encode()
    with urllib.request.urlopen(f"{server.url}/Q/{code}", body, timeout=60) as response:  # noqa: S310
        assert b'"saved": true' in response.read()


def open_inbox(page: Page, server: Server, user: dict[str, Any]) -> None:
    sign_in(page, server.url, user)
    expect(page.locator("#live-status")).to_have_class("live on")
    page.evaluate("window.__notReloaded = true")


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Deployment]:
    with deployment(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as live:
        yield live


def expect_session_ended(page: Page) -> None:
    expect(page.locator("#session-ended")).to_be_visible(timeout=60_000)
    expect(page.locator("#session-ended")).to_contain_text("Your session has ended")
    expect(page.locator("#live-status")).not_to_have_class(re.compile(r"\bon\b"))
    expect(page.locator("#live-status")).to_have_text("signed out")


def test_an_idle_session_ends_plainly_and_the_inbox_stops(live: Deployment, chromium: Any) -> None:
    live.env["SESSION_IDLE_SECONDS"] = "20"
    server = live.start_server()
    placement, responder = riverside(live.summary)
    staff = chromium.new_context()
    try:
        inbox = staff.new_page()
        open_inbox(inbox, server, responder)
        rows_before = inbox.locator("#report-rows tr").count()

        expect_session_ended(inbox)  # nobody touched the page for longer than the idle time

        report(server, placement["code"])
        inbox.wait_for_timeout(3000)  # give a (wrongly) open socket time to deliver
        assert inbox.locator("#report-rows tr").count() == rows_before
        assert "password" not in inbox.locator("#report-rows").inner_html().lower()
        assert inbox.evaluate("window.__notReloaded") is True
        inbox.click("#session-ended a")
        expect(inbox).to_have_url(re.compile(r"/accounts/login/"))
    finally:
        staff.close()


def test_signing_out_in_another_tab_ends_the_open_inbox(live: Deployment, chromium: Any) -> None:
    server = live.start_server()
    placement, responder = riverside(live.summary)
    staff = chromium.new_context()
    try:
        inbox = staff.new_page()
        open_inbox(inbox, server, responder)
        rows_before = inbox.locator("#report-rows tr").count()
        other_tab = staff.new_page()
        other_tab.goto(f"{server.url}/dashboard/cases/")

        other_tab.click("header button[type=submit]")  # Sign out

        expect_session_ended(inbox)
        report(server, placement["code"])
        inbox.wait_for_timeout(3000)
        assert inbox.locator("#report-rows tr").count() == rows_before
    finally:
        staff.close()


def test_counts_stay_live_and_a_new_urgent_report_is_unmistakable(
    live: Deployment, chromium: Any
) -> None:
    server = live.start_server()
    placement, responder = riverside(live.summary)
    staff = chromium.new_context(permissions=["notifications"])
    staff.add_init_script(RECORD_NOTIFICATIONS)
    try:
        inbox = staff.new_page()
        open_inbox(inbox, server, responder)
        urgent = int(inbox.locator("#counts").get_attribute("data-urgent") or "0")
        new = int(inbox.locator("#counts li", has_text="New").locator("strong").inner_text())
        inbox.check("#urgent-alerts")  # the responder turns alerts on

        report(server, placement["code"])
        expect(inbox.locator("#counts li", has_text="New").locator("strong")).to_have_text(
            str(new + 1)
        )
        assert inbox.evaluate("window.__notifications.length") == 0  # not urgent: no alarm

        report(server, placement["code"], urgent=True)
        expect(inbox.locator("#counts")).to_have_attribute("data-urgent", str(urgent + 1))
        expect(inbox).to_have_title(re.compile(rf"^\({urgent + 1} urgent\) "))
        inbox.wait_for_function("window.__notifications.length === 1")
        assert inbox.evaluate("window.__safepathBeeps") >= 1
        assert inbox.evaluate("window.__notReloaded") is True
        note = inbox.evaluate("window.__notifications[0]")
        assert "urgent" in note.lower()
    finally:
        staff.close()


def _fits(page: Page, selector: str, width: int) -> None:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"{selector} is off-screen: {box}"


def test_inbox_and_report_page_work_on_a_phone(live: Deployment, chromium: Any) -> None:
    server = live.start_server()
    placement, responder = riverside(live.summary)
    report(server, placement["code"], urgent=True)
    phone = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = phone.new_page()
        open_inbox(page, server, responder)

        for selector in ["header a[href='/dashboard/routing/']", "header button[type=submit]"]:
            _fits(page, selector, 390)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        first_row = page.locator("#report-rows tr").first.bounding_box()
        assert first_row is not None and first_row["y"] < 844, "reports must come first"
        expect(page.locator("#filters")).not_to_have_attribute("open", "")

        page.locator("#report-rows tr a").first.click()
        expect(page).to_have_url(re.compile(r"/dashboard/reports/"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        _fits(page, "header button[type=submit]", 390)
        _fits(page, "main h1", 390)
    finally:
        phone.close()
