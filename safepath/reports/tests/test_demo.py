"""seed_demo leaves a demo report whose printed receipt opens the follow-up page."""

from __future__ import annotations

import pytest
from django.test import Client

from safepath.core.demo import seed_demo
from safepath.reports.models import UNREADABLE, Report

pytestmark = pytest.mark.django_db


def test_the_demo_receipt_opens_the_demo_report_and_seeding_again_adds_nothing() -> None:
    first = seed_demo()
    reports = Report.objects.count()  # the demo report, and analytics' back-dated ones
    second = seed_demo()

    assert first["reports"] == second["reports"]
    assert Report.objects.count() == reports
    (demo,) = second["reports"]
    assert demo["placement"] in {p["code"] for p in second["placements"]}
    reader = Client()
    assert (
        reader.post("/followup/", {"action": "open", "receipt": demo["receipt"]}).status_code == 303
    )
    page = reader.get("/followup/").content.decode()
    assert "Is it safe to call you?" in page


def test_every_answer_of_the_demo_report_opens_for_its_responders() -> None:
    seed_demo()

    # seed_demo also back-dates reports for the analytics pictures: find the demo one.
    from safepath.reports.services import DEMO_REFERENCE

    demo = Report.objects.get(reference=DEMO_REFERENCE)
    assert [entry.step for entry in demo.entries.all()] == ["about", "what"]
    for entry in demo.entries.all():
        assert entry.body and str(UNREADABLE) not in entry.body


def test_an_answer_that_does_not_open_is_marked_and_the_page_still_shows(
    bob_client: Client, bus_station
) -> None:
    from safepath.reports.services import report_add_answer, report_start

    report, _ = report_start(placement=bus_station, step="what", value="first, readable")
    report_add_answer(report=report, step="where", value="second, to be damaged")
    damaged = report.entries.get(step="where")
    type(damaged).objects.filter(pk=damaged.pk).update(sealed_body=b"\x00" * 40)

    page = bob_client.get(f"/dashboard/reports/{report.reference}/")

    assert page.status_code == 200
    body = page.content.decode()
    assert "first, readable" in body
    assert "could not be opened" in body
