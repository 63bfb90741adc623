"""End to end in Chromium: a new police department, from the command line to its first report.

Everything a person would do is done by following the emails a real SMTP server (aiosmtpd,
in this process) received: the operator runs ``create_organization``; the chief opens the
invitation, chooses a password, enrols an authenticator; invites an officer, who does the
same; the chief makes a placement, runs a drill from it (marked DRILL in the inbox and the
officer's email), then a phone scans it and the real report is in both inboxes.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from safepath.accounts.mfa import totp_code_for_secret
from safepath.core.testing import Deployment, SmtpInbox, deployment, first_link

pytestmark = pytest.mark.browser

CHIEF = "chief@lakeside.test"
OFFICER = "officer@lakeside.test"
PASSWORDS = {CHIEF: "lantern-harbor-violet-71", OFFICER: "granite-meadow-copper-38"}


@pytest.fixture
def mail() -> Iterator[SmtpInbox]:
    inbox = SmtpInbox()
    inbox.start()
    try:
        yield inbox
    finally:
        inbox.stop()


@pytest.fixture
def live(tmp_path: Path, mail: SmtpInbox) -> Iterator[Deployment]:
    with deployment(tmp_path) as live:
        live.env["EMAIL_HOST"] = "127.0.0.1"
        live.env["EMAIL_PORT"] = str(mail.controller.port)
        yield live


def accept_invitation(page: Page, link: str, email: str) -> None:
    """Follow an invitation: password, then the authenticator, then the recovery codes."""
    page.goto(link)
    expect(page.locator("h1")).to_contain_text("Join Lakeside Police Department")
    page.fill("#id_password1", PASSWORDS[email])
    page.fill("#id_password2", PASSWORDS[email])
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/accounts/two-factor/setup/.*"))
    secret = page.locator("#totp-secret").inner_text().strip()
    page.fill("#id_token", totp_code_for_secret(secret))
    page.click("main button[type=submit]")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.click("text=I have saved them, continue")


def test_a_police_department_onboards_from_the_command_line_to_its_first_report(
    live: Deployment, mail: SmtpInbox, chromium: Any
) -> None:
    server = live.start_server()
    live.env["BASE_URL"] = server.url
    created = json.loads(
        live.manage(
            "create_organization",
            "--name",
            "Lakeside Police Department",
            "--kind",
            "law_enforcement",
            "--admin",
            CHIEF,
        ).strip()
    )
    assert created["slug"] == "lakeside-police-department"

    chief_context = chromium.new_context()
    officer_context = chromium.new_context()
    phone = chromium.new_context(java_script_enabled=False)
    try:
        # The chief follows the invitation email.
        (invitation,) = mail.wait_for(CHIEF)
        link = first_link(invitation, "/accounts/invitation/")
        assert link == created["invitation_url"]
        chief = chief_context.new_page()
        accept_invitation(chief, link, CHIEF)
        expect(chief).to_have_url(f"{server.url}/dashboard/")

        # The link was single-use.
        again = officer_context.new_page()
        assert again.goto(link).status == 404
        again.close()

        # The chief invites an officer, who follows their own email.
        chief.goto(f"{server.url}/dashboard/members/")
        chief.fill("#id_email", OFFICER)
        chief.select_option("#id_role", "responder")
        chief.click("#invite button[type=submit]")
        expect(chief.locator("#invitations")).to_contain_text(OFFICER)
        (officer_mail,) = mail.wait_for(OFFICER)
        officer = officer_context.new_page()
        accept_invitation(officer, first_link(officer_mail, "/accounts/invitation/"), OFFICER)
        expect(officer).to_have_url(f"{server.url}/dashboard/")
        chief.goto(f"{server.url}/dashboard/members/")
        expect(chief.locator("#members")).to_contain_text(OFFICER)
        expect(chief.locator("#invitations")).not_to_contain_text(OFFICER)

        # The chief makes a placement; a phone scans its printed code and reports.
        chief.goto(f"{server.url}/placements/new/")
        chief.fill("#id_public_name", "Lakeside bus depot, restroom")
        chief.click("main form.stack button[type=submit]")
        chief.wait_for_url(re.compile(r".*/placements/[A-Z0-9]+/$"))
        code = chief.url.rstrip("/").rsplit("/", 1)[1]

        # First a drill: marked DRILL in the inbox and in the officer's email.
        chief.click("#drill button[type=submit]")
        expect(chief).to_have_url(f"{server.url}/dashboard/")
        drill_row = chief.locator("#report-rows tr", has_text="Lakeside bus depot, restroom")
        expect(drill_row).to_have_count(1)
        expect(drill_row).to_contain_text("DRILL")
        drill_notice = mail.wait_for(OFFICER, count=2)[-1]
        assert drill_notice.startswith("DRILL")

        # Then a real scan from a phone.
        png = chief.request.get(f"{server.url}/placements/{code}/qr.png").body()
        (scan_url,) = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
        reporter = phone.new_page()
        reporter.goto(scan_url)
        reporter.click("#start")
        reporter.check("input[name=choice][value=other]")
        reporter.click("#next")
        expect(reporter.locator("#saved")).to_contain_text("Saved.")

        chief.goto(f"{server.url}/dashboard/")
        rows = chief.locator("#report-rows tr", has_text="Lakeside bus depot, restroom")
        expect(rows).to_have_count(2)
        expect(rows.filter(has_not_text="DRILL")).to_have_count(1)
        # The officer was told by email (no contents), and sees it too.
        notice = mail.wait_for(OFFICER, count=3)[-1]
        assert "/dashboard/" in notice and not notice.startswith("DRILL")
        officer.goto(f"{server.url}/dashboard/")
        expect(
            officer.locator("#report-rows tr", has_text="Lakeside bus depot, restroom")
        ).to_have_count(2)
    finally:
        chief_context.close()
        officer_context.close()
        phone.close()
