"""End to end in Chromium: a responder and a Spanish-speaking reporter, from report to close.

The reporter's phone speaks Spanish and runs without JavaScript. The responder acknowledges,
sends a ready-made message (which the reporter must read in Spanish), sees the reporter's
reply appear on the open report page without a reload, and closes the report with an
outcome; the reporter then sees "Cerrado".
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from safepath.cases.ready_messages import ready_message
from safepath.core.testing import Deployment, Server, deployment, sign_in
from safepath.reports.tests.live import latest_report_reference

pytestmark = pytest.mark.browser

# The reply must appear on the responder's open page this quickly, without a reload.
LIVE_TIMEOUT_MS = 5000


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Deployment, Server]]:
    with deployment(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as deployed:
        yield deployed, deployed.start_server()


def riverside(summary: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    placement = next(p for p in summary["placements"] if p["organization"] == "riverside-pd")
    responder = next(
        u
        for u in summary["users"]
        if u["organization"] == "riverside-pd" and u["role"] == "responder"
    )
    return placement, responder


def report_in_spanish(phone: Page, scan_url: str) -> str:
    """Scan, answer the first question, send it; return the receipt the phone shows."""
    phone.goto(scan_url)
    expect(phone.locator("html")).to_have_attribute("lang", "es")
    phone.click("#start")
    phone.check("input[name=choice][value=other]")
    phone.click("#next")
    expect(phone.locator("#saved")).to_have_class("ok")
    phone.click("#done")
    receipt = phone.locator("#receipt").inner_text().strip()
    assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", receipt)
    phone.click("#saved-it")
    return receipt


def open_followup(phone: Page, server: Server, receipt: str) -> None:
    phone.goto(f"{server.url}/followup/")
    phone.fill("#receipt", receipt)
    phone.click("#open")
    expect(phone.locator("#status")).to_be_visible()


def test_responder_and_spanish_reporter_talk_until_the_report_is_closed(
    live: tuple[Deployment, Server], chromium: Any
) -> None:
    deployed, server = live
    placement, responder = riverside(deployed.summary)
    question = ready_message(key="safe_to_contact", language="es").text
    staff = chromium.new_context()
    reporter = chromium.new_context(java_script_enabled=False, locale="es")
    try:
        phone = reporter.new_page()
        receipt = report_in_spanish(phone, f"{server.url}/Q/{placement['code']}")
        reference = latest_report_reference(deployed, placement["code"])

        desk = staff.new_page()
        sign_in(desk, server.url, responder)
        desk.goto(f"{server.url}/dashboard/reports/{reference}/")
        expect(desk.locator("#reply-form")).to_contain_text("Español")
        desk.click("#acknowledge")
        expect(desk.locator("#report-state")).to_contain_text("Acknowledged")
        desk.select_option("#id_ready", "safe_to_contact")
        desk.click("#reply-send")
        expect(desk.locator("#messages")).to_contain_text(question)
        expect(desk.locator("#live-status")).to_have_class("live on")
        desk.evaluate("window.__notReloaded = true")

        open_followup(phone, server, receipt)
        expect(phone.locator("html")).to_have_attribute("lang", "es")
        expect(phone.locator("#status")).to_have_attribute("data-status", "handled")
        expect(phone.locator(".msg").first).to_contain_text(question)
        phone.fill("#text", "Sí, después de las 9 de la noche.")
        phone.click("#send-message")
        expect(phone.locator(".msg.me")).to_contain_text("Sí, después de las 9 de la noche.")

        expect(desk.locator("#messages")).to_contain_text(
            "Sí, después de las 9 de la noche.", timeout=LIVE_TIMEOUT_MS
        )
        assert desk.evaluate("window.__notReloaded") is True

        desk.select_option("#id_status", "closed")
        desk.select_option("#id_outcome", "victim_assisted")
        desk.click("#status-save")
        expect(desk.locator("#report-state")).to_contain_text("Closed")
        expect(desk.locator("#report-state")).to_contain_text("Victim identified and assisted")

        phone.goto(f"{server.url}/followup/")  # the follow-up cookie keeps it open
        expect(phone.locator("#status")).to_have_attribute("data-status", "closed")
        expect(phone.locator("#status")).to_contain_text("Cerrado")
    finally:
        staff.close()
        reporter.close()
