"""Tenants are walls: every staff URL that names an object answers 404 to another tenant.

The matrix is built from the URL configuration, so a new staff URL with a parameter fails
this test until someone says how to reach one of Riverside's objects through it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from safepath.accounts.models import User
from safepath.conftest import logged_in
from safepath.placements.models import Placement, PosterBatch
from safepath.placements.services import poster_batch_create, poster_batch_run
from safepath.reports.models import Report
from safepath.reports.services import report_start

pytestmark = pytest.mark.django_db

# Public pages, which anyone may open, are not staff URLs.
PUBLIC = {"reports:scan", "reports:help", "home", "healthz", "accounts:login", "accounts:logout"}

STAFF_OBJECT_URLS: dict[str, Callable[[Placement, Report], str]] = {
    "placements:qr_svg": lambda p, r: f"/placements/{p.code}/qr.svg",
    "placements:qr_png": lambda p, r: f"/placements/{p.code}/qr.png",
    "cases:report_detail": lambda p, r: f"/dashboard/reports/{r.reference}/",
    "cases:report_row": lambda p, r: f"/dashboard/reports/{r.reference}/row/",
    "placements:detail": lambda p, r: f"/placements/{p.code}/",
    "placements:poster": lambda p, r: f"/placements/{p.code}/poster.pdf",
    "placements:batch_detail": lambda p, r: f"/placements/batches/{_finished_batch(p)}/",
    "placements:batch_status": lambda p, r: f"/placements/batches/{_finished_batch(p)}/status.json",
    "placements:batch_download": lambda p, r: (
        f"/placements/batches/{_finished_batch(p)}/posters.pdf"
    ),
}
STAFF_LIST_URLS = {
    "cases:dashboard",
    "placements:list",
    "placements:map",
    "placements:create",
    "placements:import",
    "placements:import_template",
    "placements:export",
    "placements:batches",
}
# Object pages only administrators and supervisors open: Alice (Riverside's admin) gets 200.
MANAGER_OBJECT_URLS: dict[str, Callable[[Placement], str]] = {
    "placements:edit": lambda p: f"/placements/{p.code}/edit/",
}
# Object actions that only take a POST: the owner's post works, another tenant's is a 404.
POST_OBJECT_URLS: dict[str, tuple[Callable[[Placement], str], dict[str, str]]] = {
    "placements:set_status": (lambda p: f"/placements/{p.code}/status/", {"status": "lost"}),
    "placements:replace_code": (lambda p: f"/placements/{p.code}/replace-code/", {}),
    "placements:mark_checked": (lambda p: f"/placements/{p.code}/checked/", {}),
}


def _finished_batch(placement: Placement) -> int:
    batch = poster_batch_create(
        organization=placement.organization, actor=None, placements=[placement], paper="letter"
    )
    poster_batch_run(batch=PosterBatch.objects.get(pk=batch.pk))
    return batch.pk


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

    unclassified = (
        names
        - PUBLIC
        - set(STAFF_OBJECT_URLS)
        - STAFF_LIST_URLS
        - set(MANAGER_OBJECT_URLS)
        - set(POST_OBJECT_URLS)
    )
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
    url = reverse(name) if name in STAFF_LIST_URLS else STAFF_OBJECT_URLS[name](bus_station, report)

    response = Client().get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", sorted(MANAGER_OBJECT_URLS))
def test_manager_pages_answer_owner_200_other_tenant_404_anonymous_login(
    name: str, alice: User, charlie_client: Client, bus_station: Placement
) -> None:
    url = MANAGER_OBJECT_URLS[name](bus_station)

    assert logged_in(alice).get(url).status_code == 200
    assert charlie_client.get(url).status_code == 404
    assert Client().get(url)["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", sorted(POST_OBJECT_URLS))
def test_post_actions_are_404_for_another_tenant_and_need_a_login(
    name: str, alice: User, charlie_client: Client, bus_station: Placement
) -> None:
    make_url, data = POST_OBJECT_URLS[name]
    url = make_url(bus_station)

    foreign = charlie_client.post(url, data)
    anonymous = Client().post(url, data)
    owner = logged_in(alice).post(url, data)

    assert foreign.status_code == 404
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    assert owner.status_code == 302
    assert not owner["Location"].startswith("/accounts/login/")
