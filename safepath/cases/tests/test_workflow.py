"""Handling a report: status along the workflow, outcome to close, assignment, notes, inbox."""

from __future__ import annotations

import pytest
from django.test import Client

from safepath.accounts.models import Membership, Role, Unit, User
from safepath.cases.models import InternalNote, ReportHandling, WorkflowEvent
from safepath.conftest import PASSWORD, logged_in
from safepath.core.models import AuditEntry
from safepath.placements.models import Placement
from safepath.reports.models import Report, ReportPriority
from safepath.reports.services import report_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(bus_station: Placement) -> Report:
    report, _ = report_start(placement=bus_station, step="what", value="first answer")
    return report


def post(client: Client, report: Report, action: str, data: dict[str, str]):
    return client.post(f"/dashboard/reports/{report.reference}/{action}/", data)


def test_report_moves_along_the_workflow_and_closes_with_an_outcome(
    bob_client: Client, report: Report
) -> None:
    assert post(bob_client, report, "status", {"status": "acknowledged"}).status_code == 302
    assert post(bob_client, report, "status", {"status": "in_progress"}).status_code == 302
    refused = post(bob_client, report, "status", {"status": "closed"})
    assert refused.status_code == 400
    assert "Choose an outcome" in refused.content.decode()

    closed = post(
        bob_client, report, "status", {"status": "closed", "outcome": "referred_to_services"}
    )

    assert closed.status_code == 302
    report.refresh_from_db()
    assert report.status == "closed"
    assert ReportHandling.objects.get(report=report).outcome == "referred_to_services"
    kinds = list(WorkflowEvent.objects.filter(report=report).values_list("detail", flat=True))
    assert kinds == ["Acknowledged", "In progress", "Closed: Referred to services"]
    assert AuditEntry.objects.filter(action="report.status").count() == 3


def test_impossible_transition_is_refused_and_changes_nothing(
    bob_client: Client, report: Report
) -> None:
    response = post(bob_client, report, "status", {"status": "referred"})

    assert response.status_code == 400
    assert "cannot be moved" in response.content.decode()
    report.refresh_from_db()
    assert report.status == "new"
    assert not WorkflowEvent.objects.exists()


def test_unknown_status_is_a_clear_400(bob_client: Client, report: Report) -> None:
    response = post(bob_client, report, "status", {"status": "vanished"})

    assert response.status_code == 400
    report.refresh_from_db()
    assert report.status == "new"


def test_assign_to_a_member_and_a_unit(
    bob: User, bob_client: Client, report: Report, riverside
) -> None:
    unit = Unit.objects.create(organization=riverside, slug="vice", name="Vice unit")

    response = post(bob_client, report, "assign", {"assignee": str(bob.pk), "unit": str(unit.pk)})

    assert response.status_code == 302
    handling = ReportHandling.objects.get(report=report)
    assert (handling.assignee, handling.assigned_unit) == (bob, unit)
    inbox = bob_client.get("/dashboard/?assignee=me").content.decode()
    assert report.reference in inbox


def test_cannot_assign_to_someone_of_another_organization(
    bob_client: Client, report: Report, charlie: User
) -> None:
    response = post(bob_client, report, "assign", {"assignee": str(charlie.pk)})

    assert response.status_code == 400
    assert not ReportHandling.objects.exists()


def test_internal_notes_are_saved_and_limited(bob_client: Client, report: Report) -> None:
    assert (
        post(bob_client, report, "notes", {"body": "Called the hotel manager."}).status_code == 302
    )
    assert post(bob_client, report, "notes", {"body": "   "}).status_code == 400
    assert post(bob_client, report, "notes", {"body": "x" * 5001}).status_code == 400

    assert [note.body for note in InternalNote.objects.all()] == ["Called the hotel manager."]
    page = bob_client.get(f"/dashboard/reports/{report.reference}/").content.decode()
    assert "Called the hotel manager." in page


def test_urgent_reports_come_first_and_filters_apply(
    bob_client: Client, bus_station: Placement
) -> None:
    calm, _ = report_start(placement=bus_station, step="what", value="calm")
    urgent, _ = report_start(placement=bus_station, step="what", value="danger")
    Report.objects.filter(pk=urgent.pk).update(priority=ReportPriority.URGENT)
    later, _ = report_start(placement=bus_station, step="what", value="later")

    body = bob_client.get("/dashboard/").content.decode()
    assert body.index(urgent.reference) < body.index(later.reference) < body.index(calm.reference)
    assert "URGENT" in body

    only_urgent = bob_client.get("/dashboard/?priority=urgent").content.decode()
    assert urgent.reference in only_urgent and calm.reference not in only_urgent


def test_bad_filter_is_a_clear_400(bob_client: Client) -> None:
    # The place filter takes a name or a code, so "???" is a search, not an error.
    response = bob_client.get("/dashboard/?since=2026-13-45&placement=???")

    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode()


def test_csv_export_lists_visible_reports_without_contents(
    bob_client: Client, report: Report, clinic: Placement
) -> None:
    other, _ = report_start(placement=clinic, step="what", value="hospital")

    response = bob_client.get("/dashboard/reports.csv")

    text = response.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    assert report.reference in text
    assert other.reference not in text
    assert "first answer" not in text


def test_analyst_sees_counts_but_no_report(riverside, report: Report) -> None:
    analyst = User.objects.create_user("ana@riverside.test", PASSWORD)
    Membership.objects.create(user=analyst, organization=riverside, role=Role.ANALYST)
    client = logged_in(analyst)

    assert report.reference not in client.get("/dashboard/").content.decode()
    assert client.get(f"/dashboard/reports/{report.reference}/").status_code == 404


def test_hostile_text_is_shown_inert_and_intact(bob_client: Client, bus_station: Placement) -> None:
    hostile = "<script>alert(1)</script> <img src=x onerror=alert(2)> \u202egnp.exe " + "w" * 300
    report, _ = report_start(placement=bus_station, step="what", value=hostile)

    body = bob_client.get(f"/dashboard/reports/{report.reference}/").content.decode()

    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "\u202egnp.exe" in body  # kept as written, isolated by CSS (unicode-bidi: isolate)
    assert "w" * 300 in body


def test_analyst_and_auditor_see_no_placement_details(riverside, bus_station: Placement) -> None:
    for role in (Role.ANALYST, Role.AUDITOR):
        person = User.objects.create_user(f"{role}@riverside.test", PASSWORD)
        Membership.objects.create(user=person, organization=riverside, role=role)
        client = logged_in(person)

        assert client.get(f"/placements/{bus_station.code}/").status_code == 404
        assert client.post(f"/placements/{bus_station.code}/checked/").status_code == 404
