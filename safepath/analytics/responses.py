"""The summary of response times the analytics pages read instead of every report.

Response figures (acknowledge and close times, escalations, outcomes, by tier, unit and
priority) are kept per organization and local day of the reports' start (``ResponseDay``, in
the organization's summary zone like the placement summaries), the times as histograms so
medians and 90th percentiles can be added over a year of days.

Derived, so it cannot drift: triggers on every table those figures come from (``reports_report``,
``routing_routingstate``, ``routing_routingevent``, ``cases_reporthandling``,
``cases_workflowevent``, and a placement's unit) append the (organization, day) of the report
they touched to ``ResponseDirty`` as a UTC day; :func:`refresh` recomputes the local days
it overlaps from the raw rows, before each read and in the worker. A period of whole local
days reads no raw report; only a window that is not (the zone changed and the worker has not
re-keyed yet) reads the hours at its edges raw.

Precision: times are rounded before they are counted (:func:`bucket`) to the nearest
minute under 2 hours, 6 minutes (0.1 h) under 2 days, 144 minutes (0.1 day) beyond: the unit
the page shows at that size, so a time, a median or a 90th percentile is off by at most half
of it. Counts are exact.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Max, Q
from django.db.models.functions import Coalesce

from safepath.analytics.models import ResponseDay, ResponseDirty, Span, SummaryZone
from safepath.analytics.summaries import midnight, pieces, zone_info, zones_for
from safepath.cases.models import WorkflowEvent
from safepath.reports.models import Report, ReportStatus
from safepath.routing.models import EventKind, RoutingEvent

# (table, the report's id in a row, columns whose change matters on UPDATE)
_CHILD_TABLES = (
    ("routing_routingstate", "report_id", ("report_id", "tier_index", "acknowledged_at")),
    ("routing_routingevent", "report_id", ("report_id", "kind")),
    ("cases_reporthandling", "report_id", ("report_id", "assigned_unit_id", "outcome")),
    ("cases_workflowevent", "report_id", ("report_id", "kind", "at")),
)
_REPORT_COLUMNS = ("placement_id", "created_at", "status", "priority")


def _pg_day(column: str) -> str:
    return f"(({column}) AT TIME ZONE 'UTC')::date"


def _sqlite_day(column: str) -> str:
    return f"substr({column}, 1, 10)"


def _dirty_from_report(row: str, day: Any) -> str:
    """INSERT the (organization, day) of the report ``row``.report_id (a child table's row)."""
    return (
        "INSERT INTO analytics_responsedirty (organization_id, day) "
        f"SELECT p.organization_id, {day('r.created_at')} FROM reports_report r "
        f"JOIN placements_placement p ON p.id = r.placement_id WHERE r.id = {row}.report_id;"
    )


def _dirty_of_report(row: str, day: Any) -> str:
    """INSERT the (organization, day) of the report ``row`` itself."""
    return (
        "INSERT INTO analytics_responsedirty (organization_id, day) "
        f"SELECT p.organization_id, {day(row + '.created_at')} FROM placements_placement p "
        f"WHERE p.id = {row}.placement_id;"
    )


_DIRTY_OF_PLACEMENT = (
    "INSERT INTO analytics_responsedirty (organization_id, day) "
    "SELECT DISTINCT NEW.organization_id, {day} FROM reports_report r "
    "WHERE r.placement_id = NEW.id;"
)


def postgresql_sql() -> str:
    statements = []
    for name, insert in (("child", _dirty_from_report), ("report", _dirty_of_report)):
        statements.append(
            f"""
CREATE OR REPLACE FUNCTION analytics_response_dirty_{name}() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN {insert("OLD", _pg_day)} END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN {insert("NEW", _pg_day)} END IF;
    RETURN NULL;
END
$$;"""
        )
    statements.append(
        f"""
CREATE OR REPLACE FUNCTION analytics_response_dirty_placement() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    {_DIRTY_OF_PLACEMENT.format(day=_pg_day("r.created_at"))}
    RETURN NULL;
END
$$;"""
    )
    for table, _column, columns in _CHILD_TABLES:
        statements.append(
            f"DROP TRIGGER IF EXISTS analytics_response_dirty ON {table};"
            f"CREATE TRIGGER analytics_response_dirty AFTER INSERT OR DELETE OR UPDATE OF "
            f"{', '.join(columns)} ON {table} FOR EACH ROW "
            "EXECUTE FUNCTION analytics_response_dirty_child();"
        )
    statements.append(
        "DROP TRIGGER IF EXISTS analytics_response_dirty ON reports_report;"
        "CREATE TRIGGER analytics_response_dirty AFTER INSERT OR DELETE OR UPDATE OF "
        f"{', '.join(_REPORT_COLUMNS)} ON reports_report FOR EACH ROW "
        "EXECUTE FUNCTION analytics_response_dirty_report();"
    )
    statements.append(
        "DROP TRIGGER IF EXISTS analytics_response_dirty ON placements_placement;"
        "CREATE TRIGGER analytics_response_dirty AFTER UPDATE OF unit_id ON placements_placement "
        "FOR EACH ROW WHEN (OLD.unit_id IS DISTINCT FROM NEW.unit_id) "
        "EXECUTE FUNCTION analytics_response_dirty_placement();"
    )
    return "\n".join(statements)


POSTGRESQL_DROP = "\n".join(
    [
        *(
            f"DROP TRIGGER IF EXISTS analytics_response_dirty ON {t};"
            for t in (*(c[0] for c in _CHILD_TABLES), "reports_report", "placements_placement")
        ),
        *(
            f"DROP FUNCTION IF EXISTS analytics_response_dirty_{n}();"
            for n in ("child", "report", "placement")
        ),
    ]
)


def sqlite_sql() -> list[str]:
    statements = []
    tables: list[tuple[str, Any, tuple[str, ...]]] = [
        (t, _dirty_from_report, cols) for t, _c, cols in _CHILD_TABLES
    ]
    tables.append(("reports_report", _dirty_of_report, _REPORT_COLUMNS))
    for table, insert, columns in tables:
        prefix = f"analytics_response_dirty_{table}"
        statements += [
            f"CREATE TRIGGER {prefix}_insert AFTER INSERT ON {table} "
            f"BEGIN {insert('NEW', _sqlite_day)} END;",
            f"CREATE TRIGGER {prefix}_delete AFTER DELETE ON {table} "
            f"BEGIN {insert('OLD', _sqlite_day)} END;",
            f"CREATE TRIGGER {prefix}_update AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"BEGIN {insert('OLD', _sqlite_day)} {insert('NEW', _sqlite_day)} END;",
        ]
    statements.append(
        "CREATE TRIGGER analytics_response_dirty_placement AFTER UPDATE OF unit_id "
        "ON placements_placement WHEN OLD.unit_id IS NOT NEW.unit_id BEGIN "
        f"{_DIRTY_OF_PLACEMENT.format(day=_sqlite_day('r.created_at'))} END;"
    )
    return statements


def sqlite_drop() -> list[str]:
    names = ["analytics_response_dirty_placement"]
    for table in (*(c[0] for c in _CHILD_TABLES), "reports_report"):
        names += [f"analytics_response_dirty_{table}_{op}" for op in ("insert", "delete", "update")]
    return [f"DROP TRIGGER IF EXISTS {name};" for name in names]


def install_triggers(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(postgresql_sql())
    elif vendor == "sqlite":
        for statement in sqlite_sql():
            schema_editor.execute(statement)
    else:  # pragma: no cover - SafePath runs on these two
        raise NotImplementedError(f"No response summary trigger for {vendor}")


def remove_triggers(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP)
    elif vendor == "sqlite":
        for statement in sqlite_drop():
            schema_editor.execute(statement)


# Facts of each report, and groups of them ---------------------------------------------------


def bucket(minutes: float) -> int:
    """A time in minutes, rounded to what the page can show: the minute under 2 hours, 0.1 h
    under 2 days, 0.1 day beyond."""
    if minutes < 120:
        return round(minutes)
    if minutes < 48 * 60:
        return round(minutes / 6) * 6
    return round(minutes / 144) * 144


@dataclass
class Group:
    """Response figures of a group of reports; times as histograms of rounded minutes."""

    reports: int = 0
    acknowledged: int = 0
    escalated: int = 0
    past_limit: int = 0
    closed: int = 0
    waiting: int = 0
    ack: Counter[int] = field(default_factory=Counter)
    close: Counter[int] = field(default_factory=Counter)

    def add(self, other: Group) -> None:
        self.reports += other.reports
        self.acknowledged += other.acknowledged
        self.escalated += other.escalated
        self.past_limit += other.past_limit
        self.closed += other.closed
        self.waiting += other.waiting
        self.ack.update(other.ack)
        self.close.update(other.close)


def percentiles(histogram: Counter[int]) -> tuple[float | None, float | None]:
    """Median and 90th percentile of the values a histogram counts, interpolated linearly
    between the two nearest values (as numpy's default and PostgreSQL's percentile_cont)."""
    n = sum(histogram.values())
    if not n:
        return None, None
    ordered = sorted(histogram.items())

    def value_at(index: int) -> float:
        seen = 0
        for value, count in ordered:
            seen += count
            if index < seen:
                return float(value)
        return float(ordered[-1][0])

    result = []
    for q in (0.5, 0.9):
        position = q * (n - 1)
        low = int(position)
        a, b = value_at(low), value_at(min(low + 1, n - 1))
        result.append(a + (b - a) * (position - low))
    return result[0], result[1]


Groups = dict[tuple[str, str], Group]


def _facts(
    organizations: list[int], begin: datetime, finish: datetime, *more: tuple[datetime, datetime]
) -> Iterator[tuple[Any, ...]]:
    """Per report started in [begin, finish) (or in any of ``more`` such ranges) at the
    organizations' placements: (tier, unit id or None, priority, outcome, ack minutes or
    None, close minutes or None, escalations, waiting)."""
    started = Q(created_at__gte=begin, created_at__lt=finish)
    for a, b in more:
        started |= Q(created_at__gte=a, created_at__lt=b)
    in_period = Report.objects.filter(started, placement__organization_id__in=organizations)
    escalations = dict(
        RoutingEvent.objects.filter(
            report__in=in_period, kind__in=[EventKind.ESCALATED, EventKind.FALLBACK]
        )
        .values("report_id")
        .annotate(n=Count("pk"))
        .values_list("report_id", "n")
        .order_by()
    )
    closed_at = dict(
        WorkflowEvent.objects.filter(
            report__in=in_period.filter(status=ReportStatus.CLOSED), kind="status"
        )
        .values("report_id")
        .annotate(last=Max("at"))
        .values_list("report_id", "last")
        .order_by()
    )
    rows = (
        in_period.annotate(unit=Coalesce(F("handling__assigned_unit_id"), F("placement__unit_id")))
        .values_list(
            "pk",
            "created_at",
            "status",
            "priority",
            "unit",
            "routing_state__tier_index",
            "routing_state__acknowledged_at",
            "handling__outcome",
        )
        .order_by()
    )
    for pk, created, status, priority, unit, tier, acknowledged, outcome in rows:
        ack = (
            max((acknowledged - created).total_seconds() / 60, 0)
            if acknowledged is not None
            else None
        )
        closed = closed_at.get(pk)
        close = (
            max((closed - created).total_seconds() / 60, 0)
            if status == ReportStatus.CLOSED and closed is not None
            else None
        )
        waiting = acknowledged is None and status == ReportStatus.NEW
        yield (
            tier or 0,
            unit,
            priority,
            outcome or "",
            ack,
            close,
            escalations.get(pk, 0),
            waiting,
        )


def group(facts: Iterable[tuple[Any, ...]]) -> Groups:
    """The groups (all, tier, unit, priority, outcome) of a run of report facts. Each report
    is counted once into its combination of the four, and the combinations are then added
    into the groups: a few dozen additions instead of five per report."""
    joint: dict[tuple[Any, ...], Group] = defaultdict(Group)
    for tier, unit, priority, outcome, ack, close, escalations, waiting in facts:
        g = joint[(tier, unit, priority, outcome)]
        g.reports += 1
        g.escalated += escalations
        g.past_limit += 1 if escalations else 0
        g.waiting += 1 if waiting else 0
        if ack is not None:
            g.acknowledged += 1
            g.ack[bucket(ack)] += 1
        if close is not None:
            g.closed += 1
            g.close[bucket(close)] += 1
    groups: Groups = defaultdict(Group)
    for (tier, unit, priority, outcome), g in joint.items():
        keys = [("all", ""), ("tier", str(tier)), ("unit", str(unit or "")), ("priority", priority)]
        if outcome:
            keys.append(("outcome", outcome))
        for key in keys:
            groups[key].add(g)
    return groups


# Keeping the summary ------------------------------------------------------------------------

_REFRESH_LOCK = 0x5AFE_15


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _local_days(utc_day: date, zone: tzinfo) -> list[date]:
    """The local days of ``zone`` that UTC day ``utc_day`` overlaps (one or two)."""
    first = _midnight(utc_day).astimezone(zone).date()
    last = (_midnight(utc_day + timedelta(days=1)) - timedelta(microseconds=1)).astimezone(zone)
    return [first + timedelta(days=i) for i in range((last.date() - first).days + 1)]


def _save(organization_id: int, span: str, first: date, groups: Groups) -> None:
    ResponseDay.objects.filter(organization_id=organization_id, span=span, day=first).delete()
    ResponseDay.objects.bulk_create(
        ResponseDay(
            organization_id=organization_id,
            span=span,
            day=first,
            dimension=dimension,
            key=key,
            reports=g.reports,
            acknowledged=g.acknowledged,
            escalated=g.escalated,
            past_limit=g.past_limit,
            closed=g.closed,
            waiting=g.waiting,
            ack={str(k): v for k, v in g.ack.items()},
            close={str(k): v for k, v in g.close.items()},
        )
        for (dimension, key), g in groups.items()
        if g.reports
    )


def _spans_of(day: date) -> list[tuple[str, date, date]]:
    """The week and the month a day belongs to: (span, first day, day after)."""
    monday = day - timedelta(days=day.weekday())
    first = day.replace(day=1)
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return [(Span.WEEK, monday, monday + timedelta(days=7)), (Span.MONTH, first, after)]


def _store(organization_id: int, day: date, zone: tzinfo) -> None:
    """One local day of ``zone``: the reports started from its midnight to the next."""
    begin, finish = midnight(day, zone), midnight(day + timedelta(days=1), zone)
    _save(organization_id, Span.DAY, day, group(_facts([organization_id], begin, finish)))


def _roll_up(organization_id: int, span: str, first: date, after: date) -> None:
    """A week's or a month's rows: the sums of its days' rows."""
    groups: Groups = defaultdict(Group)
    _read_days(groups, [organization_id], [(Span.DAY, first, after)])
    _save(organization_id, span, first, groups)


def lock() -> None:
    """Serialize refreshes (and re-keying) on PostgreSQL, in the current transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_REFRESH_LOCK])


def refresh() -> int:
    """Recompute every local day touched by a change marked since the last refresh; returns
    how many marks. The marks are UTC days (the triggers know no zones): each is the one or
    two local days of the organization's summary zone it overlaps."""
    if not ResponseDirty.objects.exists():
        return 0
    with transaction.atomic():
        lock()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Claim exactly the marks deleted: a change committing meanwhile leaves its
                # own mark for the next refresh.
                cursor.execute("DELETE FROM analytics_responsedirty RETURNING organization_id, day")
                marked = {(org, day) for org, day in cursor.fetchall()}
        else:  # SQLite: this transaction holds the write lock
            marked = set(ResponseDirty.objects.values_list("organization_id", "day"))
            ResponseDirty.objects.all().delete()
        _recompute(marked)
    return len(marked)


def _recompute(marked: Iterable[tuple[int, Any]]) -> None:
    """Store the local days of the marked (organization, UTC day)s, then their weeks and
    months, each organization's in its summary zone."""
    marked = sorted(marked)
    zones = {pk: zone_info(name) for pk, name in zones_for(sorted({m[0] for m in marked})).items()}
    days: set[tuple[int, date]] = set()
    for organization_id, day in marked:
        if isinstance(day, str):  # pragma: no cover - a backend returning text
            day = date.fromisoformat(day)
        days.update((organization_id, d) for d in _local_days(day, zones[organization_id]))
    spans: set[tuple[int, str, date, date]] = set()
    for organization_id, day in sorted(days):
        _store(organization_id, day, zones[organization_id])
        spans.update((organization_id, *span) for span in _spans_of(day))
    for organization_id, span, first, after in sorted(spans):
        _roll_up(organization_id, span, first, after)


def _report_days(organization: int | None = None) -> set[tuple[int, Any]]:
    """(organization, UTC day) of every report (of one organization)."""
    day = "(r.created_at AT TIME ZONE 'UTC')::date"
    if connection.vendor != "postgresql":
        day = "substr(r.created_at, 1, 10)"
    only = f"WHERE p.organization_id = {int(organization)}" if organization is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT p.organization_id, {day} FROM reports_report r "
            f"JOIN placements_placement p ON p.id = r.placement_id {only}"
        )
        return set(cursor.fetchall())


def rekey(organization: int) -> None:
    """Make one organization's rows again in its summary zone (after ``summaries.rezone``
    changed it, in the same transaction)."""
    with transaction.atomic():
        lock()
        ResponseDay.objects.filter(organization_id=organization).delete()
        _recompute(_report_days(organization))


def refresh_pending() -> int:
    """The worker's job processor."""
    return refresh()


def rebuild() -> None:
    """Recompute every day that has reports (after a bulk load without triggers), in each
    organization's summary zone."""
    with transaction.atomic():
        lock()
        ResponseDay.objects.all().delete()
        ResponseDirty.objects.all().delete()
        _recompute(_report_days())


def _read_days(
    groups: Groups, organizations: list[int], spans: list[tuple[str, date, date]]
) -> None:
    """Add the stored rows of ``spans`` (span, first day, day after) into ``groups``; the
    database adds the histograms up too (one row per group and bucket comes back)."""
    where = " OR ".join(["(d.span = %s AND d.day >= %s AND d.day < %s)"] * len(spans))
    holes = ", ".join(["%s"] * len(organizations))
    params: list[Any] = [*organizations, *(v for triple in spans for v in triple)]
    scope = f"d.organization_id IN ({holes}) AND ({where})"
    each = "jsonb_each_text" if connection.vendor == "postgresql" else "json_each"
    value = "CAST(b.value AS INTEGER)"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.dimension, d.key, sum(d.reports), sum(d.acknowledged), sum(d.escalated), "
            "sum(d.past_limit), sum(d.closed), sum(d.waiting) "
            f"FROM analytics_responseday d WHERE {scope} GROUP BY d.dimension, d.key",
            params,
        )
        for dimension, key, *counts in cursor.fetchall():
            g = groups[(dimension, key)]
            g.reports, g.acknowledged, g.escalated, g.past_limit, g.closed, g.waiting = (
                int(c or 0) for c in counts
            )
        for column in ("ack", "close"):
            cursor.execute(
                f"SELECT d.dimension, d.key, b.key, sum({value}) "
                f"FROM analytics_responseday d, {each}(d.{column}) b WHERE {scope} "
                "GROUP BY d.dimension, d.key, b.key",
                params,
            )
            for dimension, key, minutes, count in cursor.fetchall():
                getattr(groups[(dimension, key)], column)[int(minutes)] += int(count)


def read(organizations: list[int], begin: datetime, finish: datetime) -> Groups:
    """The groups of the reports started in [begin, finish): whole local days (of each
    organization's summary zone) from the summary; hours at the edges, which only a window
    that is not whole days in that zone has, from the raw rows."""
    refresh()
    while True:
        zones = _zones(organizations)
        groups = _read_in(zones, begin, finish)
        if _zones(organizations) == zones:
            return groups
        # Keyed anew in between (summaries.rezone): read again.


def _zones(organizations: list[int]) -> dict[int, str]:
    keyed = dict(
        SummaryZone.objects.filter(organization_id__in=organizations).values_list(
            "organization_id", "time_zone"
        )
    )
    return {pk: keyed.get(pk, "UTC") for pk in organizations}


def _read_in(zones: dict[int, str], begin: datetime, finish: datetime) -> Groups:
    groups: Groups = defaultdict(Group)
    by_zone: dict[str, list[int]] = defaultdict(list)
    for pk, zone in zones.items():
        by_zone[zone].append(pk)
    for zone, organizations in by_zone.items():
        cut = pieces(begin, finish, zone_info(zone))
        spans: list[tuple[str, date, date]] = [
            (span, first, after)
            for span, pairs in (
                (Span.DAY, cut.days),
                (Span.WEEK, cut.weeks),
                (Span.MONTH, cut.months),
            )
            for first, after in pairs
        ]
        if spans:
            _read_days(groups, organizations, spans)
        if cut.hours:
            for key, g in group(_facts(organizations, *cut.hours[0], *cut.hours[1:])).items():
                groups[key].add(g)
    return groups


def differences() -> list[str]:
    """Local days whose stored figures differ from the raw reports (after a refresh); empty
    when none."""
    refresh()
    days: set[tuple[int, str]] = set()
    utc_days = _report_days()
    zones = {
        pk: zone_info(name) for pk, name in zones_for(sorted({o for o, _d in utc_days})).items()
    }
    for organization_id, day in utc_days:
        if isinstance(day, str):  # pragma: no cover - a backend returning text
            day = date.fromisoformat(day)
        days.update((organization_id, str(d)) for d in _local_days(day, zones[organization_id]))
    stored_days = set(
        ResponseDay.objects.filter(span=Span.DAY).values_list("organization_id", "day")
    )
    days |= {(org, str(d)) for org, d in stored_days}
    zones |= {
        pk: zone_info(name)
        for pk, name in _zones(sorted({o for o, _d in days} - set(zones))).items()
    }
    problems = []
    for organization_id, text in sorted(days):
        first = date.fromisoformat(text)
        zone = zones[organization_id]
        raw = {
            key: g
            for key, g in group(
                _facts(
                    [organization_id],
                    midnight(first, zone),
                    midnight(first + timedelta(days=1), zone),
                )
            ).items()
            if g.reports
        }
        stored = {}
        for r in ResponseDay.objects.filter(
            organization_id=organization_id, span=Span.DAY, day=first
        ):
            stored[(r.dimension, r.key)] = Group(
                r.reports,
                r.acknowledged,
                r.escalated,
                r.past_limit,
                r.closed,
                r.waiting,
                Counter({int(k): v for k, v in r.ack.items()}),
                Counter({int(k): v for k, v in r.close.items()}),
            )
        if raw != stored:
            problems.append(f"responses of organization {organization_id} on {text}")
    # Every week and month equals the sum of its days.
    for organization_id, span, first in set(
        ResponseDay.objects.exclude(span=Span.DAY).values_list("organization_id", "span", "day")
    ) | {(org, s, f) for org, text in days for s, f, _a in _spans_of(date.fromisoformat(text))}:
        after = dict((s, a) for s, _f, a in _spans_of(first))[span]
        summed: Groups = defaultdict(Group)
        _read_days(summed, [organization_id], [(Span.DAY, first, after)])
        kept: Groups = defaultdict(Group)
        _read_days(kept, [organization_id], [(span, first, after)])
        if {k: g for k, g in summed.items() if g.reports} != {
            k: g for k, g in kept.items() if g.reports
        }:
            problems.append(f"responses of organization {organization_id}, {span} from {first}")
    return problems
