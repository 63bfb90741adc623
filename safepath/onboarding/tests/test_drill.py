"""Drill mode: a report marked DRILL everywhere, never counted, never sent outside."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from safepath.accounts.models import Organization, User
from safepath.cases.selectors import inbox_counts
from safepath.conftest import logged_in
from safepath.placements.models import Placement, ScanCount
from safepath.reports.models import Report
from safepath.reports.services import report_start
from safepath.routing.deliveries import webhook_payload
from safepath.routing.models import (
    Delivery,
    ReportRecipient,
    RoutingPolicy,
    RoutingTier,
    TargetKind,
    TierRecipient,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_policy(bus_station: Placement, st_brigid: Organization) -> RoutingPolicy:
    """Riverside's policy names St. Brigid too: real reports reach both organizations."""
    policy = RoutingPolicy.objects.create(
        organization=bus_station.organization, name="Both", sector="public_place", is_default=True
    )
    tier = RoutingTier.objects.create(policy=policy, position=1)
    for organization in (bus_station.organization, st_brigid):
        TierRecipient.objects.create(
            tier=tier, kind=TargetKind.ORGANIZATION, organization=organization
        )
    return policy


def start_drill(user: User, placement: Placement) -> Report:
    response = logged_in(user).post(f"/dashboard/onboarding/drill/{placement.code}/")
    assert response.status_code == 302
    return Report.objects.get(is_drill=True)


def test_a_drill_stays_inside_the_organization_a_real_report_does_not(
    alice: User, bob: User, charlie: User, bus_station: Placement, shared_policy: Any
) -> None:
    real, _ = report_start(placement=bus_station, step="what", value="real")
    drill = start_drill(alice, bus_station)

    def receivers(report: Report) -> set[str]:
        rows = ReportRecipient.objects.filter(report=report)
        return set(rows.values_list("organization__slug", flat=True))

    assert receivers(real) == {"riverside-pd", "st-brigid"}
    assert receivers(drill) == {"riverside-pd"}
    assert not Delivery.objects.filter(report=drill, organization__slug="st-brigid").exists()
    ref = drill.reference
    assert logged_in(charlie).get(f"/dashboard/reports/{ref}/").status_code == 404


def test_a_drill_is_marked_everywhere_and_never_counted(
    alice: User, bob: User, bus_station: Placement, mail_server: Any
) -> None:
    drill = start_drill(alice, bus_station)

    client = logged_in(bob)
    inbox = client.get("/dashboard/").content.decode()
    row = inbox[inbox.index(f'id="report-{drill.reference}"') :]
    assert "DRILL" in row[: row.index("</tr>")]
    assert "DRILL" in client.get(f"/dashboard/reports/{drill.reference}/").content.decode()
    assert sum(v for k, v in inbox_counts(user=bob).items() if k != "urgent_open") == 0
    assert not ScanCount.objects.filter(placement=bus_station, reports_started__gt=0).exists()

    call_command("worker", "--once")
    bodies = mail_server.wait_for(bob.email)
    subjects = [str(m["Subject"]) for m in mail_server.messages]
    assert subjects and all(s.startswith("DRILL: ") for s in subjects)
    assert bodies[0].startswith("DRILL")
    delivery = Delivery.objects.filter(report=drill).first()
    assert delivery is not None and webhook_payload(delivery)["drill"] is True


def test_only_managers_start_drills(bob: User, charlie: User, bus_station: Placement) -> None:
    url = f"/dashboard/onboarding/drill/{bus_station.code}/"

    assert logged_in(bob).post(url).status_code == 403
    assert logged_in(charlie).post(url).status_code == 404
    assert not Report.objects.exists()
