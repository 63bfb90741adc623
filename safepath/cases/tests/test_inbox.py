"""The inbox and report view show a member's own organization's reports, and nothing else."""

from __future__ import annotations

import pytest
from django.test import Client

from safepath.placements.models import Placement
from safepath.placements.services import placement_record_scan
from safepath.reports.services import report_add_answer, report_start

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
