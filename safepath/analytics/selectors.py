"""Read-only aggregates behind /analytics/: when, where, how often, and how responders respond.

Everything here reads counters and report metadata (times, priority, status, outcome code),
never what a reporter wrote. Scans exist only as hourly counters per placement
(``placements.ScanCount``); days and hours of the week are taken in the organization's own
time zone, so "Monday 9:00" means 9 in the morning where the posters hang.
"""

from __future__ import annotations

import hashlib
import logging
import operator
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cached_property, partial
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from safepath.accounts.models import Membership, Organization, Unit
from safepath.analytics import responses, summaries
from safepath.analytics.hotspots import (
    CellResult,
    ChangeResult,
    cell_boundary,
    cell_of,
    changes_against_history,
    gi_star,
)
from safepath.analytics.models import OrganizationHour, SummaryZone
from safepath.cases.models import Outcome
from safepath.placements.models import Placement, PlacementStatus, ScanCount, SiteType
from safepath.placements.selectors import is_due_for_check
from safepath.reports.models import ReportPriority, ReportReceipt
from safepath.routing.models import OrganizationArea
from safepath.training.models import Assignment

logger = logging.getLogger(__name__)

COUNTERS = ("scans", "reports_started", "reports_answered", "followups")
PERIOD_CHOICES = (7, 28, 90, 365)
DEFAULT_DAYS = 28
WEEKDAYS = (
    gettext_lazy("Mon"),
    gettext_lazy("Tue"),
    gettext_lazy("Wed"),
    gettext_lazy("Thu"),
    gettext_lazy("Fri"),
    gettext_lazy("Sat"),
    gettext_lazy("Sun"),
)


# Periods --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole local days, ``start`` to ``end`` inclusive, in ``zone``."""

    start: date
    end: date
    zone: ZoneInfo

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as aware datetimes, start inclusive, end exclusive."""
        begin = datetime.combine(self.start, time(), tzinfo=self.zone)
        finish = datetime.combine(self.end + timedelta(days=1), time(), tzinfo=self.zone)
        return begin, finish

    def previous(self) -> Period:
        return Period(
            self.start - timedelta(days=self.days), self.start - timedelta(days=1), self.zone
        )

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]


def period_for(
    *, organization: Organization, days: int = DEFAULT_DAYS, end: date | None = None
) -> Period:
    zone = organization.zone
    last = end or timezone.now().astimezone(zone).date()
    return Period(last - timedelta(days=days - 1), last, zone)


def month_period(*, organization: Organization, year: int, month: int) -> Period:
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return Period(first, following - timedelta(days=1), organization.zone)


# When: hourly counters in local time --------------------------------------------------


@dataclass
class LocalSums:
    """An organization's counters in its own time: per local day over a window, and per
    (weekday 0-6, local hour) over the days from ``grid_from`` on. Aggregated by the
    database from the per-organization hourly summary (``analytics.summaries``)."""

    days: dict[date, dict[str, int]]
    grid: dict[tuple[int, int], dict[str, int]]
    grid_from: date


def _local_sums(
    organizations: list[int], zone: ZoneInfo, begin: datetime, finish: datetime, grid_from: date
) -> LocalSums:
    summaries.fold()
    grid_begin = datetime.combine(grid_from, time(), tzinfo=zone)
    zones = _summary_zones(organizations)
    cut = min(summaries.midnight(_history_cut(zone), zone), finish)
    # The days before yesterday from the cache when they are the summaries' own local days
    # (the organizations' summary zone is this one, so ``history`` covers them).
    if begin < cut and all(z == zone.key for z, _h in zones.values()):
        key: tuple[Any, ...] = (
            "local-sums",
            zone.key,
            sorted((pk, h) for pk, (_z, h) in zones.items()),
            begin,
            cut,
            grid_begin,
        )
        past = _cached(key, partial(_hour_sums, organizations, zone, begin, grid_begin, cut))
        days: dict[date, dict[str, int]] = {}
        grid: dict[tuple[int, int], dict[str, int]] = {}
        if cut < finish:
            days, grid = _hour_sums(organizations, zone, cut, max(cut, grid_begin), finish)
        if _summary_zones(organizations) == zones:
            for into, more in ((days, past[0]), (grid, past[1])):
                for k, counts in more.items():
                    known = into.get(k)
                    into[k] = (
                        dict(counts)
                        if known is None
                        else {n: known[n] + counts[n] for n in COUNTERS}
                    )
            return LocalSums(days, grid, grid_from)
    days, grid = _hour_sums(organizations, zone, begin, grid_begin, finish)
    return LocalSums(days, grid, grid_from)


def _hour_sums(
    organizations: list[int],
    zone: ZoneInfo,
    begin: datetime,
    grid_begin: datetime,
    finish: datetime,
) -> tuple[dict[date, dict[str, int]], dict[tuple[int, int], dict[str, int]]]:
    """Per local day from ``begin``, and per (weekday, local hour) from ``grid_begin``, up
    to ``finish``: the organizations' counters from the hourly summary."""
    sums = {name: Sum(name) for name in COUNTERS}
    hours = OrganizationHour.objects.filter(organization_id__in=organizations, hour__lt=finish)
    by_day: list[dict[str, Any]] = [
        dict(row)
        for row in hours.filter(hour__gte=begin)
        .annotate(local_day=TruncDate("hour", tzinfo=zone))
        .values("local_day")
        .annotate(**sums)
        .order_by()
    ]
    days = {row["local_day"]: {n: int(row[n] or 0) for n in COUNTERS} for row in by_day}
    if grid_begin >= finish:
        return days, {}
    by_hour: list[dict[str, Any]] = [
        dict(row)
        for row in hours.filter(hour__gte=grid_begin)
        .annotate(
            weekday=ExtractIsoWeekDay("hour", tzinfo=zone),
            local_hour=ExtractHour("hour", tzinfo=zone),
        )
        .values("weekday", "local_hour")
        .annotate(**sums)
        .order_by()
    ]
    grid = {
        (row["weekday"] - 1, row["local_hour"]): {n: int(row[n] or 0) for n in COUNTERS}
        for row in by_hour
    }
    return days, grid


ENGAGEMENT_WEEKS = 12


def _engagement_begin(period: Period, weeks: int) -> tuple[date, datetime]:
    last_monday = period.end - timedelta(days=period.end.weekday())
    first = last_monday - timedelta(weeks=weeks - 1)
    return first, datetime.combine(first, time(), tzinfo=period.zone)


def hourly_window(*, organizations: list[int], period: Period) -> LocalSums:
    """The sums behind every time figure of the page: per local day over the period, the
    one before it (``when``) and the weeks of ``engagement``, and the period's heat grid,
    fetched together so the counters are aggregated once per page, not once per figure."""
    previous_begin, _ = period.previous().bounds()
    _, engagement_begin = _engagement_begin(period, ENGAGEMENT_WEEKS)
    _, finish = period.bounds()
    return _local_sums(
        organizations,
        period.zone,
        min(previous_begin, engagement_begin),
        finish,
        period.start,
    )


@dataclass
class HeatGrid:
    """Counts per (day of week, hour of day): rows Monday..Sunday, columns 0..23 local."""

    counter: str
    label: str
    rows: list[list[int]]

    @property
    def maximum(self) -> int:
        return max((v for row in self.rows for v in row), default=0)

    @property
    def total(self) -> int:
        return sum(v for row in self.rows for v in row)

    def table(self) -> list[tuple[str, list[tuple[int, float]]]]:
        """Rows for the template: (weekday, [(count, shade 0..1)])."""
        top = self.maximum or 1
        return [
            (str(WEEKDAYS[i]), [(v, round(v / top, 2)) for v in row])
            for i, row in enumerate(self.rows)
        ]


@dataclass
class DayRow:
    day: date
    counts: dict[str, int]
    previous_day: date
    previous: dict[str, int]


@dataclass
class WhenFigures:
    period: Period
    grids: list[HeatGrid]
    days: list[DayRow]
    totals: dict[str, int]
    previous_totals: dict[str, int]

    def bars(self) -> list[tuple[DayRow, int, int]]:
        """Each day with its scans and the previous period's as a percent of the tallest."""
        top = max([r.counts["scans"] for r in self.days] + [r.previous["scans"] for r in self.days])
        top = top or 1
        return [
            (r, round(r.counts["scans"] * 100 / top), round(r.previous["scans"] * 100 / top))
            for r in self.days
        ]

    def change(self, counter: str) -> int | None:
        """Percent change against the previous period, None when it had nothing."""
        before = self.previous_totals.get(counter, 0)
        if not before:
            return None
        return round((self.totals.get(counter, 0) - before) * 100 / before)


GRID_LABELS = {
    "scans": gettext_lazy("Scans"),
    "reports_started": gettext_lazy("Reports started"),
    "reports_answered": gettext_lazy("Reports with an answer"),
}


def when(*, organizations: list[int], period: Period, rows: LocalSums | None = None) -> WhenFigures:
    """``rows``: sums from :func:`hourly_window` (any window holding the period and the one
    before will do), read here instead of querying again."""
    previous = period.previous()
    begin, _ = previous.bounds()
    _, finish = period.bounds()
    if rows is None:
        rows = _local_sums(organizations, period.zone, begin, finish, period.start)
    assert rows.grid_from == period.start, "the heat grid must be the period's"
    grids = {name: [[0] * 24 for _ in range(7)] for name in GRID_LABELS}
    for (weekday, hour), counts in rows.grid.items():
        for name in GRID_LABELS:
            grids[name][weekday][hour] += counts[name]
    zero = dict.fromkeys(COUNTERS, 0)
    by_day = rows.days
    days = []
    for offset, day in enumerate(period.dates()):
        before = previous.start + timedelta(days=offset)
        days.append(
            DayRow(day, dict(by_day.get(day, zero)), before, dict(by_day.get(before, zero)))
        )
    totals = {n: sum(r.counts[n] for r in days) for n in COUNTERS}
    previous_totals = {n: sum(r.previous[n] for r in days) for n in COUNTERS}
    return WhenFigures(
        period=period,
        grids=[HeatGrid(n, str(label), grids[n]) for n, label in GRID_LABELS.items()],
        days=days,
        totals=totals,
        previous_totals=previous_totals,
    )


# How often and what follows: the funnel --------------------------------------------------


FUNNEL_STEPS = (
    ("scans", gettext_lazy("Scans")),
    ("reports_started", gettext_lazy("Reports started")),
    ("reports_answered", gettext_lazy("Answered")),
    ("receipts", gettext_lazy("Receipt kept")),
    ("followups", gettext_lazy("Follow-up visits")),
)


@dataclass
class FunnelRow:
    label: str
    counts: dict[str, int]
    code: str = ""
    placements: int = 1

    def rate(self, step: str) -> int | None:
        """This step as a percent of scans."""
        scans = self.counts.get("scans", 0)
        return round(self.counts.get(step, 0) * 100 / scans) if scans else None

    @property
    def cells(self) -> list[tuple[int, int | None]]:
        """(count, percent of scans) for each funnel step; scans themselves carry no percent."""
        return [
            (self.counts.get(step, 0), None if step == "scans" else self.rate(step))
            for step, _label in FUNNEL_STEPS
        ]


@dataclass
class NeverScanned:
    placement: Placement
    due_for_check: bool


@dataclass
class Funnel:
    placements: list[FunnelRow]
    site_types: list[FunnelRow]
    units: list[FunnelRow]
    total: FunnelRow
    never_scanned: list[NeverScanned]


def _add(into: FunnelRow, counts: dict[str, int]) -> None:
    for step, _label in FUNNEL_STEPS:
        into.counts[step] = into.counts.get(step, 0) + counts.get(step, 0)


CHANGE_RECENT_DAYS = 7
CHANGE_BASELINE_DAYS = 56


def _change_windows(period: Period) -> tuple[datetime, datetime]:
    """Where the last ``CHANGE_RECENT_DAYS`` begin, and the baseline weeks before them."""
    recent_begin = datetime.combine(
        period.end - timedelta(days=CHANGE_RECENT_DAYS - 1), time(), tzinfo=period.zone
    )
    return recent_begin, recent_begin - timedelta(days=CHANGE_BASELINE_DAYS)


Windows = dict[str, tuple[datetime, datetime, tuple[str, ...]]]


def _window_sums(
    organizations: list[int], windows: Windows
) -> dict[int, dict[str, dict[str, int]]]:
    """Per placement with counter rows in any window: per window [begin, finish), the sums
    of the columns named (counters, and ``hours``: the number of hourly rows)."""
    names = [(name, column) for name, (_a, _b, columns) in windows.items() for column in columns]
    found: dict[int, dict[str, dict[str, int]]] = {}
    for pk, values in _flat_window_sums(organizations, windows).items():
        into = found[pk] = {name: {} for name in windows}
        for (name, column), value in zip(names, values, strict=True):
            into[name][column] = value
    return found


def _flat_window_sums(organizations: list[int], windows: Windows) -> dict[int, Sequence[int]]:
    """Per placement with counter rows in any window: the sums of each window's columns,
    window after window, as one list. Whole local months, weeks and days come from the
    summary, keyed in each organization's summary zone (``analytics.SummaryZone``): a
    window of whole days in that zone, as every period is, is nothing else. Only a window
    that is not (the organization's time zone changed and the worker has not keyed its
    summaries in the new one yet) has hours at its edges, read from the raw counters."""
    while True:
        zones = _summary_zones(organizations)
        found = _window_sums_in(zones, windows)
        if _summary_zones(organizations) == zones:
            return found
        # The summaries were keyed anew in between (summaries.rezone): read them again.


def _summary_zones(organizations: list[int]) -> dict[int, tuple[str, int]]:
    """Each organization's summary zone and ``history`` (UTC and 0 for one without
    counters: it has no summary rows)."""
    keyed = {
        pk: (zone, history)
        for pk, zone, history in SummaryZone.objects.filter(
            organization_id__in=organizations
        ).values_list("organization_id", "time_zone", "history")
    }
    return {pk: keyed.get(pk, ("UTC", 0)) for pk in organizations}


# The days before yesterday change only by a backdated write (which gives the organization a
# new ``SummaryZone.history``), so their sums are kept in the cache under that number: a
# page then reads yesterday and today only. A day is long enough: the windows move daily.
HISTORY_SECONDS = 24 * 3600


def _history_cut(zone: tzinfo) -> date:
    """The first day read fresh: yesterday, local. (Folds mark a change to any day before
    today as history, so a clock a day apart between servers is still safe.)"""
    return timezone.now().astimezone(zone).date() - timedelta(days=1)


def _cached(key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """``compute()``, kept in the cache under ``key``. The cache only saves time: when it
    cannot be reached the figures are computed as if it were empty."""
    digest = "analytics:" + hashlib.sha256(repr(key).encode()).hexdigest()
    try:
        found = cache.get(digest)
    except Exception:  # any cache backend's failure: logged, then computed
        logger.warning("analytics: the cache could not be read", exc_info=True)
        return compute()
    if found is None:
        found = compute()
        try:
            cache.set(digest, found, HISTORY_SECONDS)
        except Exception:  # as above
            logger.warning("analytics: the cache could not be written", exc_info=True)
    return found


# The worker fills that cache ahead of the first page of a day --------------------------------

# Per organization: the (history, local day) this worker process last warmed the cache for.
_WARMED: dict[int, tuple[int, date]] = {}


def cache_is_shared() -> bool:
    """The server's processes and the worker share Django's cache (Redis): what the worker
    puts in it, a page finds. A cache in each process's own memory is not shared."""
    backend = str(settings.CACHES["default"]["BACKEND"])
    return not backend.endswith(("LocMemCache", "DummyCache"))


def warm(*, organization: Organization) -> None:
    """Compute, and so put in the cache, the sums of the days before yesterday that the page
    reads for every period it offers and the monthly summary reads for last month."""
    ids = [organization.pk]
    today = timezone.now().astimezone(organization.zone).date()
    last_month = today.replace(day=1) - timedelta(days=1)
    periods = [period_for(organization=organization, days=days) for days in PERIOD_CHOICES]
    periods.append(
        month_period(organization=organization, year=last_month.year, month=last_month.month)
    )
    for period in periods:
        placement_sums(organizations=ids, period=period)
        hourly_window(organizations=ids, period=period)


def warm_pending() -> int:
    """The worker's job processor: warm the cache (:func:`warm`) for every organization whose
    days before yesterday are new since this worker last looked: a new local day (the
    windows moved at its midnight), or a backdated write (a new ``SummaryZone.history``).
    The first page of the day, and the first after a backdated write, then reads only
    yesterday and today. Returns how many organizations were warmed.

    Only with a cache the server shares (Redis): the worker's own memory would help nobody.
    Several workers warm each organization once between them (``cache.add``)."""
    if not cache_is_shared():
        return 0
    now = timezone.now()
    keyed = dict(SummaryZone.objects.values_list("organization_id", "history"))
    warmed = 0
    for organization in Organization.objects.filter(pk__in=list(keyed)):
        state = (keyed[organization.pk], now.astimezone(organization.zone).date())
        if _WARMED.get(organization.pk) == state:
            continue
        claim = f"analytics:warm:{organization.pk}:{state[0]}:{state[1].isoformat()}"
        if cache.add(claim, 1, HISTORY_SECONDS):
            warm(organization=organization)
            warmed += 1
        _WARMED[organization.pk] = state
    return warmed


def _period_rows(
    organizations: list[int],
    days: dict[str, tuple[date, date]],
    columns: dict[str, tuple[str, ...]],
) -> list[tuple[int, ...]]:
    """``summaries.period_sums`` as rows of plain ints (small and quick to load)."""
    return _ints(summaries.period_sums(organizations, days, columns))


def _ints(rows: Iterable[Sequence[Any]]) -> list[tuple[int, ...]]:
    """Rows of ``period_sums`` (sums of NOT NULL columns over at least one row: never NULL;
    PostgreSQL's are cast to bigint already) as tuples of plain ints."""
    return [tuple(map(int, row)) for row in rows]


def _window_sums_in(
    zones: dict[int, tuple[str, int]], windows: Windows
) -> dict[int, Sequence[int]]:
    found: dict[int, Sequence[int]] = {}

    def add(rows: Iterable[Sequence[int]]) -> None:
        """Add rows (placement id, then ints) into ``found``: thousands of placements, twice
        or more per page, so one dict lookup and, for a placement already there, one
        element-wise sum each."""
        get = found.get
        for row in rows:
            pk = row[0]
            known = get(pk)
            found[pk] = row[1:] if known is None else list(map(operator.add, known, row[1:]))

    by_zone: dict[str, list[int]] = defaultdict(list)
    for pk, (zone, _history) in zones.items():
        by_zone[zone].append(pk)
    for zone, organizations in by_zone.items():
        local = summaries.zone_info(zone)
        whole = {name: summaries.local_days(a, b, local) for name, (a, b, _c) in windows.items()}
        edges: dict[str, Q | None] = {}
        for name, (begin, finish, _c) in windows.items():
            first, after = whole[name]
            if first >= after:  # not one whole local day: all of it from the raw counters
                edges[name] = Q(hour__gte=begin, hour__lt=finish)
                continue
            q = None
            for a, b in (
                (begin, summaries.midnight(first, local)),
                (summaries.midnight(after, local), finish),
            ):
                if a < b:
                    q = Q(hour__gte=a, hour__lt=b) if q is None else q | Q(hour__gte=a, hour__lt=b)
            edges[name] = q
        if any(q is not None for q in edges.values()):
            nothing = Q(pk__in=[])
            aggregates: dict[str, Any] = {}
            every = Q()
            for name, (_a, _b, columns) in windows.items():
                where = edges[name] or nothing
                every |= where
                for column in columns:
                    aggregates[f"{name}__{column}"] = (
                        Count("pk", filter=where)
                        if column == "hours"
                        else Sum(column, filter=where)
                    )
            add(
                tuple(int(v or 0) for v in row)
                for row in ScanCount.objects.filter(
                    every, placement__organization_id__in=organizations
                )
                .values("placement_id")
                .annotate(**aggregates)
                .values_list("placement_id", *aggregates)
                .order_by()
            )
        wanted = {name: w[2] for name, w in windows.items()}
        cut = _history_cut(local)
        past = {name: (a, max(a, min(b, cut))) for name, (a, b) in whole.items()}
        recent = {name: (min(max(a, cut), b), b) for name, (a, b) in whole.items()}
        key = (
            "window-sums",
            zone,
            sorted((pk, zones[pk][1]) for pk in organizations),
            sorted(past.items()),
            sorted(wanted.items()),
        )
        add(_cached(key, partial(_period_rows, organizations, past, wanted)))
        add(_ints(summaries.period_sums(organizations, recent, wanted)))
    return found


def placement_sums(
    *, organizations: list[int], period: Period, changes: bool = True
) -> dict[int, dict[str, Any]]:
    """Per placement: the period's sum of every counter (the funnel, the map) and, with
    ``changes``, the recent/baseline scans of the change test (``recent``, ``baseline``;
    ``in_window`` is the number of hourly rows in those weeks). Without ``changes`` only the
    period is read (the funnel's CSV alone). Read from the summaries (``analytics.summaries``)
    and the raw counters of the edge hours only."""
    summaries.fold()
    begin, finish = period.bounds()
    windows: Windows = {"period": (begin, finish, COUNTERS)}
    if changes:
        recent_begin, base_begin = _change_windows(period)
        windows["recent"] = (recent_begin, finish, ("scans", "hours"))
        windows["baseline"] = (base_begin, recent_begin, ("scans", "hours"))
    result: dict[int, dict[str, Any]] = {}
    for pk, values in _flat_window_sums(organizations, windows).items():
        row: dict[str, Any] = dict(zip(COUNTERS, values[:4], strict=True))
        if changes:
            recent, recent_hours, baseline, baseline_hours = values[4:]
            row["recent"] = recent
            row["baseline"] = baseline
            row["in_window"] = recent_hours + baseline_hours
        result[pk] = row
    return result


def funnel(
    *,
    organizations: list[int],
    period: Period,
    sums: dict[int, dict[str, Any]] | None = None,
) -> Funnel:
    """``sums``: from :func:`placement_sums`, read instead of querying again."""
    begin, finish = period.bounds()
    # Plain values for thousands of placements; whole objects only for those never scanned.
    placements = list(
        Placement.objects.filter(organization_id__in=organizations)
        .exclude(status=PlacementStatus.RETIRED)
        .order_by("public_name")
        .values_list("pk", "public_name", "code", "site_type", "unit__name")
    )
    if sums is None:
        sums = placement_sums(organizations=organizations, period=period, changes=False)
    receipts = dict(
        ReportReceipt.objects.filter(
            report__placement__organization_id__in=organizations,
            report__created_at__gte=begin,
            report__created_at__lt=finish,
        )
        .values("report__placement_id")
        .annotate(n=Count("report_id", distinct=True))
        .values_list("report__placement_id", "n")
        .order_by()
    )
    rows: list[FunnelRow] = []
    never: list[NeverScanned] = []
    by_site: dict[str, FunnelRow] = {}
    by_unit: dict[str, FunnelRow] = {}
    total = FunnelRow(_("All placements"), {}, placements=0)
    # Labels made once, not once per placement (gettext is not free over thousands).
    site_labels = {value: str(label) for value, label in SiteType.choices}
    no_unit = _("No unit")
    unscanned = []
    steps = [step for step, _label in FUNNEL_STEPS]  # the order of ``line`` below
    assert steps == ["scans", "reports_started", "reports_answered", "receipts", "followups"]
    # Each group's members' counts, added up column by column once all are in (not step by
    # step per placement: there may be thousands).
    members: dict[int, list[tuple[int, ...]]] = defaultdict(list)
    everyone = members[id(total)]
    # placement_sums gives plain ints for every counter of a placement it has.
    nothing = dict.fromkeys(COUNTERS, 0)
    for pk, public_name, code, site_type, unit_label in placements:
        found: dict[str, Any] = sums.get(pk) or nothing
        scans = found["scans"]
        started = found["reports_started"]
        answered = found["reports_answered"]
        followups = found["followups"]
        kept = receipts.get(pk, 0)
        counts = {
            "scans": scans,
            "reports_started": started,
            "reports_answered": answered,
            "followups": followups,
            "receipts": kept,
        }
        rows.append(FunnelRow(public_name, counts, code=code))
        site = by_site.get(site_type)
        if site is None:
            site = by_site[site_type] = FunnelRow(site_labels.get(site_type, site_type), {}, "", 0)
        unit_name = unit_label or no_unit
        unit = by_unit.get(unit_name)
        if unit is None:
            unit = by_unit[unit_name] = FunnelRow(unit_name, {}, "", 0)
        line = (scans, started, answered, kept, followups)
        members[id(site)].append(line)
        members[id(unit)].append(line)
        everyone.append(line)
        if not scans:
            unscanned.append(pk)
    for group in (*by_site.values(), *by_unit.values(), total):
        lines = members[id(group)]
        group.placements += len(lines)
        if lines:
            _add(group, dict(zip(steps, map(sum, zip(*lines, strict=True)), strict=True)))
    for placement in Placement.objects.filter(pk__in=unscanned):
        never.append(NeverScanned(placement, is_due_for_check(placement)))
    never.sort(key=lambda n: (not n.due_for_check, n.placement.public_name))
    return Funnel(
        placements=sorted(rows, key=lambda r: (-r.counts["scans"], r.label)),
        site_types=sorted(by_site.values(), key=lambda r: -r.counts.get("scans", 0)),
        units=sorted(by_unit.values(), key=lambda r: r.label),
        total=total,
        never_scanned=never,
    )


@dataclass
class WeekRow:
    week: date  # the Monday
    scans: int
    reports_started: int


def engagement(
    *,
    organizations: list[int],
    period: Period,
    weeks: int = ENGAGEMENT_WEEKS,
    rows: LocalSums | None = None,
) -> list[WeekRow]:
    """Scans and reports per week (Monday to Sunday, local) over the last ``weeks`` weeks.
    ``rows``: sums from :func:`hourly_window`, read instead of querying again."""
    first, begin = _engagement_begin(period, weeks)
    _, finish = period.bounds()
    result = {first + timedelta(weeks=i): [0, 0] for i in range(weeks)}
    if rows is None:
        rows = _local_sums(organizations, period.zone, begin, finish, period.start)
    for day, counts in rows.days.items():
        if not first <= day <= period.end:
            continue
        monday = day - timedelta(days=day.weekday())
        if monday in result:
            result[monday][0] += counts["scans"]
            result[monday][1] += counts["reports_started"]
    return [WeekRow(week, s, r) for week, (s, r) in sorted(result.items())]


# Where: hotspots on the H3 grid, placements that changed -----------------------------------


@dataclass
class Hotspot:
    cell: str
    result: CellResult
    boundary: list[tuple[float, float]]
    placements: list[str]

    @property
    def words(self) -> str:
        return significance_words(self.result.kind, self.result.confidence, scope="area")


@dataclass
class PlacementChange:
    placement: Placement
    result: ChangeResult

    @property
    def words(self) -> str:
        kind = {"up": "hot", "down": "cold"}.get(self.result.direction, "")
        return significance_words(kind, self.result.confidence, scope="placement")


@dataclass
class WhereFigures:
    hotspots: list[Hotspot]  # every study cell, significant or not
    changes: list[PlacementChange]  # significant ones only, strongest first
    points: list[dict[str, Any]]
    areas: list[dict[str, Any]]
    resolution: int

    @property
    def significant(self) -> list[Hotspot]:
        return [h for h in self.hotspots if h.result.confidence]


def significance_words(kind: str, confidence: int, *, scope: str) -> str:
    if not confidence:
        if scope == "area":
            return _("No more and no fewer scans than expected for this area.")
        return _("In line with this placement's own history.")
    if scope == "area":
        text = (
            _("More scans than expected for this area, %(level)s %% confidence.")
            if kind == "hot"
            else _("Fewer scans than expected for this area, %(level)s %% confidence.")
        )
    else:
        text = (
            _("More scans than usual for this placement, %(level)s %% confidence.")
            if kind == "hot"
            else _("Fewer scans than usual for this placement, %(level)s %% confidence.")
        )
    return text % {"level": confidence}


def where(
    *,
    organizations: list[int],
    period: Period,
    sums: dict[int, dict[str, Any]] | None = None,
) -> WhereFigures:
    """``sums``: from :func:`placement_sums`, read instead of querying again."""

    resolution = settings.ANALYTICS_H3_RESOLUTION
    # Every placement still up (values, not objects: there may be thousands): those with
    # coordinates go on the map; any may show under "changed".
    live = {
        pk: (name, lat, lon)
        for pk, name, lat, lon in Placement.objects.filter(organization_id__in=organizations)
        .exclude(status=PlacementStatus.RETIRED)
        .values_list("pk", "public_name", "latitude", "longitude")
    }
    if sums is None:
        sums = placement_sums(organizations=organizations, period=period)
    scans = {pk: row["scans"] for pk, row in sums.items()}
    cells: dict[str, float] = defaultdict(float)
    names: dict[str, list[str]] = defaultdict(list)
    points = []
    for pk, (name, latitude, longitude) in live.items():
        if latitude is None or longitude is None:
            continue
        lat, lon = float(latitude), float(longitude)
        cell = cell_of(lat, lon, resolution)
        count = int(scans.get(pk) or 0)
        cells[cell] += count
        names[cell].append(name)
        points.append({"name": name, "lat": lat, "lon": lon, "scans": count})
    hotspots = [
        Hotspot(r.cell, r, list(cell_boundary(r.cell)), names[r.cell])
        for r in gi_star(cells, rings=1)
    ]
    hotspots.sort(key=lambda h: (-h.result.confidence, -h.result.z))

    # Placements with counter rows in the change test's weeks, as the test always read them.
    series = {pk: (row["recent"], row["baseline"]) for pk, row in sums.items() if row["in_window"]}
    significant = [
        r
        for r in changes_against_history(
            {k: v for k, v in series.items() if k in live},
            recent_days=CHANGE_RECENT_DAYS,
            baseline_days=CHANGE_BASELINE_DAYS,
        )
        if r.confidence
    ]
    # Whole placements only for the few listed, not for every one tested.
    by_pk = Placement.objects.in_bulk([r.key for r in significant])
    changes = [PlacementChange(by_pk[r.key], r) for r in significant]
    changes.sort(key=lambda c: (-c.result.confidence, c.result.p))
    areas = [
        {"name": a.name, "geometry": a.geometry}
        for a in OrganizationArea.objects.filter(organization_id__in=organizations)
    ]
    return WhereFigures(hotspots, changes, points, areas, resolution)


# Response ------------------------------------------------------------------------------


def _percentiles(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    import numpy as np  # imported when used: a server holds it only then

    p50, p90 = np.percentile(np.array(values), [50, 90])
    return float(p50), float(p90)


def minutes_text(minutes: float | None) -> str:
    if minutes is None:
        return "—"
    if minutes < 1:
        return _("under 1 min")
    if minutes < 120:
        return _("%(m)d min") % {"m": round(minutes)}
    if minutes < 48 * 60:
        return _("%(h).1f h") % {"h": minutes / 60}
    return _("%(d).1f days") % {"d": minutes / 1440}


@dataclass
class ResponseRow:
    label: str
    reports: int = 0
    acknowledged: int = 0
    ack_minutes: list[float] = field(default_factory=list)
    escalated: int = 0
    past_limit: int = 0
    closed: int = 0
    close_minutes: list[float] = field(default_factory=list)
    # Set when the database computed the percentiles (PostgreSQL); else from the lists.
    ack_percentiles: tuple[float | None, float | None] | None = None
    close_percentiles: tuple[float | None, float | None] | None = None

    @cached_property
    def _ack(self) -> tuple[float | None, float | None]:
        return self.ack_percentiles or _percentiles(self.ack_minutes)

    @cached_property
    def _close(self) -> tuple[float | None, float | None]:
        return self.close_percentiles or _percentiles(self.close_minutes)

    @property
    def ack_median(self) -> str:
        return minutes_text(self._ack[0])

    @property
    def ack_p90(self) -> str:
        return minutes_text(self._ack[1])

    @property
    def close_median(self) -> str:
        return minutes_text(self._close[0])

    @property
    def close_p90(self) -> str:
        return minutes_text(self._close[1])


@dataclass
class ResponseFigures:
    total: ResponseRow
    by_tier: list[ResponseRow]
    by_unit: list[ResponseRow]
    by_priority: list[ResponseRow]
    outcomes: list[tuple[str, str, int]]  # code, label, count
    escalations: int
    waiting: int  # not acknowledged yet


def response(*, organizations: list[int], period: Period) -> ResponseFigures:
    """Response figures of the reports started in the period, from the per-day summary
    (``analytics.responses``; times rounded as ``responses.bucket`` says) and the raw
    reports of the hours at the period's edges."""
    begin, finish = period.bounds()
    groups = responses.read(organizations, begin, finish)

    def row(label: str, g: responses.Group) -> ResponseRow:
        return ResponseRow(
            label,
            reports=g.reports,
            acknowledged=g.acknowledged,
            escalated=g.escalated,
            past_limit=g.past_limit,
            closed=g.closed,
            ack_percentiles=responses.percentiles(g.ack),
            close_percentiles=responses.percentiles(g.close),
        )

    by_dimension: dict[str, dict[str, responses.Group]] = defaultdict(dict)
    for (dimension, key), g in groups.items():
        if g.reports:
            by_dimension[dimension][key] = g
    total = by_dimension["all"].get("", responses.Group())
    tiers = sorted(by_dimension["tier"].items(), key=lambda kv: int(kv[0]))
    # Units are kept by id; the page shows (and adds up) them by name, as before.
    names = dict(
        Unit.objects.filter(pk__in=[int(k) for k in by_dimension["unit"] if k]).values_list(
            "pk", "name"
        )
    )
    units: dict[str, responses.Group] = defaultdict(responses.Group)
    for key, g in by_dimension["unit"].items():
        units[names.get(int(key), "") if key else ""].add(g)
    no_unit = _("No unit")
    unit_rows = sorted(
        (row(name or no_unit, g) for name, g in units.items()), key=lambda r: r.label
    )
    labels = dict(ReportPriority.choices)
    outcome_labels = dict(Outcome.choices)
    outcomes = sorted(by_dimension["outcome"].items(), key=lambda kv: -kv[1].reports)
    return ResponseFigures(
        total=row(_("All reports"), total),
        by_tier=[row(_("Tier %(n)d") % {"n": int(k) + 1}, g) for k, g in tiers],
        by_unit=unit_rows,
        by_priority=[
            row(str(labels.get(p, p)), by_dimension["priority"][p])
            for p in [
                *(p for p in ReportPriority.values if p in by_dimension["priority"]),
                *sorted(set(by_dimension["priority"]) - set(ReportPriority.values)),
            ]
        ],
        outcomes=[(code, str(outcome_labels.get(code, code)), g.reports) for code, g in outcomes],
        escalations=total.escalated,
        waiting=total.waiting,
    )


# Training participation ------------------------------------------------------------------


@dataclass
class TrainingFigures:
    members: int
    members_assigned: int
    assignments_open: int
    assignments_overdue: int
    completed_in_period: int
    members_completed: int


def training(*, organizations: list[int], period: Period) -> TrainingFigures:
    begin, finish = period.bounds()
    live = Assignment.objects.filter(organization_id__in=organizations, cancelled_at__isnull=True)
    today = timezone.now().astimezone(period.zone).date()
    completed = Q(completed_at__gte=begin, completed_at__lt=finish)
    # One pass over the assignments for every count (not one query each).
    counts = live.aggregate(
        members_assigned=Count("user_id", distinct=True),
        assignments_open=Count("pk", filter=Q(completed_at__isnull=True)),
        assignments_overdue=Count("pk", filter=Q(completed_at__isnull=True, due_on__lt=today)),
        completed_in_period=Count("pk", filter=completed),
        members_completed=Count("user_id", distinct=True, filter=completed),
    )
    return TrainingFigures(
        members=Membership.objects.filter(organization_id__in=organizations).count(),
        **{name: int(value or 0) for name, value in counts.items()},
    )


def utc_hour(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


# Regional view: aggregates shared by organizations that opted in -----------------------------

SMALL_COUNT = 5


def suppress(values: list[int]) -> list[int | None]:
    """Counts from 1 to 4 become None (shown as "fewer than 5"), so no small group of people
    can be picked out. When exactly one count is hidden, the next smallest is hidden too, so
    it cannot be worked back from a total."""
    shown: list[int | None] = [None if 0 < v < SMALL_COUNT else v for v in values]
    hidden = [i for i, v in enumerate(shown) if v is None]
    if len(hidden) == 1:
        rest = [(v, i) for i, v in enumerate(values) if shown[i] is not None and v > 0]
        if rest:
            shown[min(rest)[1]] = None
    return shown


@dataclass
class RegionalFigures:
    region: Organization
    period: Period
    members: list[Organization]
    grid: list[tuple[str, list[int | None]]]  # weekday, 24 suppressed counts
    by_organization: list[tuple[str, int | None, int | None]]  # name, scans, reports started
    days: list[tuple[date, int | None, int | None]]  # day, scans, previous period's scans


def sharing_organizations(*, region: Organization) -> list[Organization]:
    from safepath.analytics.models import RegionalSharing

    return [
        s.organization
        for s in RegionalSharing.objects.filter(region=region)
        .select_related("organization")
        .order_by("organization__name")
    ]


def regional(*, region: Organization, period: Period) -> RegionalFigures:
    members = sharing_organizations(region=region)
    ids = [m.pk for m in members]
    figures = when(organizations=ids, period=period)
    scans = next(g for g in figures.grids if g.counter == "scans")
    flat = suppress([v for row in scans.rows for v in row])
    grid = [(str(WEEKDAYS[d]), flat[d * 24 : (d + 1) * 24]) for d in range(7)]
    begin, finish = period.bounds()
    totals: dict[int, dict[str, Any]] = {
        row["organization_id"]: dict(row)
        for row in OrganizationHour.objects.filter(
            organization_id__in=ids, hour__gte=begin, hour__lt=finish
        )
        .values("organization_id")
        .annotate(scans=Sum("scans"), started=Sum("reports_started"))
        .order_by()
    }
    scans_by = suppress([int(totals.get(m.pk, {}).get("scans") or 0) for m in members])
    started_by = suppress([int(totals.get(m.pk, {}).get("started") or 0) for m in members])
    day_now = suppress([r.counts["scans"] for r in figures.days])
    day_then = suppress([r.previous["scans"] for r in figures.days])
    return RegionalFigures(
        region=region,
        period=period,
        members=members,
        grid=grid,
        by_organization=[(m.name, scans_by[i], started_by[i]) for i, m in enumerate(members)],
        days=[(r.day, day_now[i], day_then[i]) for i, r in enumerate(figures.days)],
    )
