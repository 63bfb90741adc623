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

pytestmark = pytest.mark.django_db

# Public pages, which anyone may open, are not staff URLs.
PUBLIC = {
    "reports:scan",
    "reports:help",
    "reports:followup",
    "home",
    "healthz",
    "accounts:login",
    "accounts:logout",
}

STAFF_OBJECT_URLS: dict[str, Callable[[Placement, Report], str]] = {
    "placements:qr_svg": lambda p, r: f"/placements/{p.code}/qr.svg",
    "placements:qr_png": lambda p, r: f"/placements/{p.code}/qr.png",
    "cases:report_detail": lambda p, r: f"/dashboard/reports/{r.reference}/",
    "cases:report_row": lambda p, r: f"/dashboard/reports/{r.reference}/row/",
}
STAFF_LIST_URLS = {"cases:dashboard"}
# Staff URLs that only take a POST: the owner's post is accepted (a redirect), another
# tenant's is a 404 that changes nothing.
STAFF_POST_URLS: dict[str, tuple[Callable[[Placement, Report], str], dict[str, str]]] = {
    "cases:report_reply": (
        lambda p, r: f"/dashboard/reports/{r.reference}/reply/",
        {"body": "We can help. Are you safe?"},
    ),
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

    unclassified = names - PUBLIC - set(STAFF_OBJECT_URLS) - STAFF_LIST_URLS - set(STAFF_POST_URLS)
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


@pytest.mark.parametrize("name", sorted(STAFF_OBJECT_URLS | dict.fromkeys(STAFF_LIST_URLS)))
def test_staff_urls_need_a_login(name: str, bus_station: Placement) -> None:
    report, _ = report_start(placement=bus_station, step="what", value="secret")
    url = "/dashboard/" if name in STAFF_LIST_URLS else STAFF_OBJECT_URLS[name](bus_station, report)

    response = Client().get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", sorted(STAFF_POST_URLS))
def test_other_tenant_posts_get_404_and_change_nothing(
    name: str, bob_client: Client, charlie_client: Client, bus_station: Placement
) -> None:
    report, _ = report_start(placement=bus_station, step="what", value="secret")
    url_for, data = STAFF_POST_URLS[name]
    url = url_for(bus_station, report)

    foreign = charlie_client.post(url, data)
    anonymous = Client().post(url, data)
    assert foreign.status_code == 404
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    assert report.messages.count() == 0

    assert bob_client.post(url, data).status_code == 303
    assert report.messages.count() == 1
