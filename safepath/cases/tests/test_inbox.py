"""The inbox and report view show a member's own organization's reports, and nothing else."""

from __future__ import annotations

import pytest
from django.test import Client

from safepath.accounts.models import Unit, User
from safepath.cases.services import report_assign
from safepath.placements.models import Placement
from safepath.placements.services import placement_record_scan
from safepath.reports.models import ReportStatus
from safepath.reports.services import report_add_answer, report_start
from safepath.reports.workflow import report_change_status

pytestmark = pytest.mark.django_db


def test_inbox_lists_own_reports_and_recent_scans(
    bob_client: Client, bus_station: Placement, clinic: Placement
) -> None:
    placement_record_scan(placement=bus_station)
    report_start(placement=bus_station, step="what", value="riverside report")
    report_start(placement=clinic, step="what", value="hospital report")

    body = bob_client.get("/dashboard/").content.decode()

    assert bus_station.public_name in body
    assert clinic.public_name not in body
    assert "Scans in the last 24 hours" in body
    assert f"{bus_station.public_name}: 1" in body


def test_report_page_shows_every_answer_in_order(
    bob_client: Client, bus_station: Placement
) -> None:
    report, _ = report_start(placement=bus_station, step="what", value="first answer")
    report_add_answer(report=report, step="more", value="second answer")

    body = bob_client.get(f"/dashboard/reports/{report.reference}/").content.decode()

    assert body.index("first answer") < body.index("second answer")


def test_row_fragment_counts_answers(bob_client: Client, bus_station: Placement) -> None:
    report, _ = report_start(placement=bus_station, step="what", value="x")
    report_add_answer(report=report, step="more", value="y")

    row = bob_client.get(f"/dashboard/reports/{report.reference}/row/").content.decode()

    assert row.startswith(f'<tr id="report-{report.reference}"')
    assert "<td>2</td>" in row


def test_reports_fragment_is_the_list_alone(bob_client: Client, bus_station: Placement) -> None:
    report_start(placement=bus_station, step="what", value="x")

    body = bob_client.get("/dashboard/?fragment=reports").content.decode()

    assert body.lstrip().startswith("<tr")
    assert "<html" not in body


def test_unknown_report_is_a_404(bob_client: Client) -> None:
    assert bob_client.get("/dashboard/reports/NOSUCHREPORT/").status_code == 404


def test_rows_show_status_and_who_handles_each_report(
    bob: User, bob_client: Client, bus_station: Placement
) -> None:
    nobody, _ = report_start(placement=bus_station, step="what", value="a")
    to_bob, _ = report_start(placement=bus_station, step="what", value="b")
    to_unit, _ = report_start(placement=bus_station, step="what", value="c")
    night_shift = Unit.objects.create(
        organization=bus_station.organization, slug="nights", name="Night shift"
    )
    organization = bus_station.organization
    report_assign(report=to_bob, actor=bob, organization=organization, assignee=bob)
    report_assign(report=to_unit, actor=bob, organization=organization, unit=night_shift)
    report_change_status(
        report=to_unit, actor=bob, organization=organization, status=ReportStatus.IN_PROGRESS
    )

    body = bob_client.get("/dashboard/?fragment=reports").content.decode()
    rows = {r.reference: _row(body, r.reference) for r in (nobody, to_bob, to_unit)}

    assert "<td>New · " in rows[nobody.reference]
    assert '<span class="muted">—</span>' in rows[nobody.reference]
    assert "bob@riverside.test" in rows[to_bob.reference]
    assert "<td>In progress</td>" in rows[to_unit.reference]
    assert "Night shift" in rows[to_unit.reference]


def _row(body: str, reference: str) -> str:
    start = body.index(f'<tr id="report-{reference}"')
    return body[start : body.index("</tr>", start)]
