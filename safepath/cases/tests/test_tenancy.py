"""Tenants are walls: every staff URL that names an object answers 404 to another tenant.

The matrix is built from the URL configuration, so a new staff URL with a parameter fails
this test until someone says how to reach one of Riverside's objects through it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from safepath.placements.models import Placement
from safepath.reports.models import Report
from safepath.reports.services import report_start
from safepath.routing.models import RoutingPolicy

pytestmark = pytest.mark.django_db

# Public pages, which anyone may open, are not staff URLs.
PUBLIC = {"reports:scan", "reports:help", "home", "healthz", "accounts:login", "accounts:logout"}

STAFF_OBJECT_URLS: dict[str, Callable[[Placement, Report], str]] = {
    "placements:qr_svg": lambda p, r: f"/placements/{p.code}/qr.svg",
    "placements:qr_png": lambda p, r: f"/placements/{p.code}/qr.png",
    "cases:report_detail": lambda p, r: f"/dashboard/reports/{r.reference}/",
    "cases:report_row": lambda p, r: f"/dashboard/reports/{r.reference}/row/",
    "routing:acknowledge": lambda p, r: f"/dashboard/reports/{r.reference}/acknowledge/",
    "routing:placement_routing": lambda p, r: f"/dashboard/routing/placements/{p.code}/",
    "routing:policy_edit": lambda p, r: (
        f"/dashboard/routing/policies/{RoutingPolicy.objects.get(organization=p.organization).pk}/"
    ),
}
# Lists scoped to the member's organizations, and POST-only actions on them.
STAFF_LIST_URLS = {
    "cases:dashboard": "/dashboard/",
    "routing:overview": "/dashboard/routing/",
    "routing:policy_new": "/dashboard/routing/policies/new/",
    "routing:webhook_add": "/dashboard/routing/webhooks/",
    "routing:area_import": "/dashboard/routing/areas/",
    "routing:channels_update": "/dashboard/routing/channels/",
}


def named_patterns() -> dict[str, URLPattern]:
    found: dict[str, URLPattern] = {}

    def walk(patterns: list, namespace: str | None) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif entry.name:
                found[f"{namespace}:{entry.name}" if namespace else entry.name] = entry

    walk(get_resolver().url_patterns, None)
    return found


def test_every_named_url_is_classified() -> None:
    names = set(named_patterns())

    unclassified = names - PUBLIC - set(STAFF_OBJECT_URLS) - set(STAFF_LIST_URLS)
    assert not unclassified, f"add these URLs to the tenancy matrix: {sorted(unclassified)}"
    assert set(STAFF_OBJECT_URLS) <= names


@pytest.mark.parametrize("name", sorted(STAFF_OBJECT_URLS))
def test_other_tenant_gets_404_and_owner_gets_200(
    name: str, bob_client: Client, charlie_client: Client, bus_station: Placement
) -> None:
    report, _ = report_start(placement=bus_station, step="what", value="secret")
    url = STAFF_OBJECT_URLS[name](bus_station, report)

    assert bob_client.get(url).status_code == 200
    foreign = charlie_client.get(url)
    assert foreign.status_code == 404
    assert b"secret" not in foreign.content


@pytest.mark.parametrize("name", sorted(set(STAFF_OBJECT_URLS) | set(STAFF_LIST_URLS)))
def test_staff_urls_need_a_login(name: str, bus_station: Placement) -> None:
    report, _ = report_start(placement=bus_station, step="what", value="secret")
    url = STAFF_LIST_URLS.get(name) or STAFF_OBJECT_URLS[name](bus_station, report)

    response = Client().get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
