"""Escalation from indexed due times, tested with a frozen clock (no sleeps)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from freezegun import freeze_time

from safepath.accounts.models import Organization, User
from safepath.conftest import logged_in
from safepath.placements.models import Placement
from safepath.reports.models import ReportPriority, ReportStatus
from safepath.reports.services import report_start
from safepath.routing.models import (
    Delivery,
    DeliveryPurpose,
    DeliveryStatus,
    EventKind,
    ReportRecipient,
    RoutingState,
)
from safepath.routing.services import (
    deliveries_process_due,
    escalations_process_due,
    policy_create_default,
    policy_update,
)

pytestmark = pytest.mark.django_db


def told(report) -> list[str]:
    return list(
        ReportRecipient.objects.filter(report=report)
        .order_by("pk")
        .values_list("organization__slug", flat=True)
    )


@pytest.fixture
def two_tier(bus_station: Placement, alice: User, task_force: Organization, settings) -> Placement:
    settings.FALLBACK_ORGANIZATION = "county-sheriff"
    policy = policy_create_default(organization=bus_station.organization)
    policy_update(
        policy=policy,
        name="Bus station",
        tiers_text="30/5: riverside-pd\n60/10: metro-task-force",
        police_when_urgent=False,
        service_slugs=[],
    )
    return bus_station


def test_unacknowledged_report_escalates_tier_by_tier_then_to_the_fallback(
    two_tier: Placement, county_sheriff: Organization
) -> None:
    start = timezone.now()
    with freeze_time(start):
        report, _ = report_start(placement=two_tier, step="what", value="help")
        assert escalations_process_due() == 0
    with freeze_time(start + timedelta(minutes=29)):
        assert escalations_process_due() == 0
        assert told(report) == ["riverside-pd"]
    with freeze_time(start + timedelta(minutes=31)):
        assert escalations_process_due() == 1
        assert told(report) == ["riverside-pd", "metro-task-force"]
    with freeze_time(start + timedelta(minutes=31 + 59)):
        assert escalations_process_due() == 0
    with freeze_time(start + timedelta(minutes=31 + 61)):
        assert escalations_process_due() == 1
        assert told(report) == ["riverside-pd", "metro-task-force", "county-sheriff"]
        assert RoutingState.objects.get(report=report).escalate_at is None
    kinds = list(report.routing_events.values_list("kind", flat=True))
    assert kinds.count(EventKind.ESCALATED) == 2
    assert EventKind.FALLBACK in kinds
    escalation = Delivery.objects.get(report=report, organization__slug="metro-task-force")
    assert escalation.purpose == DeliveryPurpose.ESCALATION


def test_urgent_reports_escalate_after_the_short_time(two_tier: Placement) -> None:
    start = timezone.now()
    with freeze_time(start):
        report, _ = report_start(placement=two_tier, step="what", value="help")
        report.priority = ReportPriority.URGENT
        report.save(update_fields=["priority"])
        from safepath.reports.signals import report_facts_changed

        report_facts_changed.send(sender=type(report), report=report, changed={"priority"})
    with freeze_time(start + timedelta(minutes=6)):
        assert escalations_process_due() == 1
    assert "metro-task-force" in told(report)


def test_acknowledgement_stops_escalation(two_tier: Placement, bob: User) -> None:
    start = timezone.now()
    with freeze_time(start):
        report, _ = report_start(placement=two_tier, step="what", value="help")
    client = logged_in(bob)
    with freeze_time(start + timedelta(minutes=10)):
        page = client.get(f"/dashboard/reports/{report.reference}/acknowledge/")
        assert page.status_code == 200
        response = client.post(f"/dashboard/reports/{report.reference}/acknowledge/")
        assert response.status_code == 302
    with freeze_time(start + timedelta(days=2)):
        assert escalations_process_due() == 0
    report.refresh_from_db()
    assert report.status == ReportStatus.ACKNOWLEDGED
    assert told(report) == ["riverside-pd"]
    ack = report.routing_events.get(kind=EventKind.ACKNOWLEDGED)
    assert ack.organization is not None and ack.organization.slug == "riverside-pd"


def test_escalation_catches_up_after_the_worker_was_down(
    two_tier: Placement, county_sheriff: Organization
) -> None:
    start = timezone.now()
    with freeze_time(start):
        reports = [report_start(placement=two_tier, step="what", value="help")[0] for _ in range(3)]
    # The worker was down for a day: everything overdue is due at once when it starts.
    with freeze_time(start + timedelta(days=1)):
        assert escalations_process_due() == 3
        assert escalations_process_due() == 0  # the next tier gets its full time
    with freeze_time(start + timedelta(days=1, minutes=61)):
        assert escalations_process_due() == 3
    for report in reports:
        assert told(report) == ["riverside-pd", "metro-task-force", "county-sheriff"]


def test_due_escalation_uses_the_index(two_tier: Placement) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    report_start(placement=two_tier, step="what", value="help")
    with CaptureQueriesContext(connection) as queries:
        escalations_process_due()
    selects = [q["sql"] for q in queries.captured_queries if "routing_routingstate" in q["sql"]]
    assert selects and all("escalate_at" in sql for sql in selects)


def test_a_delivery_that_gives_up_tells_the_admins_and_moves_to_the_next_tier(
    two_tier: Placement, settings
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # discard port: nothing listens
    settings.EMAIL_TIMEOUT = 1
    settings.DELIVERY_MAX_AGE_SECONDS = 600
    start = timezone.now()
    with freeze_time(start):
        report, _ = report_start(placement=two_tier, step="what", value="help")
        deliveries_process_due()
    assert Delivery.objects.get(report=report).status == DeliveryStatus.PENDING
    with freeze_time(start + timedelta(minutes=11)):
        deliveries_process_due()
        delivery = Delivery.objects.get(report=report, purpose=DeliveryPurpose.REPORT)
        assert delivery.status == DeliveryStatus.FAILED
        notice = Delivery.objects.get(report=report, purpose=DeliveryPurpose.FAILURE_NOTICE)
        assert notice.user is not None and notice.user.email == "alice@riverside.test"
        # Nobody at Riverside was reached: the next tier is told now, not after 30 minutes.
        assert escalations_process_due() == 1
    assert told(report) == ["riverside-pd", "metro-task-force"]
    assert report.routing_events.filter(kind=EventKind.DELIVERY_FAILED).exists()


def test_failure_notice_reaches_the_admin(two_tier: Placement, settings) -> None:
    settings.DELIVERY_MAX_AGE_SECONDS = 0
    report, _ = report_start(placement=two_tier, step="what", value="help")
    Delivery.objects.filter(report=report).update(user=None)  # unsendable
    deliveries_process_due()
    deliveries_process_due()
    notices = [m for m in mail.outbox if "could not be delivered" in m.subject]
    assert [m.to for m in notices] == [["alice@riverside.test"]]


def test_each_escalation_is_pushed_live_to_the_new_tier(
    two_tier: Placement, task_force: Organization
) -> None:
    from safepath.core.live import organization_group
    from safepath.core.testing import LiveEvents

    with LiveEvents(organization_group(task_force.pk)) as task_force_dashboard:
        start = timezone.now()
        with freeze_time(start):
            report, _ = report_start(placement=two_tier, step="what", value="help")
        with freeze_time(start + timedelta(minutes=31)), pytest.MonkeyPatch.context() as patch:
            # on_commit callbacks run at once: the test transaction never commits.
            patch.setattr("django.db.transaction.on_commit", lambda fn, *a, **k: fn())
            escalations_process_due()
        event = task_force_dashboard.next_event()
    assert event == {
        "kind": "report",
        "report": report.reference,
        "placement": two_tier.public_name,
    }
