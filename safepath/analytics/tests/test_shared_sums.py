"""The page reads the counters once for its time figures and once per placement, and the
figures it builds from those shared sums are the ones each figure computes on its own."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from safepath.accounts.models import Organization, User
from safepath.analytics import selectors
from safepath.analytics.views import figures_for
from safepath.conftest import logged_in
from safepath.placements.models import Placement, PlacementStatus, ScanCount

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(riverside: Organization) -> list[Placement]:
    """Counters spread over 14 months: inside the period, in the period before, only in the
    change test's baseline weeks, and long before; at a retired placement too."""
    now = timezone.now()
    placements = [
        Placement.objects.create(
            organization=riverside,
            public_name=f"Stop {i}",
            latitude=38.58 + i * 0.002,
            longitude=-121.49,
        )
        for i in range(4)
    ]
    placements[3].status = PlacementStatus.RETIRED
    placements[3].save()
    for day in range(0, 420, 3):
        for i, placement in enumerate(placements):
            if i == 2 and day < 30:
                continue  # only older counters: in the baseline weeks, not in the period
            ScanCount.objects.create(
                placement=placement,
                hour=now - timedelta(days=day, hours=1 + i),
                scans=1 + (day + i) % 5,
                reports_started=(day + i) % 2,
                reports_answered=(day * i) % 2,
                followups=1 if day % 9 == 0 else 0,
            )
    return placements


@pytest.mark.parametrize("days", selectors.PERIOD_CHOICES)
def test_shared_sums_give_the_figures_each_computes_alone(
    riverside: Organization, history: list[Placement], days: int
) -> None:
    ids = [riverside.pk]
    period = selectors.period_for(organization=riverside, days=days)
    shared = figures_for(riverside, period)

    alone_when = selectors.when(organizations=ids, period=period)
    alone_weeks = selectors.engagement(organizations=ids, period=period)
    assert [g.rows for g in shared.when.grids] == [g.rows for g in alone_when.grids]
    assert shared.when.days == alone_when.days
    assert shared.when.totals == alone_when.totals
    assert shared.when.previous_totals == alone_when.previous_totals
    assert shared.engagement == alone_weeks
    assert sum(w.scans for w in alone_weeks) > 0

    # The per-placement sums equal a plain sum over the period's rows.
    begin, finish = period.bounds()
    for row in shared.funnel.placements:
        placement = Placement.objects.get(code=row.code)
        rows = ScanCount.objects.filter(placement=placement, hour__gte=begin, hour__lt=finish)
        for name in selectors.COUNTERS:
            assert row.counts[name] == sum(getattr(r, name) for r in rows), (row.label, name)
    points = {p["name"]: p["scans"] for p in shared.where.points}
    assert points == {r.label: r.counts["scans"] for r in shared.funnel.placements}
    assert "Stop 3" not in points  # retired


def test_the_page_aggregates_the_counters_twice_not_once_per_figure(
    alice: User, history: list[Placement]
) -> None:
    client = logged_in(alice)

    def load() -> dict[str, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/analytics/?days=28")
        assert response.status_code == 200
        return {
            table: sum(
                1
                for q in queries.captured_queries
                if table in q["sql"] and q["sql"].lstrip().upper().startswith("SELECT")
            )
            for table in (
                "analytics_organizationhour",
                "analytics_placementperiod",
                "placements_scancount",
                "routing_routingevent",  # read for raw reports' response figures only
            )
        }

    # First load: the days before yesterday and then yesterday and today, each with two
    # passes over the hourly summary for the time figures (per local day; per weekday and
    # hour) and one over the placement summary for the funnel, the map and the change test.
    # The periods are whole local days, so no raw counter or report is read at all.
    assert load() == {
        "analytics_organizationhour": 4,
        "analytics_placementperiod": 2,
        "placements_scancount": 0,
        "routing_routingevent": 0,
    }
    # Then the days before yesterday come from the cache: yesterday and today only.
    assert load() == {
        "analytics_organizationhour": 2,
        "analytics_placementperiod": 1,
        "placements_scancount": 0,
        "routing_routingevent": 0,
    }


def test_a_backdated_scan_is_on_the_next_page_despite_the_cache(
    alice: User, history: list[Placement]
) -> None:
    client = logged_in(alice)
    period = selectors.period_for(organization=history[0].organization, days=28)
    day = period.start + timedelta(days=3)

    def shown() -> int:
        text = client.get("/analytics/export/days.csv?days=28").content.decode()
        line = next(r for r in text.splitlines() if r.startswith(day.isoformat()))
        return int(line.split(",")[1])

    client.get("/analytics/?days=28")  # the days before yesterday now in the cache
    before = shown()
    late = Placement.objects.create(organization=history[0].organization, public_name="Late")
    hour = datetime.combine(day, time(12), tzinfo=period.zone)
    ScanCount.objects.create(placement=late, hour=hour, scans=7)  # counted days later
    assert shown() == before + 7
    sums = selectors.placement_sums(organizations=[late.organization_id], period=period)
    assert sums[late.pk]["scans"] == 7


def test_the_page_lists_the_busiest_placements_and_the_csv_every_one(
    alice: User, riverside: Organization
) -> None:
    from safepath.analytics.views import PAGE_ROWS

    hour = timezone.now() - timedelta(hours=5)
    count = PAGE_ROWS + 5
    for i in range(count):
        placement = Placement.objects.create(organization=riverside, public_name=f"Pole {i:02d}")
        ScanCount.objects.create(placement=placement, hour=hour, scans=100 + i)
    for i in range(count):
        Placement.objects.create(organization=riverside, public_name=f"Unscanned {i:02d}")
    client = logged_in(alice)

    page = client.get("/analytics/?days=7").content.decode()
    page = page.split('<section id="funnel">')[1].split("</section>")[0]
    csv_text = client.get("/analytics/export/funnel-placements.csv?days=7").content.decode()

    busiest = [f"Pole {i:02d}" for i in range(count - PAGE_ROWS, count)]
    quiet = [f"Pole {i:02d}" for i in range(count - PAGE_ROWS)]
    assert all(f"<td>{name}</td>" in page for name in busiest)
    assert not any(f"<td>{name}</td>" in page for name in quiet)
    assert f"The {PAGE_ROWS} busiest of" in page and "the CSV holds every one" in page
    assert all(name in csv_text for name in busiest + quiet)
    unscanned_shown = [i for i in range(count) if f"<li>Unscanned {i:02d}" in page]
    assert len(unscanned_shown) == PAGE_ROWS


def test_the_page_is_right_without_a_cache(
    alice: User,
    history: list[Placement],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = logged_in(alice)
    good = client.get("/analytics/export/days.csv?days=90").content

    def down(*args: object, **kwargs: object) -> None:
        raise ConnectionError("cache down")

    monkeypatch.setattr(selectors.cache, "get", down)
    monkeypatch.setattr(selectors.cache, "set", down)
    assert client.get("/analytics/?days=90").status_code == 200
    assert client.get("/analytics/export/days.csv?days=90").content == good
    assert "the cache could not be read" in caplog.text


def test_the_worker_warms_the_days_before_yesterday_for_the_first_page(
    alice: User, history: list[Placement], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a cache the server shares, the worker computes the past sums of every period the
    page offers and of last month's summary once per local day and per backdated write; the
    first page then computes none of them."""
    from safepath.analytics import summaries

    organization = history[0].organization
    summaries.fold()
    selectors._WARMED.clear()
    with override_settings(
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    ):
        assert selectors.warm_pending() == 0  # each process's own memory: nothing to share

    monkeypatch.setattr(selectors, "cache_is_shared", lambda: True)
    computed: list[object] = []
    real = selectors._period_rows

    def counted(*args: object, **kwargs: object) -> object:
        computed.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(selectors, "_period_rows", counted)
    assert selectors.warm_pending() == 1
    assert len(computed) == len(selectors.PERIOD_CHOICES) + 1  # and last month's
    assert selectors.warm_pending() == 0  # nothing new since

    computed.clear()
    client = logged_in(alice)
    for days in selectors.PERIOD_CHOICES:
        assert client.get(f"/analytics/?days={days}").status_code == 200
    assert client.get("/analytics/summary.pdf").status_code == 200
    assert computed == []  # every page read the days before yesterday from the cache

    # A backdated write: a new history, warmed again (and the page stays right).
    period = selectors.period_for(organization=organization, days=28)
    hour = datetime.combine(period.start + timedelta(days=2), time(12), tzinfo=period.zone)
    ScanCount.objects.create(placement=history[0], hour=hour - timedelta(hours=1), scans=3)
    summaries.fold()
    assert selectors.warm_pending() == 1
    computed.clear()
    sums = selectors.placement_sums(organizations=[organization.pk], period=period)
    assert computed == []  # from the cache the worker filled
    monkeypatch.setattr(selectors, "_cached", lambda key, compute: compute())
    assert selectors.placement_sums(organizations=[organization.pk], period=period) == sums
