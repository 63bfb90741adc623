"""The summaries analytics reads (``analytics.summaries``, ``analytics.responses``) always equal
the raw counters and reports, however those were written: the counting services, plain ORM
writes, bulk loads, backdated rows, deletions, concurrent writers. Run on SQLite and on
PostgreSQL (``DATABASE_URL``)."""

from __future__ import annotations

import random
import threading
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.utils import timezone

from safepath.accounts.models import Organization, Unit, User
from safepath.analytics import responses, selectors, summaries
from safepath.analytics.models import (
    OrganizationHour,
    PlacementPeriod,
    ResponseDay,
    ScanDelta,
    SummaryZone,
)
from safepath.cases.models import Outcome, WorkflowEvent
from safepath.cases.services import report_assign, report_set_status
from safepath.placements.models import Placement, ScanCount
from safepath.placements.services import placement_count, placement_record_scan
from safepath.reports.models import Report, ReportPriority
from safepath.reports.services import report_start
from safepath.routing.models import EventKind, RoutingEvent, RoutingState

pytestmark = pytest.mark.django_db


def _raw_window(placement_ids: list[int], begin: datetime, finish: datetime) -> dict[int, dict]:
    found: dict[int, dict] = {}
    for row in ScanCount.objects.filter(
        placement_id__in=placement_ids, hour__gte=begin, hour__lt=finish
    ):
        into = found.setdefault(row.placement_id, dict.fromkeys((*selectors.COUNTERS, "hours"), 0))
        for name in selectors.COUNTERS:
            into[name] += getattr(row, name)
        into["hours"] += 1
    return found


def _history(organization: Organization, count: int = 3) -> list[Placement]:
    """Counters over 14 months, at odd hours too (not on the hour), through the ORM."""
    placements = [
        Placement.objects.create(organization=organization, public_name=f"Pole {i}")
        for i in range(count)
    ]
    now = timezone.now()
    rows = []
    for day in range(0, 430, 2):
        for i, placement in enumerate(placements):
            rows.append(
                ScanCount(
                    placement=placement,
                    hour=now - timedelta(days=day, hours=(day * 7 + i) % 24, minutes=i),
                    scans=1 + (day + i) % 4,
                    reports_started=(day + i) % 2,
                    reports_answered=day % 3 == 0,
                    followups=1 if day % 11 == 0 else 0,
                )
            )
    ScanCount.objects.bulk_create(rows)
    return placements


def test_every_way_of_writing_counters_reaches_the_summaries(
    riverside: Organization, bus_station: Placement, clinic: Placement
) -> None:
    placements = _history(riverside)
    placement_record_scan(placement=bus_station)  # the counting service: INSERT … ON CONFLICT
    placement_record_scan(placement=bus_station)
    placement_count(placement=clinic, counter="followups")
    report_start(placement=bus_station, step="what", value="words")  # started and answered
    backdated = datetime(2025, 12, 31, 23, tzinfo=UTC)
    ScanCount.objects.create(placement=bus_station, hour=backdated, scans=4)  # last year
    ScanCount.objects.filter(placement=bus_station, hour=backdated).update(scans=9, followups=2)
    ScanCount.objects.filter(placement=placements[0]).order_by("hour")[:1].get().delete()
    moved = ScanCount.objects.filter(placement=placements[1]).earliest("hour")
    moved.hour = moved.hour - timedelta(days=40)  # a row that moves to another day and month
    moved.save()
    assert ScanDelta.objects.exists()  # pending until someone reads or the worker folds

    assert summaries.differences() == []
    assert not ScanDelta.objects.exists()
    assert OrganizationHour.objects.filter(organization_id=st_brigid_id(clinic)).exists()


def st_brigid_id(placement: Placement) -> int:
    return placement.organization_id


def test_window_sums_equal_a_plain_sum_over_any_window(riverside: Organization) -> None:
    placements = _history(riverside)
    ids = [p.pk for p in placements]
    now = timezone.now()
    rng = random.Random(14)
    summaries.fold()  # what placement_sums does before it reads
    windows = [(now - timedelta(days=400), now + timedelta(days=1))]
    for _ in range(25):
        begin = now - timedelta(days=rng.randint(0, 420), hours=rng.randint(0, 23))
        windows.append(
            (begin, begin + timedelta(days=rng.randint(0, 120), hours=rng.randint(0, 30)))
        )
    for begin, finish in windows:
        found = selectors._window_sums(
            [riverside.pk], {"w": (begin, finish, (*selectors.COUNTERS, "hours"))}
        )
        got = {pk: sums["w"] for pk, sums in found.items() if any(sums["w"].values())}
        assert got == _raw_window(ids, begin, finish), (begin, finish)


def test_signed_rows_add_up_to_the_days_of_a_window() -> None:
    """Every day of the window counts once and no other day counts at all, with a week read
    as the week less its other days; a window ending mid-week reads fewer rows than before."""
    from collections import Counter

    def days_of(span: str, start: date) -> list[date]:
        after = {
            "d": start + timedelta(days=1),
            "w": start + timedelta(days=7),
            "m": summaries._next_month(start),
        }[span]
        return [start + timedelta(days=i) for i in range((after - start).days)]

    rng = random.Random(14)
    for _ in range(400):
        first = date(2025, 1, 1) + timedelta(days=rng.randint(0, 700))
        after = first + timedelta(days=rng.randint(0, 400))
        counted: Counter[date] = Counter()
        for span, start, sign in summaries.signed_rows(first, after):
            for day in days_of(span, start):
                counted[day] += sign
        wanted = Counter(first + timedelta(days=i) for i in range((after - first).days))
        assert +counted == wanted and -counted == Counter(), (first, after)
    # Monday 2026-11-16 to Saturday 2026-11-21: the week less its Sunday, not six days.
    assert summaries.signed_rows(date(2026, 11, 16), date(2026, 11, 22)) == [
        ("w", date(2026, 11, 16), 1),
        ("d", date(2026, 11, 22), -1),
    ]
    # Four days stay four days (the week less three would be as many rows).
    assert len(summaries.signed_rows(date(2026, 11, 23), date(2026, 11, 27))) == 4


def test_period_sums_is_one_statement_read_without_parallel_workers(
    riverside: Organization,
) -> None:
    """A page's read of the placement summaries costs one round trip to the database: no
    transaction or setting of its own (PostgreSQL: the table's own ``parallel_workers``)."""
    from django.test.utils import CaptureQueriesContext

    _history(riverside)
    summaries.fold()
    today = timezone.now().date()
    days = {"a": (today - timedelta(days=60), today), "b": (today - timedelta(days=9), today)}
    columns = {"a": selectors.COUNTERS, "b": ("scans", "hours")}
    with CaptureQueriesContext(connection) as queries:
        rows = summaries.period_sums([riverside.pk], days, columns)
    assert rows
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["SELECT"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reloptions FROM pg_class WHERE relname = 'analytics_placementperiod'"
            )
            assert cursor.fetchone()[0] == ["parallel_workers=0"]


def test_pieces_cover_a_window_once(riverside: Organization) -> None:
    rng = random.Random(7)
    for _ in range(200):
        begin = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=rng.randint(0, 9000))
        finish = begin + timedelta(hours=rng.randint(0, 3000))
        cut = summaries.pieces(begin, finish)
        covered = [(a, b) for a, b in cut.hours]
        covered += [
            (summaries.midnight(a), summaries.midnight(b))
            for a, b in (*cut.days, *cut.weeks, *cut.months)
        ]
        covered.sort()
        if begin == finish:
            assert covered == []
            continue
        assert covered[0][0] == begin and covered[-1][1] == finish
        assert all(covered[i][1] == covered[i + 1][0] for i in range(len(covered) - 1))
        assert all(a.day == 1 and b.day == 1 for a, b in cut.months)
        assert all(a.weekday() == 0 and b.weekday() == 0 for a, b in cut.weeks)


def test_the_page_shows_a_scan_at_once(alice: User, bus_station: Placement) -> None:
    from safepath.conftest import logged_in

    client = logged_in(alice)
    client.get("/analytics/?days=7")  # folds whatever was pending
    placement_record_scan(placement=bus_station)
    figures = selectors.when(
        organizations=[bus_station.organization_id],
        period=selectors.period_for(organization=bus_station.organization, days=7),
    )
    assert figures.totals["scans"] == 1


def test_rebuild_repairs_and_check_finds_a_difference(riverside: Organization) -> None:
    _history(riverside, count=2)
    call_command("analytics_rebuild", "--check", verbosity=0)
    PlacementPeriod.objects.filter(span="m").update(scans=0)
    with pytest.raises(CommandError):
        call_command("analytics_rebuild", "--check", verbosity=0)
    call_command("analytics_rebuild", verbosity=0)
    call_command("analytics_rebuild", "--check", verbosity=0)
    assert summaries.differences() == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_scans_and_folds_lose_nothing(riverside: Organization) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; PostgreSQL lets them race")
    placements = [
        Placement.objects.create(organization=riverside, public_name=f"Door {i}") for i in range(3)
    ]
    errors: list[BaseException] = []

    def scan(placement: Placement) -> None:
        try:
            for _ in range(40):
                placement_record_scan(placement=placement)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    def fold() -> None:
        try:
            for _ in range(20):
                summaries.fold()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scan, args=(p,)) for p in placements for _ in range(2)]
    threads += [threading.Thread(target=fold) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert summaries.differences() == []
    total = sum(
        OrganizationHour.objects.filter(organization_id=riverside.pk).values_list(
            "scans", flat=True
        )
    )
    assert total == 3 * 2 * 40


# Response times ------------------------------------------------------------------------------


def _report(placement: Placement, created: datetime, priority: str = "normal") -> Report:
    report, _ = report_start(placement=placement, step="what", value="words")
    Report.objects.filter(pk=report.pk).update(created_at=created, priority=priority)
    report.refresh_from_db()
    return report


def _exact(organization: Organization, days: int) -> dict:
    """The figures computed straight from every report, without summary or rounding."""
    period = selectors.period_for(organization=organization, days=days)
    begin, finish = period.bounds()
    facts = list(responses._facts([organization.pk], begin, finish))
    acks = [f[4] for f in facts if f[4] is not None]
    closes = [f[5] for f in facts if f[5] is not None]
    return {
        "reports": len(facts),
        "acknowledged": len(acks),
        "closed": len(closes),
        "escalated": sum(f[6] for f in facts),
        "waiting": sum(1 for f in facts if f[7]),
        "ack": tuple(np.percentile(acks, [50, 90])) if acks else (None, None),
        "close": tuple(np.percentile(closes, [50, 90])) if closes else (None, None),
    }


def _close_to(got: float | None, exact: float | None) -> bool:
    if got is None or exact is None:
        return got is exact
    # Half a step of what the page shows at this size, plus interpolation between buckets.
    step = 1 if exact < 120 else 6 if exact < 2880 else 144
    return abs(got - exact) <= step


def test_response_summary_follows_every_change_to_a_report(
    riverside: Organization, bus_station: Placement, alice: User
) -> None:
    now = timezone.now()
    north = Unit.objects.create(organization=riverside, name="North precinct", slug="north")
    south = Unit.objects.create(organization=riverside, name="South precinct", slug="south")
    reports = []
    for i in range(30):
        created = now - timedelta(days=i * 3 % 80, hours=i % 24, minutes=i * 7)
        report = _report(bus_station, created, ReportPriority.URGENT if i % 5 == 0 else "normal")
        reports.append(report)
        if i % 4 != 3:
            RoutingState.objects.filter(report=report).update(
                acknowledged_at=created + timedelta(minutes=3 * i + 1, seconds=i)
            )
        if i % 6 == 0:
            RoutingEvent.objects.create(report=report, kind=EventKind.ESCALATED, reason="late")
            RoutingState.objects.filter(report=report).update(tier_index=1)
        if i % 7 == 0:
            report_assign(report=report, actor=alice, organization=riverside, unit=north)
    summary_first = selectors.response(
        organizations=[riverside.pk], period=selectors.period_for(organization=riverside, days=90)
    )
    assert summary_first.total.reports == 30

    # Later changes to old reports: closed with an outcome, a unit set on the placement,
    # a report moved to another day, an escalation added, an acknowledgement taken back.
    for report in reports[:5]:
        report_set_status(
            report=report,
            status="closed",
            actor=alice,
            organization=riverside,
            outcome=Outcome.REFERRED_TO_SERVICES,
        )
    WorkflowEvent.objects.filter(report=reports[0], kind="status").update(
        at=reports[0].created_at + timedelta(days=3)
    )
    bus_station.unit = south
    bus_station.save()
    Report.objects.filter(pk=reports[10].pk).update(created_at=now - timedelta(days=60))
    RoutingEvent.objects.create(report=reports[11], kind=EventKind.FALLBACK, reason="nobody")
    RoutingState.objects.filter(report=reports[12]).update(acknowledged_at=None)
    north.name = "North station"  # a unit's new name shows for its old reports too
    north.save()

    assert responses.differences() == []
    figures = selectors.response(
        organizations=[riverside.pk], period=selectors.period_for(organization=riverside, days=90)
    )
    exact = _exact(riverside, 90)
    total = figures.total
    assert (total.reports, total.acknowledged, total.closed) == (
        exact["reports"],
        exact["acknowledged"],
        exact["closed"],
    )
    assert (figures.escalations, figures.waiting) == (exact["escalated"], exact["waiting"])
    assert all(_close_to(g, e) for g, e in zip(total._ack, exact["ack"], strict=True))
    assert all(_close_to(g, e) for g, e in zip(total._close, exact["close"], strict=True))
    assert {r.label for r in figures.by_unit} == {"North station", "South precinct"}
    assert [r.label for r in figures.by_tier] == ["Tier 1", "Tier 2"]
    assert figures.outcomes == [("referred_to_services", "Referred to services", 5)]


def test_a_deleted_report_leaves_the_summary(
    riverside: Organization, bus_station: Placement
) -> None:
    report = _report(bus_station, timezone.now() - timedelta(days=3))
    period = selectors.period_for(organization=riverside, days=7)
    assert selectors.response(organizations=[riverside.pk], period=period).total.reports == 1
    report.delete()
    assert selectors.response(organizations=[riverside.pk], period=period).total.reports == 0
    assert responses.differences() == []


def test_response_rebuild_gives_what_the_triggers_kept(
    riverside: Organization, bus_station: Placement
) -> None:
    for i in range(6):
        report = _report(bus_station, timezone.now() - timedelta(days=i * 5, hours=i))
        RoutingState.objects.filter(report=report).update(
            acknowledged_at=report.created_at + timedelta(minutes=10 * i)
        )
    responses.refresh()
    kept = sorted(ResponseDay.objects.values_list("day", "dimension", "key", "reports", "ack"))
    responses.rebuild()
    assert (
        sorted(ResponseDay.objects.values_list("day", "dimension", "key", "reports", "ack")) == kept
    )


@pytest.mark.parametrize(
    ("minutes", "bucket"),
    [
        (0.4, 0),
        (5, 5),
        (119.4, 119),
        (121, 120),
        (124, 126),
        (2879, 2880),
        (3000, 3024),
        (4400, 4464),
    ],
)
def test_times_are_rounded_to_half_of_what_the_page_shows(minutes: float, bucket: int) -> None:
    assert responses.bucket(minutes) == bucket


def test_percentiles_of_a_histogram_are_numpys_of_its_values() -> None:
    from collections import Counter

    rng = random.Random(3)
    for _ in range(50):
        values = [rng.randint(0, 300) for _ in range(rng.randint(1, 40))]
        got = responses.percentiles(Counter(values))
        assert got == pytest.approx(tuple(np.percentile(values, [50, 90])))


# Local days: the placement summaries are keyed in the organization's own time zone ----------

# Zones whose clocks change (at 2:00, at midnight, by half an hour) or sit off the UTC hour.
ZONES = (
    "America/New_York",
    "America/Santiago",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Europe/London",
    "Pacific/Chatham",
)


def _hourly_rows(placement: Placement, first: datetime, hours: int) -> None:
    """A counter row for every UTC hour from ``first`` on, with counts that differ by hour."""
    ScanCount.objects.bulk_create(
        ScanCount(
            placement=placement,
            hour=first + timedelta(hours=h),
            scans=1 + h % 5,
            reports_started=h % 3 == 0,
            followups=h % 7 == 0,
        )
        for h in range(hours)
    )


def _raw_local(placement: Placement, zone: str) -> dict[tuple[str, str], tuple[int, int]]:
    """(span, first local day) -> (scans, hourly rows), worked out in Python from raw rows."""
    from zoneinfo import ZoneInfo

    local = ZoneInfo(zone)
    found: dict[tuple[str, str], list[int]] = {}
    for row in ScanCount.objects.filter(placement=placement):
        day = row.hour.astimezone(local).date()
        for span, first in (
            ("d", day),
            ("w", day - timedelta(days=day.weekday())),
            ("m", day.replace(day=1)),
        ):
            into = found.setdefault((span, str(first)), [0, 0])
            into[0] += row.scans
            into[1] += 1
    return {key: (a, b) for key, (a, b) in found.items()}


def _kept(placement: Placement) -> dict[tuple[str, str], tuple[int, int]]:
    return {
        (span, str(start)): (scans, hours)
        for span, start, scans, hours in PlacementPeriod.objects.filter(
            placement_id=placement.pk
        ).values_list("span", "start", "scans", "hours")
        if scans or hours
    }


@pytest.mark.parametrize("zone", ZONES)
def test_placement_summaries_are_kept_per_local_day_across_clock_changes(
    riverside: Organization, zone: str
) -> None:
    riverside.time_zone = zone
    riverside.save()
    placement = Placement.objects.create(organization=riverside, public_name="Pier")
    # Both of 2026's clock changes north and south, and a new year and month, hour by hour.
    for first in (datetime(2026, 3, 25, tzinfo=UTC), datetime(2026, 9, 24, tzinfo=UTC)):
        _hourly_rows(placement, first, 24 * 45)
    _hourly_rows(placement, datetime(2025, 12, 29, tzinfo=UTC), 24 * 6)
    summaries.fold()  # the trigger's changes, as a page folds them
    assert _kept(placement) == _raw_local(placement, zone)
    summaries.rebuild()  # and the same from a rebuild
    assert _kept(placement) == _raw_local(placement, zone)
    assert summaries.differences() == []


@pytest.mark.parametrize("zone", ZONES)
def test_a_period_of_local_days_reads_whole_summary_rows_only(
    riverside: Organization, zone: str
) -> None:
    from zoneinfo import ZoneInfo

    riverside.time_zone = zone
    riverside.save()
    placement = Placement.objects.create(organization=riverside, public_name="Pier")
    _hourly_rows(placement, datetime(2026, 2, 20, tzinfo=UTC), 24 * 300)
    summaries.fold()
    rng = random.Random(zone)
    for _ in range(12):
        end = datetime(2026, 3, 1).date() + timedelta(days=rng.randint(0, 290))
        period = selectors.Period(
            end - timedelta(days=rng.choice(selectors.PERIOD_CHOICES) - 1), end, ZoneInfo(zone)
        )
        begin, finish = period.bounds()
        cut = summaries.pieces(begin, finish, ZoneInfo(zone))
        assert cut.hours == []  # no raw counters at the edges
        found = selectors._window_sums(
            [riverside.pk], {"w": (begin, finish, (*selectors.COUNTERS, "hours"))}
        )
        got = {pk: sums["w"] for pk, sums in found.items() if any(sums["w"].values())}
        assert got == _raw_window([placement.pk], begin, finish), (zone, period)


def test_pieces_in_a_zone_cover_a_window_once() -> None:
    from zoneinfo import ZoneInfo

    rng = random.Random(8)
    for zone in map(ZoneInfo, ZONES):
        for _ in range(150):
            begin = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(hours=rng.randint(0, 9000))
            if rng.random() < 0.5:  # a local midnight
                begin = summaries.midnight(begin.astimezone(zone).date(), zone).astimezone(UTC)
            finish = begin + timedelta(hours=rng.randint(0, 3000))
            cut = summaries.pieces(begin, finish, zone)
            covered = list(cut.hours)
            covered += [
                (summaries.midnight(a, zone), summaries.midnight(b, zone))
                for a, b in (*cut.days, *cut.weeks, *cut.months)
            ]
            # In UTC: aware datetimes of one zone compare by their wall clocks.
            covered = sorted((a.astimezone(UTC), b.astimezone(UTC)) for a, b in covered)
            if begin == finish:
                assert covered == []
                continue
            assert covered[0][0] == begin and covered[-1][1] == finish, (zone, begin, finish)
            assert all(covered[i][1] == covered[i + 1][0] for i in range(len(covered) - 1)), (
                zone,
                begin,
                finish,
                cut,
            )


def test_a_time_zone_change_keys_the_summaries_anew_and_reads_stay_right(
    riverside: Organization, alice: User, bus_station: Placement
) -> None:
    from zoneinfo import ZoneInfo

    from safepath.accounts.services import organization_set_time_zone

    _hourly_rows(bus_station, datetime(2026, 1, 1, 3, tzinfo=UTC), 24 * 120)
    placement_record_scan(placement=bus_station)
    summaries.fold()
    old_zone = riverside.zone.key
    assert SummaryZone.objects.get(organization_id=riverside.pk).time_zone == old_zone

    organization_set_time_zone(organization=riverside, time_zone="Asia/Tokyo", actor=alice)
    riverside.refresh_from_db()
    placement_record_scan(placement=bus_station)  # a change pending across the re-keying

    def read(days: int) -> tuple[dict, dict]:
        period = selectors.period_for(organization=riverside, days=days)
        begin, finish = period.bounds()
        sums = selectors.placement_sums(organizations=[riverside.pk], period=period)
        raw = _raw_window([bus_station.pk], begin, finish)
        return (
            {pk: {n: row[n] for n in selectors.COUNTERS} for pk, row in sums.items()},
            {pk: {n: row[n] for n in selectors.COUNTERS} for pk, row in raw.items()},
        )

    # Not keyed anew yet: the old zone's whole days, the new zone's edges from raw rows.
    assert SummaryZone.objects.get(organization_id=riverside.pk).time_zone == old_zone
    for days in (7, 90, 365):
        got, raw = read(days)
        assert got == raw

    assert summaries.fold_pending() >= 1  # the worker: folds, then keys Tokyo's days
    assert SummaryZone.objects.get(organization_id=riverside.pk).time_zone == "Asia/Tokyo"
    assert _kept(bus_station) == _raw_local(bus_station, "Asia/Tokyo")
    for days in (7, 90, 365):
        got, raw = read(days)
        assert got == raw
    period = selectors.period_for(organization=riverside, days=90)
    assert summaries.pieces(*period.bounds(), ZoneInfo("Asia/Tokyo")).hours == []
    assert summaries.differences() == []
    assert summaries.rezone() == 0  # nothing left to do


def test_check_keys_a_changed_zone_before_it_compares(riverside: Organization) -> None:
    placements = _history(riverside, count=2)
    summaries.fold()
    Organization.objects.filter(pk=riverside.pk).update(time_zone="Pacific/Auckland")
    call_command("analytics_rebuild", "--check", verbosity=0)
    assert SummaryZone.objects.get(organization_id=riverside.pk).time_zone == "Pacific/Auckland"
    assert _kept(placements[0]) == _raw_local(placements[0], "Pacific/Auckland")


def test_an_unknown_zone_name_keys_in_utc_as_the_pages_read_it(riverside: Organization) -> None:
    Organization.objects.filter(pk=riverside.pk).update(time_zone="Mars/Olympus_Mons")
    placements = _history(riverside, count=1)
    summaries.fold()
    assert SummaryZone.objects.get(organization_id=riverside.pk).time_zone == "UTC"
    assert _kept(placements[0]) == _raw_local(placements[0], "UTC")
    assert summaries.differences() == []


def _response_days(organization: Organization) -> dict[str, int]:
    return {
        str(day): reports
        for day, reports in ResponseDay.objects.filter(
            organization_id=organization.pk, span="d", dimension="all"
        ).values_list("day", "reports")
    }


def test_response_days_are_local_days_across_a_clock_change(
    riverside: Organization, bus_station: Placement
) -> None:
    riverside.time_zone = "America/New_York"
    riverside.save()
    # Around 2026-03-08, when New York's clocks go forward: late evenings local are the
    # next UTC day.
    for created in (
        datetime(2026, 3, 7, 4, 30, tzinfo=UTC),  # 6 March, 23:30 EST
        datetime(2026, 3, 8, 3, 30, tzinfo=UTC),  # 7 March, 22:30 EST
        datetime(2026, 3, 8, 5, 30, tzinfo=UTC),  # 8 March, 00:30 EST
        datetime(2026, 3, 9, 3, 30, tzinfo=UTC),  # 8 March, 23:30 EDT
        datetime(2026, 3, 9, 4, 30, tzinfo=UTC),  # 9 March, 00:30 EDT
    ):
        _report(bus_station, created)
    responses.refresh()
    assert _response_days(riverside) == {
        "2026-03-06": 1,
        "2026-03-07": 1,
        "2026-03-08": 2,
        "2026-03-09": 1,
    }
    assert responses.differences() == []
    responses.rebuild()
    assert _response_days(riverside) == {
        "2026-03-06": 1,
        "2026-03-07": 1,
        "2026-03-08": 2,
        "2026-03-09": 1,
    }
    period = selectors.Period(date(2026, 3, 7), date(2026, 3, 8), riverside.zone)
    assert summaries.pieces(*period.bounds(), riverside.zone).hours == []
    assert selectors.response(organizations=[riverside.pk], period=period).total.reports == 3


def test_a_time_zone_change_keys_the_response_days_anew(
    riverside: Organization, alice: User, bus_station: Placement
) -> None:
    from safepath.accounts.services import organization_set_time_zone

    now = timezone.now()
    for i in range(24):
        _report(bus_station, now - timedelta(days=i % 9, hours=i * 5 % 24, minutes=i))
    responses.refresh()
    organization_set_time_zone(organization=riverside, time_zone="Asia/Kolkata", actor=alice)
    riverside.refresh_from_db()

    def read() -> tuple[int, int]:
        period = selectors.period_for(organization=riverside, days=7)
        got = selectors.response(organizations=[riverside.pk], period=period).total.reports
        return got, _exact(riverside, 7)["reports"]

    got, exact = read()  # before the worker re-keys: edges from the raw reports
    assert got == exact
    summaries.fold_pending()
    got, exact = read()
    assert got == exact
    assert responses.differences() == []
    local = {str(r.created_at.astimezone(riverside.zone).date()) for r in Report.objects.all()}
    assert set(_response_days(riverside)) == local


@pytest.mark.django_db(transaction=True)
def test_the_migration_keys_the_summaries_already_there_in_local_days(
    riverside: Organization, bus_station: Placement
) -> None:
    from django.db.migrations.executor import MigrationExecutor

    MigrationExecutor(connection).migrate([("analytics", "0003_response_summary")])
    # Written while the summaries were kept per UTC day: 7 March evening in New York.
    evening = datetime(2026, 3, 8, 3, tzinfo=UTC)
    ScanCount.objects.create(placement=bus_station, hour=evening, scans=2)
    _report(bus_station, evening + timedelta(minutes=20))
    MigrationExecutor(connection).migrate([("analytics", "0004_summary_zone")])

    assert SummaryZone.objects.get(organization_id=riverside.pk).time_zone == "America/New_York"
    march = {k: v for k, v in _kept(bus_station).items() if k[1].startswith("2026-03")}
    assert march == {
        ("d", "2026-03-07"): (2, 1),
        ("w", "2026-03-02"): (2, 1),
        ("m", "2026-03-01"): (2, 1),
    }
    assert _response_days(riverside) == {"2026-03-07": 1}
    assert summaries.differences() == [] and responses.differences() == []
