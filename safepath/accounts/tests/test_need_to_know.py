"""Need-to-know inside an organization: units and the learner role.

A district's Lincoln High counselor, limited to Lincoln High, must not open Washington
Middle's report (page, row, live view, API); the district's administrator sees both; a
learner sees training and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from safepath.accounts.models import Membership, Organization, Role, Unit, User
from safepath.conftest import PASSWORD, logged_in
from safepath.placements.models import Placement
from safepath.reports.models import Report
from safepath.reports.services import report_start

pytestmark = pytest.mark.django_db


@dataclass
class District:
    organization: Organization
    lincoln: Unit
    washington: Unit
    lincoln_report: Report
    washington_report: Report
    washington_placement: Placement


def member(email: str, organization: Organization, role: str, *units: Unit) -> User:
    user = User.objects.create_user(email, PASSWORD)
    membership = Membership.objects.create(user=user, organization=organization, role=role)
    membership.units.set(units)
    return user


@pytest.fixture
def district(db: None) -> District:
    organization = Organization.objects.create(
        slug="maple-schools", name="Maple County Schools", kind="school_district"
    )
    lincoln = Unit.objects.create(organization=organization, slug="lincoln", name="Lincoln High")
    washington = Unit.objects.create(
        organization=organization, slug="washington", name="Washington Middle"
    )
    at_lincoln = Placement.objects.create(
        organization=organization, public_name="Lincoln, counseling office", unit=lincoln
    )
    at_washington = Placement.objects.create(
        organization=organization, public_name="Washington, restroom B", unit=washington
    )
    lincoln_report, _ = report_start(placement=at_lincoln, step="what", value="lincoln words")
    washington_report, _ = report_start(
        placement=at_washington, step="what", value="washington words"
    )
    return District(
        organization, lincoln, washington, lincoln_report, washington_report, at_washington
    )


def report_urls(reference: str) -> list[str]:
    return [
        f"/dashboard/reports/{reference}/",
        f"/dashboard/reports/{reference}/row/",
        f"/dashboard/reports/{reference}/live/",
    ]


def _token(user: User) -> dict[str, Any]:
    from safepath.api.tokens import api_token_create

    _record, value = api_token_create(user=user, name="t", scopes=["reports:read"])
    return {"HTTP_AUTHORIZATION": f"Bearer {value}"}


def test_a_unit_limited_counselor_gets_404_for_another_schools_report(district: District) -> None:
    counselor = member(
        "counselor@lincoln.test", district.organization, Role.RESPONDER, district.lincoln
    )
    client = logged_in(counselor)

    for url in report_urls(district.washington_report.reference):
        assert client.get(url).status_code == 404, url
    for url in report_urls(district.lincoln_report.reference):
        assert client.get(url).status_code == 200, url
    inbox = client.get("/dashboard/").content.decode()
    assert district.lincoln_report.reference in inbox
    assert district.washington_report.reference not in inbox

    api = Client()
    headers = _token(counselor)
    ref = district.washington_report.reference
    assert api.get(f"/api/v1/reports/{ref}/", **headers).status_code == 404
    listed = api.get("/api/v1/reports/", **headers).json()["results"]
    assert [r["id"] for r in listed] == [district.lincoln_report.reference]


def test_a_report_assigned_to_a_unit_opens_for_that_unit(district: District) -> None:
    from safepath.cases.models import ReportHandling

    counselor = member("c@lincoln.test", district.organization, Role.RESPONDER, district.lincoln)
    ReportHandling.objects.create(report=district.washington_report, assigned_unit=district.lincoln)

    response = logged_in(counselor).get(
        f"/dashboard/reports/{district.washington_report.reference}/"
    )

    assert response.status_code == 200


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SUPERVISOR])
def test_whole_organization_members_see_every_schools_report(district: District, role: str) -> None:
    # An administrator sees everything even when placed in a unit; a supervisor in no unit too.
    units = (district.lincoln,) if role == Role.ADMIN else ()
    user = member(f"{role}@maple.test", district.organization, role, *units)
    client = logged_in(user)

    for report in (district.lincoln_report, district.washington_report):
        assert client.get(f"/dashboard/reports/{report.reference}/").status_code == 200


def test_a_learner_gets_404_for_every_report_and_placement_url(district: District) -> None:
    learner = member("staff@maple.test", district.organization, Role.LEARNER)
    client = Client()
    client.force_login(learner)
    code = district.washington_placement.code
    urls = [
        *report_urls(district.lincoln_report.reference),
        "/dashboard/cases/",
        "/dashboard/routing/",
        "/dashboard/members/",
        "/placements/",
        f"/placements/{code}/",
        f"/placements/{code}/qr.svg",
        f"/placements/{code}/poster.pdf",
        "/placements/map/",
    ]

    for url in urls:
        assert client.get(url).status_code == 404, url
    home = client.get("/dashboard/")
    assert home.status_code == 302 and home["Location"] == "/training/"
    training = client.get("/training/")
    assert training.status_code == 200
    assert b"/placements/" not in training.content  # the menu offers training only
    api: dict[str, Any] = _token(learner)
    assert Client().get("/api/v1/reports/", **api).json()["results"] == []
    ref = district.lincoln_report.reference
    assert Client().get(f"/api/v1/reports/{ref}/", **api).status_code == 404


def test_a_unit_limited_member_is_not_told_of_another_schools_report(db: None) -> None:
    from safepath.routing.models import Delivery

    organization = Organization.objects.create(slug="m", name="Maple", kind="school_district")
    lincoln = Unit.objects.create(organization=organization, slug="lincoln", name="Lincoln")
    washington = Unit.objects.create(organization=organization, slug="wash", name="Washington")
    counselor = member("c@lincoln.test", organization, Role.RESPONDER, lincoln)
    admin = member("a@maple.test", organization, Role.ADMIN)
    at_washington = Placement.objects.create(
        organization=organization, public_name="Washington gym", unit=washington
    )

    report, _ = report_start(placement=at_washington, step="what", value="x")

    told = set(Delivery.objects.filter(report=report).values_list("user__email", flat=True))
    assert admin.email in told
    assert counselor.email not in told
