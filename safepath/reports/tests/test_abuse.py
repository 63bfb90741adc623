"""Abuse is flagged for responders, never refused: a real victim may trip the limits."""

from __future__ import annotations

import pytest
from django.test import Client

from safepath.placements.models import Placement
from safepath.reports import services
from safepath.reports.models import Report
from safepath.reports.tests.flow import answer

pytestmark = pytest.mark.django_db


def test_a_burst_of_reports_at_one_placement_is_flagged_not_refused(
    bus_station: Placement, clinic: Placement, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "PLACEMENT_BURST_REPORTS", 3)
    responses = [answer(Client(), bus_station, "details", text=f"r{i}") for i in range(5)]
    answer(Client(), clinic, "details", text="elsewhere")

    assert [r.status_code for r in responses] == [200] * 5
    flagged = list(
        Report.objects.filter(placement=bus_station)
        .order_by("pk")
        .values_list("flagged", flat=True)
    )
    assert flagged == [False, False, False, True, True]
    assert Report.objects.get(placement=clinic).flagged is False
    assert "Many reports" in Report.objects.filter(flagged=True).first().flag_reason  # type: ignore[union-attr]


def test_a_burst_of_saves_on_one_report_is_flagged_not_refused(
    bus_station: Placement, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "REPORT_BURST_WRITES", 5)
    client = Client()
    statuses = [answer(client, bus_station, "details", text=f"v{i}").status_code for i in range(8)]

    assert statuses == [200] * 8
    report = Report.objects.get()
    assert report.flagged and "saves" in report.flag_reason
    # Nothing was refused, and every saved version is kept, newest last.
    assert [e.text for e in report.entries.all()] == [f"v{i}" for i in range(8)]


def test_a_flag_shows_on_the_responders_report_page(
    bus_station: Placement, bob_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "REPORT_BURST_WRITES", 1)
    client = Client()
    answer(client, bus_station, "details", text="a")
    answer(client, bus_station, "details", text="b")

    page = bob_client.get(f"/dashboard/reports/{Report.objects.get().reference}/")

    assert "Flagged:" in page.content.decode()
