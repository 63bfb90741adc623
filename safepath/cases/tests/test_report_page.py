"""The report page's live fragment, the reporter's photo and the placement's location."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.test import Client
from PIL import Image

from safepath.accounts.models import User
from safepath.conftest import logged_in
from safepath.core.models import AuditEntry
from safepath.placements.models import Placement
from safepath.reports.models import Report
from safepath.reports.photos import clean_photo
from safepath.reports.services import (
    report_add_answer,
    report_add_photo,
    report_message_from_reporter,
    report_start,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(bus_station: Placement) -> Report:
    report, _ = report_start(placement=bus_station, step="what", value="first answer")
    return report


def jpeg(width: int = 40, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


def test_the_live_fragment_holds_what_arrived_after_the_page_was_opened(
    bob_client: Client, report: Report
) -> None:
    bob_client.get(f"/dashboard/reports/{report.reference}/")
    report_add_answer(report=report, step="details", value="a grey van, plate 7XK")
    report_message_from_reporter(report=report, body="<script>alert(1)</script> after 9 pm")

    fragment = bob_client.get(f"/dashboard/reports/{report.reference}/live/")

    html = fragment.content.decode()
    assert fragment.status_code == 200
    for element_id in ("report-state", "timeline", "messages", "report-routing"):
        assert f'id="{element_id}"' in html
    assert "a grey van, plate 7XK" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; after 9 pm" in html
    assert "<script>" not in html


def test_live_refreshes_of_an_open_page_are_audited_once(
    bob_client: Client, bob: User, report: Report
) -> None:
    bob_client.get(f"/dashboard/reports/{report.reference}/")
    for _ in range(3):
        bob_client.get(f"/dashboard/reports/{report.reference}/live/")

    views = AuditEntry.objects.filter(actor=bob, action="report.view")
    assert views.count() == 1


def test_a_fragment_fetched_on_its_own_is_audited(
    bob_client: Client, bob: User, report: Report
) -> None:
    bob_client.get(f"/dashboard/reports/{report.reference}/live/")

    assert AuditEntry.objects.filter(actor=bob, action="report.view").count() == 1


def test_the_photo_is_shown_through_an_audited_sandboxed_uncached_view(
    bob_client: Client, bob: User, report: Report
) -> None:
    report_add_photo(report=report, photo=clean_photo(jpeg()))

    page = bob_client.get(f"/dashboard/reports/{report.reference}/").content.decode()
    response = bob_client.get(f"/dashboard/reports/{report.reference}/photo.jpg")

    assert f'src="/dashboard/reports/{report.reference}/photo.jpg"' in page
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert "sandbox" in response["Content-Security-Policy"]
    assert "no-store" in response["Cache-Control"]
    assert Image.open(io.BytesIO(response.content)).size == (40, 30)
    assert AuditEntry.objects.filter(actor=bob, action="report.photo_view").count() == 1


def test_a_report_without_a_photo_has_no_photo_url(bob_client: Client, report: Report) -> None:
    page = bob_client.get(f"/dashboard/reports/{report.reference}/").content.decode()

    assert "photo.jpg" not in page
    assert bob_client.get(f"/dashboard/reports/{report.reference}/photo.jpg").status_code == 404


def test_the_placement_location_is_shown_without_a_map_service(
    alice: User, report: Report, bus_station: Placement
) -> None:
    Placement.objects.filter(pk=bus_station.pk).update(
        latitude=Decimal("40.446111"), longitude=Decimal("-79.982222")
    )

    page = logged_in(alice).get(f"/dashboard/reports/{report.reference}/").content.decode()

    assert "40.446111, -79.982222" in page
    assert f'href="/placements/{bus_station.code}/"' in page
    assert "openstreetmap" not in page.lower() and "tile" not in page.lower()
