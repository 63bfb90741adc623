"""Inbox search and filters staff use at 3 a.m., and times in the organization's own zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from freezegun import freeze_time

from safepath.accounts.models import Organization, User
from safepath.cases.services import report_assign
from safepath.conftest import logged_in
from safepath.core.models import AuditEntry
from safepath.placements.models import Placement
from safepath.reports.models import Report
from safepath.reports.services import report_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def inn(riverside: Organization) -> Placement:
    return Placement.objects.create(
        organization=riverside, public_name="Riverside Inn, lobby restroom", address="12 River Rd"
    )


def _report(placement: Placement) -> Report:
    report, _ = report_start(placement=placement, step="what", value="words")
    return report


def rows(client: Client, **query: str) -> str:
    response = client.get("/dashboard/", query)
    assert response.status_code == 200, response.content.decode()[:400]
    body = response.content.decode()
    return body[body.index('id="report-rows"') :]


def test_search_finds_by_reference_place_address_and_assignee(
    bob_client: Client, bob: User, alice: User, bus_station: Placement, inn: Placement
) -> None:
    at_station, at_inn = _report(bus_station), _report(inn)
    alice.first_name, alice.last_name = "Alice", "Moreno"
    alice.save()
    report_assign(report=at_inn, actor=bob, organization=inn.organization, assignee=alice)

    for query in [at_inn.reference.lower(), "lobby", "12 river", "moreno"]:
        found = rows(bob_client, q=query)
        assert at_inn.reference in found, query
        assert at_station.reference not in found, query


def test_place_filter_takes_a_name_or_a_code(
    bob_client: Client, bus_station: Placement, inn: Placement
) -> None:
    at_station, at_inn = _report(bus_station), _report(inn)

    by_name = rows(bob_client, placement="inn, LOBBY")
    by_code = rows(bob_client, placement=bus_station.code.lower())

    assert at_inn.reference in by_name and at_station.reference not in by_name
    assert at_station.reference in by_code and at_inn.reference not in by_code


def test_assignee_filter_names_people(
    bob_client: Client, bob: User, alice: User, bus_station: Placement, inn: Placement
) -> None:
    at_station, at_inn = _report(bus_station), _report(inn)
    alice.first_name, alice.last_name = "Alice", "Moreno"
    alice.save()
    report_assign(report=at_inn, actor=bob, organization=inn.organization, assignee=alice)

    page = bob_client.get("/dashboard/").content.decode()
    found = rows(bob_client, assignee=str(alice.pk))

    assert f'<option value="{alice.pk}">Alice Moreno</option>' in page
    assert at_inn.reference in found and at_station.reference not in found


def test_date_filters_are_date_inputs(bob_client: Client) -> None:
    page = bob_client.get("/dashboard/").content.decode()

    assert 'type="date" name="since"' in page
    assert 'type="date" name="until"' in page
    assert 'type="search" name="q"' in page


def test_staff_times_are_in_the_organizations_zone(
    bob_client: Client, riverside: Organization, bus_station: Placement
) -> None:
    riverside.time_zone = "Asia/Tokyo"  # UTC+9, no daylight saving
    riverside.save()
    with freeze_time(datetime(2026, 1, 5, 23, 30, tzinfo=UTC)):
        report = _report(bus_station)

    inbox = rows(bob_client)
    by_local_date = rows(bob_client, since="2026-01-06", until="2026-01-06")

    assert "Jan 6, 08:30" in inbox  # 23:30 UTC is 08:30 the next day in Tokyo
    assert report.reference in by_local_date


def test_an_admin_sets_the_time_zone_and_others_cannot(
    alice: User, bob_client: Client, charlie: User, riverside: Organization
) -> None:
    refused = bob_client.post(
        "/dashboard/routing/time-zone/",
        {"organization": riverside.pk, "time_zone": "Europe/Paris"},
    )
    foreign = logged_in(charlie).post(
        "/dashboard/routing/time-zone/",
        {"organization": riverside.pk, "time_zone": "Europe/Paris"},
    )
    bad = logged_in(alice).post(
        "/dashboard/routing/time-zone/",
        {"organization": riverside.pk, "time_zone": "Mars/Olympus"},
    )
    done = logged_in(alice).post(
        "/dashboard/routing/time-zone/",
        {"organization": riverside.pk, "time_zone": "America/Chicago"},
    )

    assert (refused.status_code, foreign.status_code, bad.status_code) == (403, 404, 400)
    assert done.status_code == 302
    riverside.refresh_from_db()
    assert riverside.time_zone == "America/Chicago"
    assert AuditEntry.objects.filter(action="organization.time_zone").count() == 1
