"""Keyset pages of the inbox and the API list, and the inbox's capped counts.

Both ways of reading the visible reports are tried (few received reports named by id, many
walked in the inbox's order), so each plan is held to the same answers.
"""

from __future__ import annotations

import os
import threading
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone

from safepath.accounts.models import Organization, User
from safepath.api.models import Scope
from safepath.api.tokens import api_token_create
from safepath.cases import selectors, services, views
from safepath.cases.models import ShareAccess
from safepath.conftest import logged_in
from safepath.placements.models import Placement
from safepath.reports import access
from safepath.reports.models import Report, ReportPriority, ReportStatus
from safepath.reports.services import report_start
from safepath.reports.workflow import report_change_status

pytestmark = pytest.mark.django_db

POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


@pytest.fixture(params=["few", "many"])
def plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """ "many": every organization counts as having many reports, so listings walk the
    inbox index with a probe per row instead of naming the received reports."""
    if request.param == "many":
        monkeypatch.setattr(access, "MANY_RECEIVED", 1)
    return str(request.param)


def _reports(placement: Placement, count: int) -> list[Report]:
    """``count`` reports, some urgent, several with the very same last activity (ties are
    broken by id, so each still has one place in the order)."""
    made = []
    same_time = timezone.now() - timedelta(hours=1)
    for index in range(count):
        report, _ = report_start(placement=placement, step="what", value=f"report {index}")
        at = same_time if index % 3 == 0 else same_time - timedelta(minutes=index)
        priority = ReportPriority.URGENT if index % 4 == 0 else ReportPriority.NORMAL
        Report.objects.filter(pk=report.pk).update(last_activity_at=at, priority=priority)
        made.append(report)
    return made


def _bearer(user: User) -> dict[str, Any]:
    _record, token = api_token_create(user=user, name="agency system", scopes=[Scope.REPORTS_READ])
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _cursor(next_link: str) -> str:
    return parse_qs(urlsplit(next_link).query)["cursor"][0]


def _walk_api(client: Client, headers: dict[str, Any], url: str, between: Any = None) -> list[str]:
    seen: list[str] = []
    pages = 0
    while url:
        response = client.get(url, **headers)
        assert response.status_code == 200, response.content
        body = response.json()
        assert "count" not in body  # keyset pages do not count every report
        seen += [item["id"] for item in body["results"]]
        url = body["next"]
        pages += 1
        assert pages < 50, "the pages never end"
        if between and url:
            between()
    return seen


def test_api_pages_show_every_report_once_while_new_ones_arrive(
    plan: str, bob: User, bus_station: Placement
) -> None:
    before = _reports(bus_station, 11)
    arrived: list[Report] = []

    def a_report_arrives() -> None:
        arrived.append(report_start(placement=bus_station, step="what", value="new")[0])

    seen = _walk_api(Client(), _bearer(bob), "/api/v1/reports/?limit=3", a_report_arrives)

    assert len(seen) == len(set(seen)), "a report was shown twice"
    assert {r.reference for r in before} <= set(seen), "a report was skipped"
    assert arrived  # new reports came while paging (they are on the next walk's first page)
    ordered = list(Report.objects.filter(reference__in=seen).order_by(*selectors.INBOX_ORDER))
    assert seen == [r.reference for r in ordered]  # urgent first, then latest activity


def test_api_pages_include_reports_shared_with_the_organization(
    plan: str, alice: User, charlie: User, bus_station: Placement, clinic: Placement, st_brigid
) -> None:
    own = _reports(clinic, 4)
    shared = _reports(bus_station, 2)
    services.share_create(
        actor=alice,
        organization=bus_station.organization,
        shared_with=st_brigid,
        access=ShareAccess.READ,
        reason="review",
        report=shared[0],
    )

    seen = _walk_api(Client(), _bearer(charlie), "/api/v1/reports/?limit=2")

    assert sorted(seen) == sorted(r.reference for r in [*own, shared[0]])


def test_api_offset_paging_still_works_and_counts(bob: User, bus_station: Placement) -> None:
    _reports(bus_station, 5)

    body = Client().get("/api/v1/reports/?limit=2&offset=2", **_bearer(bob)).json()

    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert "offset=4" in body["next"]


def test_api_bad_cursor_is_a_400_with_a_message(bob: User, bus_station: Placement) -> None:
    _reports(bus_station, 3)
    headers = _bearer(bob)
    first = Client().get("/api/v1/reports/?limit=1", **headers).json()
    cursor = _cursor(first["next"])

    for bad in ("nonsense", cursor[:-3] + "abc", "a" * 300, "\x00", cursor.replace(":", "")):
        response = Client().get(f"/api/v1/reports/?cursor={quote(bad)}", **headers)
        assert response.status_code == 400, bad
        assert "not valid" in response.json()["cursor"][0]


def test_api_cursor_of_another_tenant_is_a_404(
    bob: User, charlie: User, bus_station: Placement, clinic: Placement
) -> None:
    _reports(bus_station, 3)
    _reports(clinic, 3)
    bobs_next = Client().get("/api/v1/reports/?limit=1", **_bearer(bob)).json()["next"]
    response = Client().get(
        f"/api/v1/reports/?cursor={quote(_cursor(bobs_next))}", **_bearer(charlie)
    )

    assert response.status_code == 404


def test_dashboard_pages_with_an_older_reports_link(
    plan: str, monkeypatch: pytest.MonkeyPatch, bob: User, bus_station: Placement
) -> None:
    monkeypatch.setattr(views, "INBOX_LIMIT", 4)
    made = _reports(bus_station, 10)
    client = logged_in(bob)
    seen: list[str] = []
    url = "/dashboard/?status=new"
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen += [r.reference for r in response.context["reports"]]
        cursor = response.context["next_cursor"]
        url = f"/dashboard/?status=new&cursor={quote(cursor)}" if cursor else ""
        if cursor:
            assert "Older reports" in response.content.decode()

    assert sorted(seen) == sorted(r.reference for r in made)
    assert len(seen) == len(set(seen))


def test_dashboard_bad_or_foreign_cursor(
    monkeypatch: pytest.MonkeyPatch, bob: User, charlie: User, bus_station: Placement
) -> None:
    monkeypatch.setattr(views, "INBOX_LIMIT", 1)
    _reports(bus_station, 2)
    cursor = logged_in(bob).get("/dashboard/").context["next_cursor"]

    bad = logged_in(bob).get("/dashboard/?cursor=forged")
    assert bad.status_code == 400
    assert "This page link is not valid" in bad.content.decode()
    assert logged_in(charlie).get(f"/dashboard/?cursor={quote(cursor)}").status_code == 404


def test_counts_above_the_cap_read_as_more_than(
    plan: str, monkeypatch: pytest.MonkeyPatch, bob: User, bus_station: Placement
) -> None:
    monkeypatch.setattr(selectors, "COUNT_CAP", 2)
    monkeypatch.setattr(selectors, "COUNT_EXACT_UNDER", 4)
    monkeypatch.setattr(views, "COUNT_CAP", 2)
    made = _reports(bus_station, 6)  # urgent: the 1st and the 5th
    Report.objects.filter(pk=made[1].pk).update(status=ReportStatus.CLOSED)

    counts = selectors.inbox_counts(user=bob)

    assert counts["new"] == 3  # more than the cap of 2
    assert counts["closed"] == 1
    assert counts["urgent_open"] == 2  # always exact
    page = logged_in(bob).get("/dashboard/").content.decode()
    assert "<strong>2+</strong>" in page


def test_counts_are_exact_under_the_threshold(plan: str, bob: User, bus_station: Placement) -> None:
    made = _reports(bus_station, 5)
    Report.objects.filter(pk=made[0].pk).update(status=ReportStatus.CLOSED)

    counts = selectors.inbox_counts(user=bob)

    assert counts == {
        ReportStatus.NEW: 4,
        ReportStatus.ACKNOWLEDGED: 0,
        ReportStatus.IN_PROGRESS: 0,
        ReportStatus.REFERRED: 0,
        ReportStatus.CLOSED: 1,
        "urgent_open": 1,  # the 5th; the 1st is closed
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not POSTGRES, reason="concurrent writers need PostgreSQL")
@pytest.mark.parametrize("many", [False, True])
def test_counts_stay_right_under_concurrent_status_changes(
    monkeypatch: pytest.MonkeyPatch, many: bool, bob: User, riverside: Organization
) -> None:
    """Several requests change statuses at once (each through the workflow, the only writer
    of the status); the counts read afterwards agree with the reports."""
    if many:
        monkeypatch.setattr(access, "MANY_RECEIVED", 1)
    monkeypatch.setattr(selectors, "COUNT_EXACT_UNDER", 1)  # the capped, indexed counts
    placement = Placement.objects.create(organization=riverside, public_name="Depot")
    made = [report_start(placement=placement, step="what", value=f"r{i}")[0] for i in range(24)]
    targets = [ReportStatus.ACKNOWLEDGED, ReportStatus.IN_PROGRESS, ReportStatus.CLOSED]
    errors: list[BaseException] = []

    def change(reports: list[Report], target: str) -> None:
        try:
            for report in reports:
                report_change_status(
                    report=report, status=target, actor=bob, organization=riverside
                )
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=change, args=(made[i::4], targets[i % 3])) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    counts = selectors.inbox_counts(user=bob)
    for status in ReportStatus.values:
        truth = Report.objects.filter(placement=placement, status=status).count()
        assert counts[status] == min(truth, selectors.COUNT_CAP + 1), status
