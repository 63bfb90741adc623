"""The onboarding checklist is measured from real data, never ticked by hand."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from safepath.accounts.models import Membership, Organization, Role, Unit, User
from safepath.conftest import PASSWORD, logged_in
from safepath.onboarding.checklist import checklist
from safepath.placements.models import Placement
from safepath.reports.services import report_start
from safepath.routing.models import OrganizationArea

pytestmark = pytest.mark.django_db


def steps(organization: Organization) -> dict[str, bool]:
    return {step.key: step.done for step in checklist(organization)}


def test_a_police_departments_steps_follow_what_it_really_did(
    alice: User, bob: User, riverside: Organization, settings: Any
) -> None:
    assert steps(riverside) == {
        "profile": False,
        "members": False,
        "area": False,
        "placements": False,
        "drill": False,
        "training": False,
        "compliance": False,
    }
    admin = logged_in(alice)
    logged_in(bob)  # Bob enrolled a second factor too

    admin.post(
        "/dashboard/onboarding/profile/",
        {"organization": riverside.slug, "name": riverside.name, "time_zone": "America/Chicago"},
    )
    OrganizationArea.objects.create(
        organization=riverside,
        name="City",
        geometry={},
        size=1,
        min_lon=0,
        min_lat=0,
        max_lon=1,
        max_lat=1,
    )
    placement = Placement.objects.create(organization=riverside, public_name="Depot")
    assert steps(riverside)["area"] is False  # uploaded, not yet verified by the operator
    OrganizationArea.objects.update(verified_at=timezone.now())
    assert steps(riverside)["placements"] is False  # no poster printed yet
    settings.DEBUG = False
    admin.get(f"/placements/{placement.code}/poster.pdf")
    report_start(placement=placement, step="what", value="a real report is not a drill")
    assert steps(riverside)["drill"] is False
    assert admin.post(f"/dashboard/onboarding/drill/{placement.code}/").status_code == 302

    done = steps(riverside)
    assert done["profile"] and done["members"] and done["area"] and done["drill"]
    riverside.refresh_from_db()
    assert riverside.time_zone == "America/Chicago"
    assert not done["training"]


def test_a_bad_time_zone_is_refused_and_nothing_changes(alice: User, riverside) -> None:
    response = logged_in(alice).post(
        "/dashboard/onboarding/profile/",
        {"organization": riverside.slug, "name": "X", "time_zone": "Mars/Olympus"},
    )

    assert response.status_code == 400
    riverside.refresh_from_db()
    assert riverside.name == "Riverside Police Department"
    assert steps(riverside)["profile"] is False


def test_schools_follow_assessment_deployment_training_monitoring(db: None) -> None:
    district = Organization.objects.create(slug="d", name="District", kind="school_district")
    lincoln = Unit.objects.create(organization=district, slug="lincoln", name="Lincoln High")

    keys = [step.key for step in checklist(district)]
    assert keys == [
        "profile",
        "members",
        "assessment",
        "deployment",
        "training",
        "compliance",
        "monitoring",
    ]
    Placement.objects.create(organization=district, public_name="Gym", site_type="lobby")
    assert steps(district)["assessment"] is False  # not a private place
    Placement.objects.create(
        organization=district,
        public_name="Counseling",
        site_type="counseling_office",
        unit=lincoln,
    )
    assert steps(district)["assessment"] is True


def test_a_districts_administrator_sees_its_schools_progress(db: None) -> None:
    district = Organization.objects.create(slug="d", name="Maple District", kind="school_district")
    school = Organization.objects.create(
        slug="s", name="Lincoln High", kind="school", parent=district
    )
    other = Organization.objects.create(slug="o", name="Elsewhere High", kind="school")
    admin = User.objects.create_user("grace@maple.test", PASSWORD)
    Membership.objects.create(user=admin, organization=district, role=Role.ADMIN)

    page = logged_in(admin).get("/dashboard/onboarding/").content.decode()

    assert "checklist-d" in page and f"checklist-{school.slug}" in page
    assert other.name not in page
    banner = logged_in(admin).get("/dashboard/").content.decode()
    assert 'id="onboarding-banner"' in banner


def test_a_parent_sees_its_childrens_training_compliance_as_counts_only(db: None) -> None:
    from datetime import date

    from safepath.training.models import Requirement

    district = Organization.objects.create(slug="d", name="Maple District", kind="school_district")
    lincoln = Organization.objects.create(
        slug="lincoln", name="Lincoln High", kind="school", parent=district
    )
    washington = Organization.objects.create(
        slug="washington", name="Washington Middle", kind="school", parent=district
    )
    Requirement.objects.create(organization=lincoln, code="annual", title="Annual awareness")
    grace = User.objects.create_user("grace@maple.test", PASSWORD)
    Membership.objects.create(user=grace, organization=district, role=Role.ADMIN)
    lena = User.objects.create_user("lena@lincoln.test", PASSWORD, first_name="Lena")
    Membership.objects.create(
        user=lena, organization=lincoln, role=Role.RESPONDER, hired_on=date(2020, 1, 1)
    )
    walt = User.objects.create_user("walt@washington.test", PASSWORD)
    Membership.objects.create(user=walt, organization=washington, role=Role.ADMIN)

    page = logged_in(grace).get("/dashboard/onboarding/").content.decode()

    # One overdue person at Lincoln, as a number; nobody's name, no link into the child.
    assert 'id="compliance-lincoln"' in page and 'data-overdue="1"' in page
    assert 'id="compliance-washington"' in page
    assert "Lena" not in page and "lena@lincoln.test" not in page
    assert "/training/manage/" not in page.split('id="compliance-lincoln"')[1].split("</tr>")[0]

    # A child's administrator sees neither the parent nor a sibling.
    sibling = logged_in(walt).get("/dashboard/onboarding/").content.decode()
    assert 'id="compliance-washington"' in sibling
    assert "compliance-lincoln" not in sibling and 'compliance-d"' not in sibling
    assert "Lincoln High" not in sibling and "Maple District" not in sibling.split("<main")[-1]

    # Seeing the numbers opens nothing else: the parent's administrator cannot read a
    # child's report (page, row, live view).
    placement = Placement.objects.create(organization=lincoln, public_name="Office")
    report = report_start(placement=placement, step="what", value="a child's report")[0]
    grace_client = logged_in(grace)
    for suffix in ("", "row/", "live/"):
        url = f"/dashboard/reports/{report.reference}/{suffix}"
        assert grace_client.get(url).status_code == 404
