"""seed_demo leaves a demo report whose printed receipt opens the follow-up page."""

from __future__ import annotations

import pytest
from django.test import Client

from safepath.core.demo import seed_demo
from safepath.reports.models import Report

pytestmark = pytest.mark.django_db


def test_the_demo_receipt_opens_the_demo_report_and_seeding_again_adds_nothing() -> None:
    first = seed_demo()
    second = seed_demo()

    assert first["reports"] == second["reports"]
    assert Report.objects.count() == 1
    (demo,) = second["reports"]
    assert demo["placement"] in {p["code"] for p in second["placements"]}
    reader = Client()
    assert (
        reader.post("/followup/", {"action": "open", "receipt": demo["receipt"]}).status_code == 303
    )
    page = reader.get("/followup/").content.decode()
    assert "Is it safe to call you?" in page
