"""End to end in Chromium with JavaScript off, on the demo deployment: an officer cannot
complete before the rules allow; a sergeant takes attendance on a phone-sized screen and the
learner becomes compliant; an auditor downloads the transcript of someone who has left."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from playwright.sync_api import Page, expect

from safepath.core.testing import Deployment, Server, deployment
from safepath.core.testing import sign_in as sign_in_with_second_factor

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Deployment]:
    with deployment(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as live:
        yield live


def account(summary: dict[str, Any], email_start: str) -> dict[str, Any]:
    return next(u for u in summary["users"] if u["email"].startswith(email_start))


def sign_in(page: Page, server: Server, user: dict[str, Any]) -> None:
    sign_in_with_second_factor(page, server.url, user)
    expect(page).to_have_url(f"{server.url}/dashboard/")


def test_rules_attendance_and_an_auditors_transcript(live: Deployment, chromium: Any) -> None:
    server = live.start_server(worker=False)
    officer = chromium.new_context(java_script_enabled=False, viewport=PHONE)
    instructor = chromium.new_context(java_script_enabled=False, viewport=PHONE)
    auditor = chromium.new_context(java_script_enabled=False, accept_downloads=True)
    try:
        # The officer tries to jump ahead, to rush a lesson and to take the assessment.
        page = officer.new_page()
        sign_in(page, server, account(live.summary, "bob@"))
        page.goto(f"{server.url}/training/")
        page.get_by_role(
            "link", name="Human Trafficking: Recognition and Response for Law Enforcement"
        ).click()
        course_url = page.url
        page.locator("ol.steps").first.locator("a").nth(2).click()
        expect(page.locator("body")).to_contain_text("Please read the lessons in order.")
        expect(page.locator("body")).to_contain_text("Lesson 1 of")
        page.get_by_role("button", name="Mark as read and continue").click()
        expect(page.locator("body")).to_contain_text("Please take the time to read this lesson")
        expect(page.locator("body")).to_contain_text("Lesson 1 of")
        page.goto(course_url + "assessment/")
        page.get_by_role("button", name="Start the assessment").click()
        expect(page.locator("#not-yet")).to_contain_text("Read every lesson, in order, first.")
        expect(page.locator("#not-yet")).to_contain_text("Finish every role-play scenario")
        expect(page.locator("form.quiz")).to_have_count(0)
        expect(page.locator("#passed")).to_have_count(0)

        # The sergeant takes attendance at the roll-call session on a phone.
        phone = instructor.new_page()
        sign_in(phone, server, account(live.summary, "erin@"))
        phone.goto(f"{server.url}/training/sessions/")
        phone.get_by_role("link", name="Trafficking on patrol: roll-call session").click()
        roll = phone.locator("ul.roll")
        expect(roll).to_contain_text("Riley Chen")
        box = roll.locator("label", has_text="Riley Chen").bounding_box()
        assert box is not None and box["x"] + box["width"] <= PHONE["width"]
        roll.locator("label", has_text="Riley Chen").locator("input").check()
        phone.get_by_role("button", name="Save attendance").click()
        expect(phone.locator("body")).to_contain_text("1 completion(s) recorded")
        expect(roll.locator("label", has_text="Riley Chen")).to_contain_text("present")
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]

        # The auditor sees Riley compliant with the patrol policy and downloads the
        # transcript of Taylor, who has left.
        office = auditor.new_page()
        sign_in(office, server, account(live.summary, "avery@"))
        office.goto(f"{server.url}/training/manage/")
        office.get_by_role("link", name="Patrol division").click()
        header = office.locator("table.matrix thead th")
        policy = next(
            i for i in range(header.count()) if "every two years" in header.nth(i).inner_text()
        )
        riley = office.locator("table.matrix tbody tr", has_text="Riley Chen")
        expect(riley.locator("td").nth(policy)).to_have_class("st-compliant")

        office.goto(f"{server.url}/training/manage/")
        office.get_by_role("link", name="People and transcripts").click()
        taylor = office.locator("#people tbody tr", has_text="Taylor Brooks")
        expect(taylor).to_contain_text("left")
        with office.expect_download() as download:
            taylor.get_by_role("link", name="PDF").click()
        pdf = Path(download.value.path()).read_bytes()
        text = pypdfium2.PdfDocument(io.BytesIO(pdf))[0].get_textpage().get_text_range()
        flat = " ".join(text.split())
        assert "Taylor Brooks" in flat
        assert "left the organization" in flat
        assert "law-enforcement v1 (en)" in flat
    finally:
        officer.close()
        instructor.close()
        auditor.close()
