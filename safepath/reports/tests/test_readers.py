"""``report_readers`` (who of many members may read a report, in a few queries) decides
exactly as ``reports_visible_to`` does, member by member, in every way a report can be
reached: whole organizations, units (placement, assignment, routing policy), shares of the
report and of a case, and not through a deactivated membership, a suspended organization or
an inactive account."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safepath.accounts.models import Membership, Organization, OrganizationKind, Role, Unit, User
from safepath.cases.services import case_create, case_link_report, report_assign, share_create
from safepath.conftest import PASSWORD
from safepath.placements.models import Placement
from safepath.reports.access import report_readers, reports_visible_to
from safepath.reports.models import Report
from safepath.reports.services import report_start

pytestmark = pytest.mark.django_db


def member(email: str, organization: Organization, role: str, *units: Unit) -> User:
    user = User.objects.filter(email=email).first() or User.objects.create_user(email, PASSWORD)
    membership = Membership.objects.create(user=user, organization=organization, role=role)
    membership.units.set(units)
    return user


def organization(slug: str, kind: str) -> Organization:
    return Organization.objects.create(slug=slug, name=slug.title(), kind=kind)


def one_by_one(report: Report, users: list[User]) -> set[int]:
    return {user.pk for user in users if reports_visible_to(user).filter(pk=report.pk).exists()}


def test_report_readers_decides_as_reports_visible_to_for_every_member() -> None:
    district = organization("maple", OrganizationKind.SCHOOL_DISTRICT)
    hospital = organization("brigid", OrganizationKind.HEALTHCARE)
    shelter = organization("harbor", OrganizationKind.SERVICE_PROVIDER)
    closed = organization("closed", OrganizationKind.SERVICE_PROVIDER)
    lincoln = Unit.objects.create(organization=district, slug="lincoln", name="Lincoln")
    washington = Unit.objects.create(organization=district, slug="washington", name="Washington")
    night = Unit.objects.create(organization=district, slug="night", name="Night desk")
    at_lincoln = Placement.objects.create(organization=district, public_name="L", unit=lincoln)
    at_washington = Placement.objects.create(
        organization=district, public_name="W", unit=washington
    )
    lincoln_report, _ = report_start(placement=at_lincoln, step="what", value="l")
    washington_report, _ = report_start(placement=at_washington, step="what", value="w")
    assigned_report, _ = report_start(placement=at_washington, step="what", value="a")
    grace = member("grace@maple.test", district, Role.ADMIN)
    lena = member("lena@maple.test", district, Role.RESPONDER, lincoln)
    wes = member("wes@maple.test", district, Role.RESPONDER, washington)
    nina = member("nina@maple.test", district, Role.RESPONDER, night)
    ana = member("ana@maple.test", district, Role.ANALYST, lincoln)  # counts, limited
    whole = member("whole@maple.test", district, Role.RESPONDER)
    # Limited to Night in the district, but reads for the hospital, which a report is
    # shared with; and for a suspended organization that would read everything.
    dual = member("dual@maple.test", district, Role.RESPONDER, night)
    member("dual@maple.test", hospital, Role.RESPONDER)
    member("dual@maple.test", closed, Role.ADMIN)
    nurse = member("nurse@brigid.test", hospital, Role.RESPONDER)
    sol = member("sol@harbor.test", shelter, Role.RESPONDER)
    gone = member("gone@maple.test", district, Role.RESPONDER, lincoln)
    Membership.objects.filter(user=gone).update(deactivated_at=timezone.now())
    asleep = member("asleep@maple.test", district, Role.ADMIN)
    User.objects.filter(pk=asleep.pk).update(is_active=False)
    closed.suspended_at = timezone.now()
    closed.save()
    # A share of one report, an assignment to Night, and a case shared with the shelter.
    share_create(
        actor=grace,
        organization=district,
        shared_with=hospital,
        access="read",
        reason="medical follow-up",
        report=lincoln_report,
    )
    report_assign(report=assigned_report, actor=grace, organization=district, unit=night)
    case = case_create(organization=district, actor=grace, title="Car wash")
    case_link_report(case=case, report=washington_report, actor=grace, organization=district)
    share_create(
        actor=grace,
        organization=district,
        shared_with=shelter,
        access="read",
        reason="shelter",
        case=case,
    )
    everyone = [
        User.objects.get(pk=user.pk)  # as a request would load them (asleep is inactive)
        for user in (grace, lena, wes, nina, ana, whole, dual, nurse, sol, gone, asleep)
    ]

    for report in (lincoln_report, washington_report, assigned_report):
        report = Report.objects.get(pk=report.pk)
        assert report_readers(report=report, user_ids=[u.pk for u in everyone]) == one_by_one(
            report, everyone
        ), report.placement.public_name

    def names(report: Report) -> set[str]:
        ids = report_readers(report=report, user_ids=[u.pk for u in everyone])
        return {u.email.split("@")[0] for u in everyone if u.pk in ids}

    # Not vacuous: each way in and each way out is exercised.
    # Ana, an analyst limited to Lincoln, counts Lincoln's reports but never reads one.
    assert names(lincoln_report) == {"grace", "lena", "whole", "dual", "nurse"}
    assert names(washington_report) == {"grace", "wes", "whole", "sol"}
    assert names(assigned_report) == {"grace", "wes", "nina", "whole", "dual"}


def test_report_readers_asks_a_few_queries_whatever_the_number_of_members(
    riverside: Organization, bus_station: Placement
) -> None:
    patrol = Unit.objects.create(organization=riverside, slug="patrol", name="Patrol")
    users = [
        member(f"officer{n}@riverside.test", riverside, Role.RESPONDER, patrol) for n in range(12)
    ]
    report, _ = report_start(placement=bus_station, step="what", value="words")
    with CaptureQueriesContext(connection) as queries:
        readers = report_readers(report=report, user_ids=[u.pk for u in users])
    assert readers == set()  # the bus station is not the patrol unit's
    assert len(queries) <= 6, [q["sql"] for q in queries]
