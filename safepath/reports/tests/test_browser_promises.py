"""The reporter's promises in Chromium at 360 px (issue 11), JavaScript on and off.

Quick exit ends the follow-up whatever the browser keeps; Shift in a text field is typing,
not an exit; "saved" shows only after the server confirmed; a reply appears without a
reload; a photo over the request limit gets the reporter's page in her language; the
language picked stays for the whole visit.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Request, Route, expect

from safepath.core.testing import Deployment, Server, deployment
from safepath.reports.questions import QUESTION_LIST

pytestmark = pytest.mark.browser

EXIT_URL = "https://exit.example/"
PHONE = {"width": 360, "height": 640}
DEMO_RECEIPT = "5555 0123 4567 8901"
DEMO_REPLY = "Demo: thank you, we received your report."


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Deployment, Server]]:
    workdir = tmp_path_factory.mktemp("promises")
    with deployment(workdir, redis_url=os.environ.get("REDIS_URL") or None) as live:
        live.env["QUICK_EXIT_URL"] = EXIT_URL
        yield live, live.start_server()


def neutral_site(route: Route) -> None:
    route.fulfill(status=200, content_type="text/html", body="<title>Weather</title>Sunny")


def phone(chromium: Any, *, js: bool, lang: str = "en") -> Any:
    context = chromium.new_context(
        java_script_enabled=js, locale=lang, viewport=PHONE, has_touch=True
    )
    context.route(f"{EXIT_URL}**", neutral_site)
    return context


def open_demo_followup(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/followup/")
    page.fill("#receipt", DEMO_RECEIPT)
    page.click("#open")
    expect(page.locator(".msg").first).to_contain_text(DEMO_REPLY)


@pytest.mark.parametrize("js", [False, True])
def test_quick_exit_ends_the_follow_up_whatever_the_browser_keeps(
    live: tuple[Deployment, Server], chromium: Any, js: bool
) -> None:
    _, server = live
    context = phone(chromium, js=js)
    try:
        page = context.new_page()
        open_demo_followup(page, server)

        page.click("a.exit")
        expect(page).to_have_url(EXIT_URL)
        if js:  # reopened from history or typed again
            page.goto(f"{server.url}/followup/")
        else:  # Back
            page.go_back()
        expect(page.locator("#receipt")).to_be_visible()  # the neutral start
        expect(page.locator("main")).not_to_contain_text(DEMO_REPLY)
        expect(page.locator(".msg")).to_have_count(0)
    finally:
        context.close()


def test_shift_inside_a_text_field_is_typing_not_an_exit(
    live: tuple[Deployment, Server], chromium: Any
) -> None:
    deployed, server = live
    context = phone(chromium, js=True)
    try:
        page = context.new_page()
        scan_url = f"{server.url}/Q/{deployed.summary['placements'][0]['code']}"
        page.goto(scan_url)
        page.click("#start")
        for question in QUESTION_LIST[1:6]:  # to "details", a text question
            page.click("#skip")
            expect(page.locator(f"main input[name=step][value={question.key}]")).to_have_count(1)
        page.click("#text")
        for part in ("Shift+I", " saw ", "Shift+A", " ", "Shift+M", "an"):
            if part.startswith("Shift+"):
                page.keyboard.press(part)
            else:
                page.keyboard.type(part)

        expect(page.locator("#text")).to_have_value("I saw A Man")
        assert page.url == scan_url
        page.locator("main h1").first.click()  # outside the field, three Shifts still leave
        for _ in range(3):
            page.keyboard.press("Shift")
        expect(page).to_have_url(EXIT_URL)
    finally:
        context.close()


def test_saved_shows_only_after_the_server_confirmed(
    live: tuple[Deployment, Server], chromium: Any
) -> None:
    deployed, server = live
    context = phone(chromium, js=True)
    scan_url = f"{server.url}/Q/{deployed.summary['placements'][1]['code']}"
    dropped: list[str] = []

    def network_down(route: Route, request: Request) -> None:
        if request.method == "POST" and "autosave" in (request.post_data or ""):
            dropped.append(request.url)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    try:
        page = context.new_page()
        page.goto(scan_url)
        page.click("#start")
        page.check("input[name=choice][value=me]")
        page.click("#next")
        expect(page.locator("#saved")).to_have_class("ok")
        page.route(scan_url, network_down)
        page.check("input[name=choice][value=yes]")  # autosaves at once, and fails

        expect(page.locator("#saved")).to_have_class("error")
        expect(page.locator("#saved")).to_contain_text("Not sent yet")
        expect(page.locator("#saved")).not_to_contain_text("Saved")
        assert dropped
        page.unroute(scan_url)  # the connection is back: the queued answer goes out
        expect(page.locator("#saved")).to_have_class("ok", timeout=15000)
        expect(page.locator("#saved")).to_contain_text("Saved")
        expect(page.locator("input[name=choice][value=yes]")).to_be_checked()
    finally:
        context.close()


def test_a_reply_appears_on_the_follow_up_without_a_reload(
    live: tuple[Deployment, Server], chromium: Any
) -> None:
    deployed, server = live
    context = phone(chromium, js=True)
    try:
        page = context.new_page()
        open_demo_followup(page, server)
        page.evaluate("window.__notReloaded = true")
        page.fill("#text", "typing while waiting")

        deployed.manage(
            "shell",
            "-c",
            "from safepath.reports.models import Report;"
            "from safepath.reports.services import report_message_from_responder;"
            "report_message_from_responder(report=Report.objects.get(reference='DEMOREPORT01'),"
            " author=None, body='A live reply 7731')",
        )

        expect(page.locator("#messages")).to_contain_text("A live reply 7731", timeout=20000)
        assert page.evaluate("window.__notReloaded") is True
        expect(page.locator("#text")).to_have_value("typing while waiting")  # not wiped
    finally:
        context.close()


@pytest.mark.parametrize("js", [False, True])
def test_a_photo_over_the_limit_keeps_the_reporters_page_and_language(
    live: tuple[Deployment, Server], chromium: Any, tmp_path: Path, js: bool
) -> None:
    deployed, server = live
    big = tmp_path / "big.jpg"
    big.write_bytes(b"\xff\xd8\xff" + os.urandom(12 * 1024 * 1024))
    context = phone(chromium, js=js, lang="es")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/Q/{deployed.summary['placements'][2]['code']}")
        page.click("#start")
        for question in QUESTION_LIST[1:]:
            page.click("#skip")
            expect(page.locator(f"main input[name=step][value={question.key}]")).to_have_count(1)
        page.set_input_files("#photo", str(big))
        page.click("#next")

        expect(page.locator("main h1")).to_contain_text("demasiado grande")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.locator("a.exit")).to_be_visible()
        expect(page.locator("a[href^='tel:']").first).to_be_visible()
    finally:
        context.close()


def test_the_language_picked_stays_through_follow_up_and_back(
    live: tuple[Deployment, Server], chromium: Any
) -> None:
    deployed, server = live
    context = phone(chromium, js=False, lang="en")
    try:
        page = context.new_page()
        page.goto(f"{server.url}/Q/{deployed.summary['placements'][3]['code']}")
        page.click("details.lang summary")
        page.click("button[name=lang][value=es]")
        expect(page.locator("html")).to_have_attribute("lang", "es")

        page.click("#check")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        page.go_back()
        expect(page.locator("html")).to_have_attribute("lang", "es")
    finally:
        context.close()
