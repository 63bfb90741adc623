"""Routing defects that grew from a report's life being split across apps (issue 10):
escalation inside one organization, re-routing outside the answer's transaction, and
notifications to roles that may not read reports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from safepath.accounts.models import Membership, Organization, Role, Unit, User
from safepath.placements.models import Placement
from safepath.reports.models import ReportPriority
from safepath.reports.services import report_add_answer, report_start
from safepath.routing.models import Delivery, DeliveryPurpose, EventKind, RoutingState
from safepath.routing.services import escalations_process_due
from safepath.routing.tests.conftest import member

pytestmark = pytest.mark.django_db


def _in_unit(email: str, organization: Organization, unit: Unit) -> User:
    user = member(email, organization)
    Membership.objects.get(user=user).units.add(unit)
    return user


def _told(report, purpose: str) -> set[str]:
    return set(
        Delivery.objects.filter(report=report, purpose=purpose, user__isnull=False).values_list(
            "user__email", flat=True
        )
    )


@pytest.mark.parametrize("urgent", [False, True])
def test_hospital_default_escalates_from_social_work_to_security(
    st_brigid: Organization, urgent: bool
) -> None:
    social = Unit.objects.create(organization=st_brigid, slug="social-work", name="Social work")
    security = Unit.objects.create(organization=st_brigid, slug="security", name="Security")
    _in_unit("sue@stbrigid.test", st_brigid, social)
    _in_unit("sean@stbrigid.test", st_brigid, security)
    clinic = Placement.objects.create(organization=st_brigid, public_name="Exam room")
    start = timezone.now()
    with freeze_time(start):
        report, _ = report_start(placement=clinic, step="what", value="help")
        if urgent:
            report_add_answer(report=report, step="under18", choices=["yes"])
            report.refresh_from_db()
            assert report.priority == ReportPriority.URGENT
    assert _told(report, DeliveryPurpose.REPORT) == {"sue@stbrigid.test"}

    with freeze_time(start + timedelta(minutes=16)):
        escalations_process_due()

    state = RoutingState.objects.get(report=report)
    assert state.tier_index == 1
    assert state.escalate_at is not None  # security has its own time to acknowledge
    assert _told(report, DeliveryPurpose.ESCALATION) == {"sean@stbrigid.test"}
    assert not report.routing_events.filter(kind=EventKind.NOTE).exists()


def test_school_default_escalates_from_safety_team_to_the_district(
    school: Organization,
) -> None:
    restroom = Placement.objects.create(organization=school, public_name="Gym restroom")
    start = timezone.now()
    with freeze_time(start):
        report, _ = report_start(placement=restroom, step="what", value="help")
    assert _told(report, DeliveryPurpose.REPORT) == {"sid@schools.test"}

    with freeze_time(start + timedelta(minutes=16)):
        escalations_process_due()

    assert RoutingState.objects.get(report=report).tier_index == 1
    assert "dora@schools.test" in _told(report, DeliveryPurpose.ESCALATION)


def test_rerouting_is_written_in_the_answers_own_transaction(
    bus_station: Placement, alice: User
) -> None:
    # No post-commit hook runs in this test (its transaction never commits): whatever the
    # urgent answer changes in routing must already be written when the answer returns.
    start = timezone.now()
    with freeze_time(start):
        report, _ = report_start(placement=bus_station, step="what", value="help")
        before = RoutingState.objects.get(report=report).escalate_at
        report_add_answer(report=report, step="danger", choices=["yes"])

    after = RoutingState.objects.get(report=report).escalate_at
    assert before is not None and after is not None
    assert after < before  # the urgent, shorter acknowledgement time applies at once


def test_new_report_notifications_reach_only_roles_that_may_read_it(
    bus_station: Placement, alice: User, bob: User
) -> None:
    riverside = bus_station.organization
    member("ann@riverside.test", riverside, Role.ANALYST)
    member("aud@riverside.test", riverside, Role.AUDITOR)

    report, _ = report_start(placement=bus_station, step="what", value="help")

    assert _told(report, DeliveryPurpose.REPORT) == {"alice@riverside.test", "bob@riverside.test"}
