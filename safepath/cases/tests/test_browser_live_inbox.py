"""End to end in Chromium: a scanned code's report appears in a responder's open inbox.

The QR code is read by a real decoder from the PNG that staff print; the report is sent from
one browser page with JavaScript off, and must appear in another page, signed in as a
responder, within two seconds and without a reload.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from safepath.core.testing import Deployment, Server, deployment, sign_in

pytestmark = pytest.mark.browser

ARRIVAL_TIMEOUT_MS = 2000


def riverside(summary: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    placement = next(p for p in summary["placements"] if p["organization"] == "riverside-pd")
    responder = next(
        u
        for u in summary["users"]
        if u["organization"] == "riverside-pd" and u["role"] == "responder"
    )
    return placement, responder


def open_inbox(page: Page, server: Server, user: dict[str, Any]) -> None:
    sign_in(page, server.url, user)
    expect(page).to_have_url(f"{server.url}/dashboard/")
    # The socket is open before the report is sent; the page then must not reload.
    expect(page.locator("#live-status")).to_have_class("live on", timeout=5000)
    page.evaluate("window.__notReloaded = true")


def scan_and_answer(reporter: Page, qr_png: bytes) -> str:
    """Scan the code and answer the first question: from then on the report exists."""
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(qr_png)))]
    assert len(decoded) == 1
    reporter.goto(decoded[0])
    reporter.click("#start")
    reporter.check("input[name=choice][value=other]")
    reporter.click("#next")
    expect(reporter.locator("#saved")).to_contain_text("Saved.")
    return decoded[0]


def expect_arrival(inbox: Page, public_name: str) -> None:
    expect(inbox.locator("#report-rows tr", has_text=public_name)).to_have_count(
        1, timeout=ARRIVAL_TIMEOUT_MS
    )
    assert inbox.evaluate("window.__notReloaded") is True


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Deployment]:
    with deployment(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as live:
        yield live


def test_scanned_report_reaches_the_open_inbox(live: Deployment, chromium: Any) -> None:
    server = live.start_server()
    placement, responder = riverside(live.summary)
    staff = chromium.new_context()
    reporter = chromium.new_context(java_script_enabled=False)
    try:
        inbox = staff.new_page()
        open_inbox(inbox, server, responder)
        qr_png = inbox.request.get(f"{server.url}/placements/{placement['code']}/qr.png").body()

        url = scan_and_answer(reporter.new_page(), qr_png)

        assert url == f"{server.url}/Q/{placement['code']}".upper()
        expect_arrival(inbox, placement["public_name"])
    finally:
        staff.close()
        reporter.close()


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (CI sets it)")
def test_report_saved_by_one_process_reaches_a_dashboard_on_another(
    live: Deployment, chromium: Any
) -> None:
    reporter_server = live.start_server(worker=True)
    # Both print the reporter server's address on their codes, as two processes behind one
    # public address would.
    staff_server = live.start_server(worker=False, base_url=reporter_server.url)
    placement, responder = riverside(live.summary)
    staff = chromium.new_context()
    reporter = chromium.new_context(java_script_enabled=False)
    try:
        inbox = staff.new_page()
        open_inbox(inbox, staff_server, responder)
        qr_png = inbox.request.get(
            f"{staff_server.url}/placements/{placement['code']}/qr.png"
        ).body()

        url = scan_and_answer(reporter.new_page(), qr_png)

        assert url == f"{reporter_server.url}/Q/{placement['code']}".upper()
        expect_arrival(inbox, placement["public_name"])
    finally:
        staff.close()
        reporter.close()
