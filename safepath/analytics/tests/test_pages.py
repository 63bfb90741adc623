"""The /analytics/ page, its CSV tables and the monthly PDF, through the HTTP interface."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from safepath.accounts.models import Membership, Organization, Role, User
from safepath.analytics.views import TABLES
from safepath.conftest import logged_in
from safepath.placements.models import Placement, ScanCount
from safepath.reports.services import report_start

pytestmark = pytest.mark.django_db


def member(organization: Organization, role: str) -> User:
    user = User.objects.create_user(f"{role}@analytics.test", "a-long-test-password")
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


@pytest.fixture
def activity(bus_station: Placement) -> str:
    ScanCount.objects.create(
        placement=bus_station, hour=timezone.now() - timedelta(hours=30), scans=12
    )
    report, _ = report_start(placement=bus_station, step="what", value="secret words")
    return report.reference


def test_an_administrator_sees_every_section(alice: User, activity: str) -> None:
    response = logged_in(alice).get("/analytics/")

    assert response.status_code == 200
    body = response.content.decode()
    for section in ('id="when"', 'id="where"', 'id="funnel"', 'id="response"', 'id="training"'):
        assert section in body
    assert 'class="heat"' in body and 'id="map-data"' in body
    assert "Bus station, restroom by gate 4" in body


def test_an_analyst_sees_counts_and_never_a_report(riverside: Organization, activity: str) -> None:
    analyst = member(riverside, Role.ANALYST)

    response = logged_in(analyst).get("/analytics/")

    assert response.status_code == 200
    assert b"secret words" not in response.content
    assert activity.encode() not in response.content


@pytest.mark.parametrize("role", [Role.RESPONDER, Role.AUDITOR])
def test_roles_without_analytics_are_refused(riverside: Organization, role: str) -> None:
    assert logged_in(member(riverside, role)).get("/analytics/").status_code == 403


def test_another_organization_is_a_404(charlie_client: Client, riverside: Organization) -> None:
    assert charlie_client.get("/analytics/?org=riverside-pd").status_code == 404
    assert charlie_client.get("/analytics/export/heat.csv?org=riverside-pd").status_code == 404


def test_a_bad_period_is_a_clear_400(alice: User) -> None:
    response = logged_in(alice).get("/analytics/?days=13")

    assert response.status_code == 400
    assert b"7, 28, 90 or 365 days" in response.content


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_table_exports_as_csv(alice: User, activity: str, table: str) -> None:
    response = logged_in(alice).get(f"/analytics/export/{table}.csv?days=7")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows and all(rows[0]), rows  # a header naming every column
    assert len({len(row) for row in rows}) == 1  # and rows of the same width
    assert b"secret words" not in response.content


def test_the_funnel_csv_holds_the_counts(alice: User, activity: str) -> None:
    response = logged_in(alice).get("/analytics/export/funnel-placements.csv?days=7")

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["placement", "Scans", "Reports started"]
    assert rows[1][:3] == ["Bus station, restroom by gate 4", "12", "1"]


def test_an_unknown_table_is_a_404_with_words(alice: User) -> None:
    response = logged_in(alice).get("/analytics/export/nothing.csv")

    assert response.status_code == 404
    assert b"no table by that name" in response.content


def test_the_monthly_summary_is_a_pdf_with_the_figures(alice: User, activity: str) -> None:
    import pypdfium2 as pdfium

    month = timezone.now().strftime("%Y-%m")
    response = logged_in(alice).get(f"/analytics/summary.pdf?month={month}")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    document = pdfium.PdfDocument(response.content)
    text = "".join(page.get_textpage().get_text_range() for page in document)
    assert "Riverside Police Department" in text
    assert "Scans: 12" in text
    assert "secret words" not in text


def test_a_bad_month_is_a_clear_400(alice: User) -> None:
    response = logged_in(alice).get("/analytics/summary.pdf?month=2026-13")

    assert response.status_code == 400
    assert b"YYYY-MM" in response.content


def test_the_page_allows_the_tile_server_and_nothing_else(alice: User, settings) -> None:
    settings.MAP_TILE_URL = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    policy = logged_in(alice).get("/analytics/")["Content-Security-Policy"]
    assert "img-src 'self' data: https://*.tiles.example.org;" in policy
    assert "script-src 'self';" in policy

    settings.MAP_TILE_URL = ""
    policy = logged_in(alice).get("/analytics/")["Content-Security-Policy"]
    assert "img-src 'self' data:;" in policy


def test_the_menu_offers_analytics_to_the_roles_that_may_open_it(
    riverside: Organization, alice: User
) -> None:
    responder = member(riverside, Role.RESPONDER)
    analyst = member(riverside, Role.ANALYST)

    assert b'href="/analytics/"' in logged_in(analyst).get("/training/").content
    assert b'href="/analytics/"' in logged_in(alice).get("/training/").content
    assert b'href="/analytics/"' not in logged_in(responder).get("/training/").content


def test_seed_demo_gives_analytics_real_pictures(db) -> None:
    from safepath.analytics import selectors
    from safepath.core.demo import seed_demo

    seed_demo()
    seed_demo()  # idempotent: a second run adds no counters and no reports
    riverside = Organization.objects.get(slug="riverside-pd")
    figures = selectors.where(
        organizations=[riverside.pk],
        period=selectors.period_for(organization=riverside, days=28),
    )
    hot = {name for h in figures.significant if h.result.kind == "hot" for name in h.placements}
    assert "Riverside bus station, restroom by gate 4" in hot
    assert "Stop: Public library, ground floor" in {
        c.placement.public_name for c in figures.changes
    }
    response = selectors.response(
        organizations=[riverside.pk],
        period=selectors.period_for(organization=riverside, days=120),
    )
    assert response.total.reports >= 40 and response.total.acknowledged > 0
    from safepath.reports.models import Report

    assert Report.objects.filter(placement__organization=riverside).count() == 41


def test_the_pages_run_with_the_cycle_collector_paused_and_switch_it_back_on(
    alice: User, activity: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from safepath.analytics import selectors

    seen: list[bool] = []
    real = selectors.training

    def training(**kwargs: object) -> selectors.TrainingFigures:
        seen.append(gc.isenabled())
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(selectors, "training", training)
    client = logged_in(alice)
    assert gc.isenabled()
    for url in ("/analytics/?days=7", "/analytics/export/training.csv", "/analytics/summary.pdf"):
        assert client.get(url).status_code == 200
        assert gc.isenabled(), url
    assert seen == [False, False, False]

    def broken(**kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "training", broken)
    with pytest.raises(RuntimeError):
        client.get("/analytics/export/training.csv")
    assert gc.isenabled()
