"""seed_demo's district: two schools as units, a counselor per school, every role shown."""

from __future__ import annotations

import pytest

from safepath.accounts.models import User
from safepath.core.demo import seed_demo
from safepath.placements.models import Placement
from safepath.reports.access import reports_visible_to
from safepath.reports.services import report_start

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_district_with_two_schools_and_every_role() -> None:
    seed_demo()
    summary = seed_demo()  # idempotent: the second run changes nothing it reports

    district = next(o for o in summary["organizations"] if o["slug"] == "maple-county-schools")
    assert district["kind"] == "school_district"
    roles = {u["role"] for u in summary["users"]}
    assert {"admin", "supervisor", "responder", "analyst", "auditor", "learner"} <= roles
    emails = [u["email"] for u in summary["users"]]
    assert len(emails) == len(set(emails))
    learner = next(u for u in summary["users"] if u["role"] == "learner")
    assert "totp_secret" not in learner
    schools = [p for p in summary["placements"] if p["organization"] == "maple-county-schools"]
    assert len(schools) == 2


def test_the_demo_counselors_read_only_their_own_schools_reports() -> None:
    seed_demo()
    lincoln = Placement.objects.get(public_name="Lincoln High, counseling office")
    washington = Placement.objects.get(public_name="Washington Middle, restroom by the gym")
    at_lincoln, _ = report_start(placement=lincoln, step="what", value="a")
    at_washington, _ = report_start(placement=washington, step="what", value="b")

    lena = User.objects.get(email="lena@maple.example")
    grace = User.objects.get(email="grace@maple.example")

    assert set(reports_visible_to(lena)) == {at_lincoln}
    assert {at_lincoln, at_washington} <= set(reports_visible_to(grace))
