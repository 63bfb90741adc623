"""Nothing a staff member sees that may carry report contents is kept by a browser or proxy."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from safepath.cases.tests.test_tenancy import World

pytestmark = pytest.mark.django_db

PAGES: dict[str, Callable[[World], str]] = {
    "inbox": lambda w: "/dashboard/",
    "report page": lambda w: f"/dashboard/reports/{w.report.reference}/",
    "inbox row": lambda w: f"/dashboard/reports/{w.report.reference}/row/",
    "live fragment": lambda w: f"/dashboard/reports/{w.report.reference}/live/",
    "photo": lambda w: f"/dashboard/reports/{w.report.reference}/photo.jpg",
    "case": lambda w: f"/dashboard/cases/{w.case.reference}/",
    "case PDF": lambda w: f"/dashboard/cases/{w.case.reference}/summary.pdf",
    "document": lambda w: f"/dashboard/cases/{w.case.reference}/documents/{w.document.pk}/",
    "CSV": lambda w: "/dashboard/reports.csv",
    "API report": lambda w: f"/api/v1/reports/{w.report.reference}/",
    "API timeline": lambda w: f"/api/v1/reports/{w.report.reference}/timeline/",
    "API list": lambda w: "/api/v1/reports/",
}


@pytest.mark.parametrize("page", sorted(PAGES))
def test_staff_responses_with_report_contents_are_not_stored(
    page: str, bob_client: Client, world: World
) -> None:
    response = bob_client.get(PAGES[page](world))

    assert response.status_code == 200, page
    assert "no-store" in response.get("Cache-Control", ""), page
