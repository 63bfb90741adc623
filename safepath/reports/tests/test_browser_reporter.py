"""The whole reporter's flow in Chromium, with JavaScript on and off, in English and Arabic.

A phone 320 px wide scans a code, answers, sends, saves the receipt; a responder reads the
report and replies from the dashboard; the phone comes back with the receipt, reads the
reply and answers it. With JavaScript on, the page must never reload and answers autosave
while typing; with it off, plain form posts do everything. Either way the address bar never
shows anything but the scan URL while reporting.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from safepath.core.testing import Deployment, Server, deployment
from safepath.core.testing import sign_in as sign_in_with_second_factor
from safepath.reports.questions import QUESTION_LIST
from safepath.reports.tests.live import latest_report_reference, report_count

pytestmark = pytest.mark.browser

EXIT_URL = "https://exit.example/"
PHONE = {"width": 320, "height": 640}
COMBINATIONS = [(False, "en"), (True, "en"), (False, "ar"), (True, "ar")]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Deployment, Server]]:
    workdir = tmp_path_factory.mktemp("reporter")
    with deployment(workdir, redis_url=os.environ.get("REDIS_URL") or None) as live:
        live.env["QUICK_EXIT_URL"] = EXIT_URL
        yield live, live.start_server()


def neutral_site(route: Route) -> None:
    route.fulfill(status=200, content_type="text/html", body="<title>Weather</title>Sunny")


def phone(chromium: Any, *, js: bool, lang: str) -> Any:
    context = chromium.new_context(
        java_script_enabled=js, locale=lang, viewport=PHONE, has_touch=True
    )
    context.route(f"{EXIT_URL}**", neutral_site)
    return context


def responder_for(summary: dict[str, Any], organization: str) -> dict[str, Any]:
    return next(
        u
        for u in summary["users"]
        if u["organization"] == organization and u["role"] == "responder"
    )


def sign_in(page: Page, server: Server, user: dict[str, Any]) -> None:
    sign_in_with_second_factor(page, server.url, user)
    expect(page).to_have_url(f"{server.url}/dashboard/")


def on_question(page: Page, key: str) -> None:
    """Wait for the screen of this question (with JavaScript it is swapped in place)."""
    expect(page.locator(f"main input[name=step][value={key}]")).to_have_count(1)


def fits_the_phone(page: Page) -> None:
    """Nothing scrolls sideways at 320 px, and every button is a big tap target."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for box in page.locator("main button:visible, main a.btn:visible, a.exit").all():
        bounds = box.bounding_box()
        assert bounds and bounds["height"] >= 44, box.inner_text()


@pytest.mark.parametrize(("js", "lang"), COMBINATIONS)
def test_report_follow_up_and_reply(
    live: tuple[Deployment, Server], chromium: Any, js: bool, lang: str
) -> None:
    deployed, server = live
    index = COMBINATIONS.index((js, lang))
    placement = deployed.summary["placements"][index]
    scan_url = f"{server.url}/Q/{placement['code']}"
    marker = f"Blue van plate {index}XK{lang}"
    reporter = phone(chromium, js=js, lang=lang)
    staff = chromium.new_context()
    try:
        page = reporter.new_page()
        page.goto(scan_url)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
        expect(page.locator("main")).to_contain_text(placement["public_name"])
        fits_the_phone(page)
        if js:
            page.evaluate("window.__notReloaded = true")
            entries = page.evaluate("history.length")

        page.click("#start")
        on_question(page, "about")
        page.check("input[name=choice][value=other]")
        page.click("#next")
        on_question(page, "danger")
        expect(page.locator("#saved")).to_have_class("ok")  # acknowledged once committed
        page.check("input[name=choice][value=yes]")  # someone is in danger now
        page.click("#next")
        on_question(page, "under18")
        page.click("#skip")
        on_question(page, "what")
        page.check("input[name=choice][value=documents]")
        page.fill("#text", marker)
        if js:  # autosaved while typing, before any button is pressed
            expect(page.locator("#saved")).not_to_be_empty(timeout=5000)
        fits_the_phone(page)
        page.click("#done")

        receipt = page.locator("#receipt").inner_text().strip()
        assert re.fullmatch(r"\d{4} \d{4} \d{4} \d{4}", receipt)
        box = page.locator("#receipt").bounding_box()
        assert box and box["height"] < 60  # one line, unbroken
        fits_the_phone(page)
        page.click("#saved-it")
        expect(page.locator("#add-more")).to_be_visible()
        assert page.url == scan_url  # history holds nothing but the scan URL
        if js:
            assert page.evaluate("window.__notReloaded") is True
            assert page.evaluate("history.length") == entries  # no entry added

        inbox = staff.new_page()
        sign_in(inbox, server, responder_for(deployed.summary, placement["organization"]))
        reference = latest_report_reference(deployed, placement["code"])
        inbox.goto(f"{server.url}/dashboard/reports/{reference}/")
        expect(inbox.locator(".timeline").first).to_contain_text(marker)
        reply = f"We can help ({lang}). Is it safe to call?"
        inbox.fill("#id_body", reply)
        inbox.click("#reply-send")
        expect(inbox.locator("#messages")).to_contain_text(reply)

        page.click("#check")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        page.fill("#receipt", receipt)
        page.click("#open")
        expect(page.locator("#status")).to_have_attribute("data-status", "received")
        expect(page.locator(".msg").first).to_contain_text(reply)
        fits_the_phone(page)
        page.fill("#text", "Only after 9 pm, please.")
        page.click("#send-message")
        expect(page.locator(".msg.me")).to_contain_text("Only after 9 pm, please.")
        expect(page.locator("html")).to_have_attribute("lang", lang)

        inbox.reload()
        expect(inbox.locator("#messages")).to_contain_text("Only after 9 pm, please.")
    finally:
        reporter.close()
        staff.close()


def test_shift_three_times_leaves_without_a_trace_in_history(
    live: tuple[Deployment, Server], chromium: Any
) -> None:
    deployed, server = live
    context = phone(chromium, js=True, lang="en")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/Q/{deployed.summary['placements'][0]['code']}")
        entries = page.evaluate("history.length")
        page.click("#start")
        for _ in range(3):
            page.keyboard.press("Shift")
        expect(page).to_have_url(EXIT_URL)
        assert page.evaluate("history.length") == entries  # replaced, not added
    finally:
        context.close()


@pytest.mark.parametrize("js", [True, False])
def test_the_quick_exit_button_works_with_and_without_javascript(
    live: tuple[Deployment, Server], chromium: Any, js: bool
) -> None:
    _, server = live
    context = phone(chromium, js=js, lang="en")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/followup/")
        entries = page.evaluate("history.length")
        page.click("a.exit")
        expect(page).to_have_url(EXIT_URL)
        if js:
            assert page.evaluate("history.length") == entries
    finally:
        context.close()


def test_a_photo_is_sent_from_the_phone(
    live: tuple[Deployment, Server], chromium: Any, tmp_path: Path
) -> None:
    from safepath.reports.tests.test_photos import photo_with_gps

    deployed, server = live
    picture = tmp_path / "street.jpg"
    picture.write_bytes(photo_with_gps())
    context = phone(chromium, js=True, lang="en")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/Q/{deployed.summary['placements'][1]['code']}")
        page.click("#start")
        for question in QUESTION_LIST[1:]:  # skip to the photo, one swapped screen at a time
            page.click("#skip")
            on_question(page, question.key)
        not_a_photo = tmp_path / "notes.jpg"
        not_a_photo.write_text("not a picture")
        page.set_input_files("#photo", str(not_a_photo))
        page.click("#next")
        expect(page.locator("#photo-error")).to_contain_text("not a photo we can use")
        page.set_input_files("#photo", str(picture))
        page.click("#next")
        expect(page.locator("#receipt")).to_be_visible()
    finally:
        context.close()


def test_a_double_tap_on_the_first_answer_starts_one_report(
    live: tuple[Deployment, Server], chromium: Any
) -> None:
    deployed, server = live
    code = deployed.summary["placements"][2]["code"]
    before = report_count(deployed, code)
    context = phone(chromium, js=True, lang="en")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/Q/{code}")
        page.click("#start")
        for question in QUESTION_LIST[1:6]:  # skip to "details"
            page.click("#skip")
            on_question(page, question.key)
        page.fill("#text", "a grey van")  # the first answer: no report exists yet
        page.dblclick("#next")  # a shaking hand: the page sends the answer once
        on_question(page, "contact")
        page.wait_for_timeout(1000)  # a second post, had one gone out, has landed by now
    finally:
        context.close()

    assert report_count(deployed, code) == before + 1
