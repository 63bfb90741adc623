"""In Chromium, on the demo district: a unit-limited counselor cannot open another school's
report (page or API), and a learner finds no report or placement page at all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from safepath.core.testing import Deployment, deployment, sign_in

pytestmark = pytest.mark.browser

DISTRICT = "maple-county-schools"


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Deployment]:
    with deployment(tmp_path) as live:
        yield live


def demo_user(summary: dict[str, Any], email: str) -> dict[str, Any]:
    return next(u for u in summary["users"] if u["email"] == email)


def test_counselor_and_learner_find_nothing_outside_their_need_to_know(
    live: Deployment, chromium: Any
) -> None:
    server = live.start_server(worker=False)  # no email needed here
    summary = live.summary
    schools = {p["public_name"]: p for p in summary["placements"] if p["organization"] == DISTRICT}
    washington = schools["Washington Middle, restroom by the gym"]
    lincoln = schools["Lincoln High, counseling office"]
    phone = chromium.new_context(java_script_enabled=False)
    admin_context = chromium.new_context()
    counselor_context = chromium.new_context()
    learner_context = chromium.new_context()
    try:
        # A student reports at each school.
        for placement in (washington, lincoln):
            reporter = phone.new_page()
            reporter.goto(f"{server.url}/Q/{placement['code']}")
            reporter.click("#start")
            reporter.check("input[name=choice][value=other]")
            reporter.click("#next")
            expect(reporter.locator("#saved")).to_contain_text("Saved.")
            reporter.close()

        # The district administrator sees both and tells us the references.
        admin = admin_context.new_page()
        sign_in(admin, server.url, demo_user(summary, "grace@maple.example"))
        rows = admin.locator("#report-rows tr", has_text="Washington Middle")
        expect(rows).to_have_count(1)
        washington_ref = rows.first.get_attribute("data-reference")
        lincoln_row = admin.locator("#report-rows tr", has_text="Lincoln High")
        expect(lincoln_row).to_have_count(1)
        lincoln_ref = lincoln_row.first.get_attribute("data-reference")
        assert washington_ref and lincoln_ref

        # Lena, Lincoln High's counselor: her school's report opens, Washington's is a 404.
        counselor = counselor_context.new_page()
        sign_in(counselor, server.url, demo_user(summary, "lena@maple.example"))
        expect(counselor.locator("#report-rows tr", has_text="Lincoln High")).to_have_count(1)
        expect(counselor.locator("#report-rows tr", has_text="Washington Middle")).to_have_count(0)
        assert counselor.goto(f"{server.url}/dashboard/reports/{lincoln_ref}/").status == 200
        for path in (
            f"/dashboard/reports/{washington_ref}/",
            f"/dashboard/reports/{washington_ref}/live/",
            f"/dashboard/reports/{washington_ref}/row/",
        ):
            assert counselor.goto(f"{server.url}{path}").status == 404, path
        api = counselor.request.get(f"{server.url}/api/v1/reports/{washington_ref}/")
        assert api.status == 404
        listed = counselor.request.get(f"{server.url}/api/v1/reports/").json()["results"]
        assert [r["id"] for r in listed] == [lincoln_ref]

        # Terry, a learner: training opens; no report or placement page exists for him.
        terry = demo_user(summary, "terry@maple.example")
        learner = learner_context.new_page()
        learner.goto(f"{server.url}/accounts/login/")
        learner.fill("#id_username", terry["email"])
        learner.fill("#id_password", terry["password"])
        learner.click("main button[type=submit]")
        learner.wait_for_url(re.compile(re.escape(f"{server.url}/training/")))
        for path in (
            f"/dashboard/reports/{lincoln_ref}/",
            f"/dashboard/reports/{washington_ref}/",
            "/dashboard/cases/",
            "/placements/",
            f"/placements/{lincoln['code']}/",
            f"/placements/{lincoln['code']}/qr.svg",
            f"/placements/{lincoln['code']}/poster.pdf",
        ):
            assert learner.goto(f"{server.url}{path}").status == 404, path
        learner_api = learner.request.get(f"{server.url}/api/v1/reports/{lincoln_ref}/")
        assert learner_api.status == 404
    finally:
        phone.close()
        admin_context.close()
        counselor_context.close()
        learner_context.close()
