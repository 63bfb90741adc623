"""The figures behind /analytics/, computed from real counters and real reports."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from safepath.accounts.models import Organization, Unit, User
from safepath.analytics import selectors
from safepath.cases.models import Outcome
from safepath.cases.services import report_set_status
from safepath.placements.models import Placement, ScanCount, SiteType
from safepath.reports.models import Report, ReportPriority
from safepath.reports.services import report_issue_receipt, report_start
from safepath.routing.models import EventKind, RoutingEvent, RoutingState

pytestmark = pytest.mark.django_db


@pytest.fixture
def chicago(riverside: Organization) -> Organization:
    riverside.time_zone = "America/Chicago"
    riverside.save()
    return riverside


def period(organization: Organization, end: date, days: int = 7) -> selectors.Period:
    return selectors.period_for(organization=organization, days=days, end=end)


def test_heat_grid_counts_in_the_organizations_time_zone(
    chicago: Organization, bus_station: Placement
) -> None:
    # Tuesday 2026-03-03 02:00 UTC is Monday 20:00 in Chicago (UTC-6 in winter).
    ScanCount.objects.create(
        placement=bus_station, hour=datetime(2026, 3, 3, 2, tzinfo=UTC), scans=5, reports_started=1
    )

    figures = selectors.when(organizations=[chicago.pk], period=period(chicago, date(2026, 3, 8)))

    scans = next(g for g in figures.grids if g.counter == "scans")
    assert scans.rows[0][20] == 5  # Monday, 20:00 local
    assert scans.total == 5
    day = next(r for r in figures.days if r.day == date(2026, 3, 2))
    assert day.counts["scans"] == 5 and day.counts["reports_started"] == 1


def test_per_day_sits_beside_the_previous_period(
    chicago: Organization, bus_station: Placement
) -> None:
    ScanCount.objects.create(
        placement=bus_station, hour=datetime(2026, 3, 4, 18, tzinfo=UTC), scans=3
    )
    ScanCount.objects.create(
        placement=bus_station, hour=datetime(2026, 2, 25, 18, tzinfo=UTC), scans=7
    )

    figures = selectors.when(organizations=[chicago.pk], period=period(chicago, date(2026, 3, 8)))

    row = next(r for r in figures.days if r.day == date(2026, 3, 4))
    assert row.previous_day == date(2026, 2, 25)
    assert (row.counts["scans"], row.previous["scans"]) == (3, 7)
    assert figures.totals["scans"] == 3 and figures.previous_totals["scans"] == 7
    assert figures.change("scans") == -57


def test_another_organizations_counters_are_not_added(
    chicago: Organization, bus_station: Placement, clinic: Placement
) -> None:
    hour = datetime(2026, 3, 4, 18, tzinfo=UTC)
    ScanCount.objects.create(placement=bus_station, hour=hour, scans=2)
    ScanCount.objects.create(placement=clinic, hour=hour, scans=50)

    figures = selectors.when(organizations=[chicago.pk], period=period(chicago, date(2026, 3, 8)))

    assert figures.totals["scans"] == 2


def test_funnel_by_placement_site_type_and_unit(
    riverside: Organization, bus_station: Placement
) -> None:
    unit = Unit.objects.create(organization=riverside, slug="north", name="North precinct")
    Placement.objects.filter(pk=bus_station.pk).update(site_type=SiteType.TRANSIT, unit=unit)
    quiet = Placement.objects.create(organization=riverside, public_name="Library lobby")
    report, _ = report_start(placement=bus_station, step="what", value="words")
    report_issue_receipt(report=report)
    ScanCount.objects.filter(placement=bus_station).update(scans=10, followups=1)

    funnel = selectors.funnel(
        organizations=[riverside.pk], period=selectors.period_for(organization=riverside, days=7)
    )

    row = next(r for r in funnel.placements if r.code == bus_station.code)
    assert row.counts == {
        "scans": 10,
        "reports_started": 1,
        "reports_answered": 1,
        "followups": 1,
        "receipts": 1,
    }
    assert row.rate("reports_started") == 10
    transit = next(r for r in funnel.site_types if r.label == "Transit stop or station")
    assert transit.counts["scans"] == 10
    assert next(r for r in funnel.units if r.label == "North precinct").counts["receipts"] == 1
    assert [n.placement for n in funnel.never_scanned] == [quiet]
    assert funnel.total.counts["scans"] == 10 and funnel.total.placements == 2


def _report_at(placement: Placement, created: datetime, priority: str = "normal") -> Report:
    report, _ = report_start(placement=placement, step="what", value="words")
    Report.objects.filter(pk=report.pk).update(created_at=created, priority=priority)
    report.refresh_from_db()
    return report


def test_response_times_by_priority_with_escalations_and_outcomes(
    riverside: Organization, bus_station: Placement, alice: User
) -> None:
    now = timezone.now()
    start = now - timedelta(hours=3)
    minutes = [5, 10, 15, 20, 100]
    for i, m in enumerate(minutes):
        report = _report_at(bus_station, start, ReportPriority.URGENT if i == 0 else "normal")
        if m == 5:
            # Closing acknowledges too; the acknowledgement time is set to 5 minutes below.
            report_set_status(
                report=report,
                status="closed",
                actor=alice,
                organization=riverside,
                outcome=Outcome.REFERRED_TO_SERVICES,
            )
        RoutingState.objects.filter(report=report).update(
            acknowledged_at=start + timedelta(minutes=m)
        )
        if m == 100:
            RoutingEvent.objects.create(report=report, kind=EventKind.ESCALATED, reason="late")
    waiting = _report_at(bus_station, start)
    RoutingState.objects.filter(report=waiting).update(acknowledged_at=None)

    figures = selectors.response(
        organizations=[riverside.pk], period=selectors.period_for(organization=riverside, days=7)
    )

    total = figures.total
    assert total.reports == 6 and total.acknowledged == 5
    assert total.ack_median == "15 min"
    assert total.ack_p90 == "68 min"  # linear between 20 and 100 at the 90th percentile
    assert (total.escalated, total.past_limit, figures.escalations) == (1, 1, 1)
    assert figures.waiting == 1
    assert total.closed == 1
    assert figures.outcomes == [("referred_to_services", "Referred to services", 1)]
    urgent = next(r for r in figures.by_priority if r.label == "Urgent")
    assert urgent.reports == 1 and urgent.ack_median == "5 min"
    assert [r.label for r in figures.by_tier] == ["Tier 1"]


def test_hotspot_figures_find_a_planted_cluster_of_placements(riverside: Organization) -> None:
    import h3

    centre = h3.latlng_to_cell(41.88, -87.63, 8)
    hour = timezone.now() - timedelta(days=1)
    busy = set(h3.grid_disk(centre, 1))
    for i, cell in enumerate(sorted(h3.grid_disk(centre, 5))):
        lat, lon = h3.cell_to_latlng(cell)
        placement = Placement.objects.create(
            organization=riverside,
            public_name=f"Stop {i}",
            latitude=round(lat, 6),
            longitude=round(lon, 6),
        )
        ScanCount.objects.create(
            placement=placement, hour=hour, scans=40 if cell in busy else 3 + (i % 4)
        )

    figures = selectors.where(
        organizations=[riverside.pk], period=selectors.period_for(organization=riverside, days=7)
    )

    hot = {h.cell for h in figures.significant if h.result.kind == "hot"}
    assert busy <= hot
    assert all(
        "More scans than expected for this area" in h.words
        for h in figures.significant
        if h.cell in busy
    )
    assert len(figures.points) == len(h3.grid_disk(centre, 5))


def test_a_placement_that_jumped_is_named_in_plain_words(riverside: Organization) -> None:
    now = timezone.now()
    steady = Placement.objects.create(organization=riverside, public_name="Steady")
    jumped = Placement.objects.create(organization=riverside, public_name="Jumped")
    for day in range(1, 63):
        hour = now - timedelta(days=day, hours=1)
        ScanCount.objects.create(placement=steady, hour=hour, scans=2)
        ScanCount.objects.create(placement=jumped, hour=hour, scans=8 if day <= 6 else 1)

    figures = selectors.where(
        organizations=[riverside.pk], period=selectors.period_for(organization=riverside, days=7)
    )

    assert [c.placement for c in figures.changes] == [jumped]
    assert figures.changes[0].words.startswith("More scans than usual for this placement")


def test_training_participation_counts_each_kind_of_assignment(
    riverside: Organization, alice: User, bob: User, charlie: User
) -> None:
    """The training figures, read in one pass over the assignments: open, overdue, cancelled
    (not counted), completed in and before the period, and members counted once."""
    from safepath.training.models import Assignment, AssignmentSource, Course

    course = Course.objects.create(slug="figures", sector="law_enforcement")
    today = timezone.now().astimezone(riverside.zone).date()
    now = timezone.now()
    within = period(riverside, today, days=28)

    def assign(user: User, **fields: object) -> None:
        Assignment.objects.create(
            organization=riverside, user=user, course=course, source=AssignmentSource.SELF, **fields
        )

    assign(alice, due_on=today - timedelta(days=1))  # open, overdue
    assign(alice, due_on=today + timedelta(days=5))  # open, not due yet
    assign(alice, completed_at=now - timedelta(hours=1))  # completed in the period
    assign(bob, completed_at=now - timedelta(days=2))  # completed in the period
    assign(bob, completed_at=now - timedelta(days=60))  # completed before it
    assign(bob, due_on=today - timedelta(days=3), cancelled_at=now)  # cancelled: not counted
    Assignment.objects.create(  # another organization's
        organization=charlie.memberships.get().organization,
        user=charlie,
        course=course,
        source=AssignmentSource.SELF,
        completed_at=now,
    )
    figures = selectors.training(organizations=[riverside.pk], period=within)
    assert figures == selectors.TrainingFigures(
        members=2,
        members_assigned=2,
        assignments_open=2,
        assignments_overdue=1,
        completed_in_period=2,
        members_completed=2,
    )
