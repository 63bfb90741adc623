"""The weekly digest (through the outbox, over real SMTP) and the regional view's suppression."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from safepath.accounts.models import Membership, Organization, OrganizationKind, Role, User
from safepath.analytics import selectors
from safepath.analytics.models import DigestEmail, DigestSubscription, RegionalSharing
from safepath.analytics.services import digests_queue_due, last_week_start
from safepath.conftest import logged_in
from safepath.placements.models import Placement, ScanCount
from safepath.reports.services import report_start
from safepath.routing.tests.test_deliveries import Inbox
from safepath.routing.tests.test_deliveries import smtp as smtp  # the fixture

pytestmark = pytest.mark.django_db

MARKER = "The blue van parks behind the laundromat"


@pytest.fixture
def task_force(db: None) -> Organization:
    return Organization.objects.create(
        slug="metro-tf", name="Metro Task Force", kind=OrganizationKind.TASK_FORCE
    )


def test_an_administrator_opts_in_and_the_worker_sends_counts_and_a_link(
    smtp: Inbox, alice: User, bus_station: Placement, settings
) -> None:
    week = last_week_start(organization=bus_station.organization)
    monday = datetime.combine(week, datetime.min.time(), tzinfo=bus_station.organization.zone)
    ScanCount.objects.create(placement=bus_station, hour=monday + timedelta(hours=10), scans=9)
    report, _ = report_start(placement=bus_station, step="what", value=MARKER)
    client = logged_in(alice)

    response = client.post("/analytics/digest/", {"org": "riverside-pd", "weekly": "on"})
    assert response.status_code == 302
    assert DigestSubscription.objects.filter(user=alice).exists()

    call_command("worker", "--once")
    call_command("worker", "--once")  # nothing more: one digest per week

    digests = [m for m in smtp.messages if "weekly digest" in m["Subject"]]
    assert len(digests) == 1
    text = digests[0].get_payload()
    assert digests[0]["To"] == "alice@riverside.test"
    assert "Scans: 9" in text
    assert f"{settings.BASE_URL}/analytics/?org=riverside-pd&days=7" in text
    assert MARKER not in text and report.reference not in text
    assert DigestEmail.objects.get().sent_at is not None


def test_the_digest_is_queued_once_per_week_and_stops_when_turned_off(alice: User) -> None:
    client = logged_in(alice)
    client.post("/analytics/digest/", {"org": "riverside-pd", "weekly": "on"})
    assert digests_queue_due() == 1
    assert digests_queue_due() == 0

    client.post("/analytics/digest/", {"org": "riverside-pd"})

    assert not DigestSubscription.objects.exists()
    later = timezone.now() + timedelta(days=7)
    assert digests_queue_due(now=later) == 0


def test_a_supervisor_cannot_choose_the_digest(riverside: Organization) -> None:
    supervisor = User.objects.create_user("sup@analytics.test", "a-long-test-password")
    Membership.objects.create(user=supervisor, organization=riverside, role=Role.SUPERVISOR)

    response = logged_in(supervisor).post(
        "/analytics/digest/", {"org": "riverside-pd", "weekly": "on"}
    )

    assert response.status_code == 403
    assert not DigestSubscription.objects.exists()


def test_small_counts_are_suppressed_and_never_alone() -> None:
    assert selectors.suppress([0, 3, 7, 12]) == [0, None, None, 12]
    assert selectors.suppress([1, 2, 30]) == [None, None, 30]
    assert selectors.suppress([0, 5, 6]) == [0, 5, 6]


def test_the_regional_view_shows_only_organizations_that_opted_in_with_suppression(
    alice: User, task_force: Organization, bus_station: Placement, clinic: Placement
) -> None:
    hour = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    ScanCount.objects.create(placement=bus_station, hour=hour - timedelta(days=1), scans=3)
    ScanCount.objects.create(placement=bus_station, hour=hour - timedelta(days=2), scans=40)
    ScanCount.objects.create(placement=clinic, hour=hour - timedelta(days=1), scans=500)
    analyst = User.objects.create_user("tess@analytics.test", "a-long-test-password")
    Membership.objects.create(user=analyst, organization=task_force, role=Role.ANALYST)

    response = logged_in(alice).post(
        "/analytics/regional-sharing/", {"org": "riverside-pd", "region": "metro-tf"}
    )
    assert response.status_code == 302
    page = logged_in(analyst).get("/analytics/region/?org=metro-tf&days=7")

    assert page.status_code == 200
    body = page.content.decode()
    assert "Riverside Police Department" in body
    assert "St. Brigid" not in body and "500" not in body  # did not opt in
    assert "43" in body  # Riverside's total scans
    assert "&lt;5" in body  # the day with 3 scans
    assert ">3<" not in body
    assert RegionalSharing.objects.get().region == task_force


def test_sharing_only_with_a_task_force(alice: User, st_brigid: Organization) -> None:
    response = logged_in(alice).post(
        "/analytics/regional-sharing/", {"org": "riverside-pd", "region": "st-brigid"}
    )

    assert response.status_code == 400
    assert b"task force" in response.content
    assert not RegionalSharing.objects.exists()


def test_another_region_is_a_404(charlie_client: Client, task_force: Organization) -> None:
    assert charlie_client.get("/analytics/region/?org=metro-tf").status_code == 404
