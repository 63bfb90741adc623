"""The summaries of the scan counters that the analytics pages read instead of raw rows.

``placements.ScanCount`` holds one row per placement and hour: two years of 2,000 placements
is millions of rows, too many to add up on every page. Two summaries hold the same numbers
coarser:

- ``OrganizationHour``: per organization and UTC hour, added over its placements (heat
  grids, days, weeks, the regional view);
- ``PlacementPeriod``: per placement and local day, week (Monday to Sunday) and calendar
  month of its organization's time zone (``SummaryZone``; the funnel, the map and hotspots,
  the change test): a period of whole local days is whole rows, and a year is a dozen
  months and a few weeks and days per placement, not 8,760 hours.

They are derived, so they cannot drift from the counters: a database trigger on
``placements_scancount`` (installed by the migration, see :data:`POSTGRESQL_TRIGGER` and
:data:`SQLITE_TRIGGERS`) appends every change of a counter row, whoever wrote it (the
counting service, the demo, a test, an operator's SQL), to ``ScanDelta``. :func:`fold` adds
the pending changes into the summaries and removes them, in one transaction; readers fold
before they read, and the worker folds in between. Appending is contention-free: a scan
never waits for another placement's scan because of the summaries.

:func:`rebuild` recomputes everything from the raw counters (``manage.py
analytics_rebuild``), for after a bulk load that bypassed triggers; :func:`differences`
compares the summaries with the raw counters (``analytics_rebuild --check``);
:func:`rezone` keys an organization's summaries anew after its time zone changed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from safepath.analytics.models import SummaryZone

COUNTERS = ("scans", "reports_started", "reports_answered", "followups")
_SUMS = ", ".join(f"sum({c})" for c in COUNTERS)
_NAMES = ", ".join(COUNTERS)

# One delta row per change. On UPDATE of the same row (every scan after the hour's first),
# only the differences; a row that moved (never done, but possible) is taken out and put in.
POSTGRESQL_TRIGGER = f"""
CREATE OR REPLACE FUNCTION analytics_scan_delta() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.placement_id = NEW.placement_id AND OLD.hour = NEW.hour THEN
        IF (NEW.scans, NEW.reports_started, NEW.reports_answered, NEW.followups)
           IS DISTINCT FROM
           (OLD.scans, OLD.reports_started, OLD.reports_answered, OLD.followups) THEN
            INSERT INTO analytics_scandelta (organization_id, placement_id, hour, {_NAMES}, rows)
            SELECT p.organization_id, NEW.placement_id, NEW.hour,
                   NEW.scans - OLD.scans, NEW.reports_started - OLD.reports_started,
                   NEW.reports_answered - OLD.reports_answered, NEW.followups - OLD.followups, 0
            FROM placements_placement p WHERE p.id = NEW.placement_id;
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO analytics_scandelta (organization_id, placement_id, hour, {_NAMES}, rows)
        SELECT p.organization_id, OLD.placement_id, OLD.hour,
               -OLD.scans, -OLD.reports_started, -OLD.reports_answered, -OLD.followups, -1
        FROM placements_placement p WHERE p.id = OLD.placement_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO analytics_scandelta (organization_id, placement_id, hour, {_NAMES}, rows)
        SELECT p.organization_id, NEW.placement_id, NEW.hour,
               NEW.scans, NEW.reports_started, NEW.reports_answered, NEW.followups, 1
        FROM placements_placement p WHERE p.id = NEW.placement_id;
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS analytics_scan_delta ON placements_scancount;
CREATE TRIGGER analytics_scan_delta AFTER INSERT OR UPDATE OR DELETE ON placements_scancount
    FOR EACH ROW EXECUTE FUNCTION analytics_scan_delta();
"""

POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS analytics_scan_delta ON placements_scancount;
DROP FUNCTION IF EXISTS analytics_scan_delta();
"""


def _sqlite_row(sign: str, row: str, rows: str) -> str:
    values = ", ".join(f"{sign}{row}.{c}" for c in COUNTERS)
    return (
        f"INSERT INTO analytics_scandelta (organization_id, placement_id, hour, {_NAMES}, rows) "
        f"SELECT p.organization_id, {row}.placement_id, {row}.hour, {values}, {rows} "
        f"FROM placements_placement p WHERE p.id = {row}.placement_id;"
    )


_SAME_ROW = "OLD.placement_id = NEW.placement_id AND OLD.hour = NEW.hour"
_DIFFERENCES = ", ".join(f"NEW.{c} - OLD.{c}" for c in COUNTERS)
SQLITE_TRIGGERS = [
    "CREATE TRIGGER analytics_scan_delta_insert AFTER INSERT ON placements_scancount "
    f"BEGIN {_sqlite_row('', 'NEW', '1')} END;",
    "CREATE TRIGGER analytics_scan_delta_delete AFTER DELETE ON placements_scancount "
    f"BEGIN {_sqlite_row('-', 'OLD', '-1')} END;",
    f"CREATE TRIGGER analytics_scan_delta_update AFTER UPDATE ON placements_scancount "
    f"WHEN {_SAME_ROW} BEGIN "
    f"INSERT INTO analytics_scandelta (organization_id, placement_id, hour, {_NAMES}, rows) "
    f"SELECT p.organization_id, NEW.placement_id, NEW.hour, {_DIFFERENCES}, 0 "
    "FROM placements_placement p WHERE p.id = NEW.placement_id; END;",
    "CREATE TRIGGER analytics_scan_delta_move AFTER UPDATE ON placements_scancount "
    f"WHEN NOT ({_SAME_ROW}) BEGIN {_sqlite_row('-', 'OLD', '-1')} "
    f"{_sqlite_row('', 'NEW', '1')} END;",
]
SQLITE_DROP = [
    f"DROP TRIGGER IF EXISTS analytics_scan_delta_{name};"
    for name in ("insert", "delete", "update", "move")
]


def install_triggers(schema_editor: Any) -> None:
    """Migration step: put the trigger in (PostgreSQL or SQLite)."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_TRIGGER)
    elif vendor == "sqlite":
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement)
    else:  # pragma: no cover - SafePath runs on these two
        raise NotImplementedError(f"No scan summary trigger for {vendor}")


def remove_triggers(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP)
    elif vendor == "sqlite":
        for statement in SQLITE_DROP:
            schema_editor.execute(statement)


# Folding: pending changes into the summaries ------------------------------------------------
#
# ``PlacementPeriod`` is keyed by the organization's local day, Monday week and calendar month
# (its ``SummaryZone``), so a window of whole local days (every period the pages show) is
# whole rows: nothing is read from the raw counters at its edges. An hour belongs to the
# local day it starts in: PostgreSQL works that out with ``AT TIME ZONE`` (from the same
# system time-zone database Python's ``zoneinfo`` reads), SQLite with the functions Django
# registers on every SQLite connection for its own time-zone-aware date lookups.


def _local(column: str, zone: str, span: str) -> str:
    """SQL for the first local day of the day, week or month (``span``) that a UTC datetime
    column's hour starts in, in the time zone named by the SQL expression ``zone``."""
    unit = {"d": "day", "w": "week", "m": "month"}[span]
    if connection.vendor == "postgresql":
        return f"date_trunc('{unit}', ({column}) AT TIME ZONE {zone})::date"
    if span == "d":  # SQLite keeps UTC text: 'YYYY-MM-DD HH:MM:SS'
        return f"django_datetime_cast_date({column}, {zone}, 'UTC')"
    return f"substr(django_datetime_trunc('{unit}', {column}, {zone}, 'UTC'), 1, 10)"


def _spans(column: str, zone: str) -> list[tuple[str, str]]:
    return [(span, _local(column, zone, span)) for span in ("d", "w", "m")]


def _upsert(table: str, key: str) -> str:
    added = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTERS)
    if table == "analytics_placementperiod":
        added += f", hours = {table}.hours + excluded.hours"
    return f"ON CONFLICT ({key}) DO UPDATE SET {added}"


def _into_hours(source: str, where: str = "") -> str:
    """INSERT … SELECT adding ``source``'s rows (delta-shaped: organization_id, placement_id,
    hour, the counters, rows) into ``OrganizationHour``."""
    # "WHERE true" keeps SQLite's parser from reading ON CONFLICT as a join's ON.
    return (
        f"INSERT INTO analytics_organizationhour (organization_id, hour, {_NAMES}) "
        f"SELECT organization_id, hour, {_SUMS} FROM {source} {where or 'WHERE true'} "
        f"GROUP BY organization_id, hour "
        f"{_upsert('analytics_organizationhour', 'organization_id, hour')}"
    )


def _into_periods(source: str, where: str = "") -> list[str]:
    """INSERT … SELECT statements adding ``source``'s rows (delta-shaped, and ``time_zone``:
    the organization's summary zone) into the three levels of ``PlacementPeriod``."""
    statements = []
    for span, start in _spans("hour", "time_zone"):
        statements.append(
            "INSERT INTO analytics_placementperiod "
            f"(placement_id, organization_id, span, start, {_NAMES}, hours) "
            f"SELECT placement_id, organization_id, '{span}', {start}, {_SUMS}, sum(rows) "
            f"FROM {source} {where or 'WHERE true'} "
            f"GROUP BY placement_id, organization_id, {start} "
            # In date order: a window's rows then sit together on disk (after a rebuild).
            f"ORDER BY {start}, placement_id "
            f"{_upsert('analytics_placementperiod', 'placement_id, span, start')}"
        )
    return statements


def _raw(organization: int | None = None) -> str:
    """The raw counters as a delta-shaped source with each organization's summary zone."""
    only = f"WHERE p.organization_id = {int(organization)}" if organization is not None else ""
    return (
        f"(SELECT p.organization_id, s.placement_id, s.hour, "
        f"{', '.join('s.' + c for c in COUNTERS)}, 1 AS rows, z.time_zone "
        "FROM placements_scancount s JOIN placements_placement p ON p.id = s.placement_id "
        f"JOIN analytics_summaryzone z ON z.organization_id = p.organization_id {only}) raw"
    )


# Zone names the database accepted (PostgreSQL), so each is tried once per process.
_KNOWN_ZONES: set[str] = {"UTC"}


def zone_name(time_zone: str) -> str:
    """The zone an organization with ``time_zone`` has its summaries keyed in: the one
    ``Organization.zone`` reads (an unknown name is UTC), provided the database knows it
    too (else UTC: readers then take the local edges of a window from the raw counters)."""
    try:
        name = ZoneInfo(time_zone).key
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    if name in _KNOWN_ZONES or connection.vendor != "postgresql":
        return name
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT now() AT TIME ZONE %s", [name])
    except DatabaseError:
        return "UTC"
    _KNOWN_ZONES.add(name)
    return name


def zone_info(name: str) -> tzinfo:
    """The ``tzinfo`` of a summary zone's name (names in ``SummaryZone`` are valid ones)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - never stored
        return UTC


def _wanted_zones(organizations: list[int]) -> dict[int, str]:
    from safepath.accounts.models import Organization

    found = dict(Organization.objects.filter(pk__in=organizations).values_list("pk", "time_zone"))
    # An organization that is gone (its deltas take its placements' rows away): any zone.
    return {pk: zone_name(found.get(pk, "UTC")) for pk in organizations}


def history_token() -> int:
    """A fresh ``SummaryZone.history``: random, so no two states of the summaries share one
    (not even in another database with the same organization ids)."""
    return secrets.randbits(62)


def zones_for(organizations: list[int]) -> dict[int, str]:
    """The summary zone of each organization, given one (``Organization.zone``) if it had
    none: the response summary is keyed in it too, also without a counter."""
    keyed = dict(
        SummaryZone.objects.filter(organization_id__in=organizations).values_list(
            "organization_id", "time_zone"
        )
    )
    missing = [pk for pk in organizations if pk not in keyed]
    if missing:
        with connection.cursor() as cursor:
            for pk, zone in _wanted_zones(missing).items():
                cursor.execute(
                    "INSERT INTO analytics_summaryzone (organization_id, time_zone, history) "
                    "VALUES (%s, %s, %s) ON CONFLICT (organization_id) DO NOTHING",
                    [pk, zone, history_token()],
                )
        keyed.update(
            SummaryZone.objects.filter(organization_id__in=missing).values_list(
                "organization_id", "time_zone"
            )
        )
    return keyed


def _ensure_zones(cursor: Any) -> None:
    """Give every organization with pending changes a summary zone (its first counter)."""
    cursor.execute(
        "SELECT DISTINCT d.organization_id FROM analytics_scandelta d WHERE NOT EXISTS "
        "(SELECT 1 FROM analytics_summaryzone z WHERE z.organization_id = d.organization_id)"
    )
    missing = [pk for (pk,) in cursor.fetchall()]
    for pk, zone in _wanted_zones(missing).items():
        cursor.execute(
            "INSERT INTO analytics_summaryzone (organization_id, time_zone, history) "
            "VALUES (%s, %s, %s) ON CONFLICT (organization_id) DO NOTHING",
            [pk, zone, history_token()],
        )


def _past(hour: str, now: str) -> str:
    """SQL: the local day of ``hour`` is before the local day of ``now`` (zone: time_zone)."""
    return f"{_local(hour, 'time_zone', 'd')} < {_local(now, 'time_zone', 'd')}"


# Folds are serialized on PostgreSQL (two at once would update the same summary rows in
# different orders); SQLite serializes every write transaction anyway.
_FOLD_LOCK = 0x5AFE_14


def fold() -> int:
    """Add every pending change into the summaries; returns how many changes were folded.
    Cheap when nothing is pending (one indexed read)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM analytics_scandelta")
        (last,) = cursor.fetchone()
    if last is None:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_FOLD_LOCK])
            _ensure_zones(cursor)
            # Delete and add in one statement: exactly the rows deleted are added, even when
            # a scan commits meanwhile (READ COMMITTED gives each statement its own view). A
            # change of an organization that got its first counter since _ensure_zones has
            # no zone yet and waits for the next fold.
            moved = (
                "moved AS (DELETE FROM analytics_scandelta d WHERE d.id <= %s AND EXISTS "
                "(SELECT 1 FROM analytics_summaryzone z WHERE z.organization_id = "
                f"d.organization_id) RETURNING organization_id, placement_id, hour, {_NAMES}, "
                "rows)"
            )
            zoned = (
                "zoned AS (SELECT m.*, z.time_zone FROM moved m "
                "JOIN analytics_summaryzone z ON z.organization_id = m.organization_id)"
            )
            # A change to a day before today: the cached days before yesterday are stale.
            bump = (
                "bump AS (UPDATE analytics_summaryzone SET history = %s WHERE organization_id "
                f"IN (SELECT organization_id FROM zoned WHERE {_past('hour', '%s::timestamptz')}))"
            )
            statements = [_into_hours("moved"), *_into_periods("zoned")]
            ctes = [moved, zoned, bump] + [f"s{i} AS ({s})" for i, s in enumerate(statements)]
            # Data-modifying WITH clauses run to completion whether read or not.
            cursor.execute(
                f"WITH {', '.join(ctes)} SELECT count(*) FROM moved",
                [last, history_token(), timezone.now()],
            )
            (count,) = cursor.fetchone()
            return int(count)
        # SQLite: this transaction holds the write lock from its first write on, so nothing
        # commits in between (and every change up to ``last`` was committed before it).
        _ensure_zones(cursor)
        cursor.execute(_into_hours("analytics_scandelta", "WHERE id <= %s"), [last])
        zoned = (
            "(SELECT d.*, z.time_zone FROM analytics_scandelta d JOIN analytics_summaryzone z "
            "ON z.organization_id = d.organization_id WHERE d.id <= %s) zoned"
        )
        for statement in _into_periods(zoned):
            cursor.execute(statement, [last])
        now = timezone.now().astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        cursor.execute(
            "UPDATE analytics_summaryzone SET history = %s WHERE organization_id IN "
            f"(SELECT organization_id FROM {zoned} WHERE {_past('hour', '%s')})",
            [history_token(), last, now],
        )
        cursor.execute("DELETE FROM analytics_scandelta WHERE id <= %s", [last])
        return int(cursor.rowcount)


def rezone() -> int:
    """Rebuild the placement summaries of every organization whose time zone changed since
    they were keyed (``SummaryZone``), in its new zone; returns how many organizations.
    Run by the worker (``fold_pending``) and before ``differences``. Until then readers cut
    windows in the old zone and take the edges from the raw counters, so they stay right."""
    keyed = dict(SummaryZone.objects.values_list("organization_id", "time_zone"))
    changed = [(pk, zone) for pk, zone in _wanted_zones(list(keyed)).items() if keyed[pk] != zone]
    for pk, zone in changed:
        _rezone(pk, zone)
    return len(changed)


def _rezone(organization: int, zone: str) -> None:
    """One organization's ``PlacementPeriod`` and ``ResponseDay`` rows made again from its
    raw counters and reports, keyed in ``zone``, in one transaction: readers see the old
    rows and zone or the new ones. Folds and refreshes wait meanwhile (their locks, taken
    in the order every caller takes them); counter and report writes do not."""
    from safepath.analytics import responses

    with transaction.atomic(), connection.cursor() as cursor:
        responses.lock()
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_FOLD_LOCK])
        cursor.execute(
            "DELETE FROM analytics_placementperiod WHERE organization_id = %s", [organization]
        )
        cursor.execute(
            "UPDATE analytics_summaryzone SET time_zone = %s, history = %s "
            "WHERE organization_id = %s",
            [zone, history_token(), organization],
        )
        if connection.vendor == "postgresql":
            # One statement, one view of the data: the raw counters it reads hold exactly the
            # pending changes it takes away (those only go on into the hourly summary, which
            # does not depend on the zone); changes committed later stay for the next fold.
            moved = (
                "moved AS (DELETE FROM analytics_scandelta WHERE organization_id = %s "
                f"RETURNING organization_id, placement_id, hour, {_NAMES}, rows)"
            )
            statements = [_into_hours("moved"), *_into_periods(_raw(organization))]
            ctes = [moved] + [f"s{i} AS ({s})" for i, s in enumerate(statements)]
            cursor.execute(f"WITH {', '.join(ctes)} SELECT count(*) FROM moved", [organization])
        else:  # SQLite: this transaction holds the write lock, so nothing commits in between.
            cursor.execute(
                _into_hours("analytics_scandelta", "WHERE organization_id = %s"), [organization]
            )
            cursor.execute(
                "DELETE FROM analytics_scandelta WHERE organization_id = %s", [organization]
            )
            for statement in _into_periods(_raw(organization)):
                cursor.execute(statement)
        responses.rekey(organization)


def fold_pending() -> int:
    """The worker's job processor: fold whatever is pending, and key the summaries of any
    organization whose time zone changed in its new zone."""
    return fold() + rezone()


def rebuild() -> None:
    """Recompute the summaries from the raw counters and reports (after a bulk load without
    triggers, or to repair by hand), each organization's in its time zone of now. Counter
    writes wait while it runs on PostgreSQL."""
    from safepath.accounts.models import Organization
    from safepath.analytics import responses

    with transaction.atomic(), connection.cursor() as cursor:
        responses.lock()
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_FOLD_LOCK])
            # Writers wait (SHARE blocks INSERT/UPDATE/DELETE), readers do not.
            cursor.execute("LOCK TABLE placements_scancount IN SHARE MODE")
        for table in (
            "analytics_scandelta",
            "analytics_organizationhour",
            "analytics_placementperiod",
            "analytics_summaryzone",
        ):
            cursor.execute(f"DELETE FROM {table}")
        zones = _wanted_zones(list(Organization.objects.values_list("pk", flat=True)))
        SummaryZone.objects.bulk_create(
            SummaryZone(organization_id=pk, time_zone=zone, history=history_token())
            for pk, zone in zones.items()
        )
        for statement in [_into_hours(_raw()), *_into_periods(_raw())]:
            cursor.execute(statement)
        # The response summary is keyed in the same zones.
        responses.rebuild()
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE analytics_organizationhour")
            cursor.execute("ANALYZE analytics_placementperiod")
            cursor.execute("ANALYZE analytics_responseday")


def differences() -> list[str]:
    """Where the summaries (after a fold, and keyed in each organization's zone of now)
    disagree with the raw counters; empty when none."""
    fold()
    rezone()
    problems = []
    checks = {
        "organization hours": (
            f"SELECT p.organization_id, s.hour, {', '.join(f'sum(s.{c})' for c in COUNTERS)} "
            "FROM placements_scancount s JOIN placements_placement p ON p.id = s.placement_id "
            "GROUP BY p.organization_id, s.hour",
            f"SELECT organization_id, hour, {_NAMES} FROM analytics_organizationhour",
        ),
    }
    for span, start in _spans("s.hour", "z.time_zone"):
        checks[f"placement periods {span}"] = (
            f"SELECT s.placement_id, {start}, "
            f"{', '.join(f'sum(s.{c})' for c in COUNTERS)}, count(*) "
            "FROM placements_scancount s JOIN placements_placement p ON p.id = s.placement_id "
            "JOIN analytics_summaryzone z ON z.organization_id = p.organization_id "
            f"GROUP BY s.placement_id, {start}",
            f"SELECT placement_id, start, {_NAMES}, hours "
            f"FROM analytics_placementperiod WHERE span = '{span}'",
        )
    with connection.cursor() as cursor:
        # Every organization with counters has a zone, and it is the organization's own.
        cursor.execute(
            "SELECT DISTINCT p.organization_id FROM placements_scancount s "
            "JOIN placements_placement p ON p.id = s.placement_id WHERE NOT EXISTS "
            "(SELECT 1 FROM analytics_summaryzone z WHERE z.organization_id = p.organization_id)"
        )
        problems += [f"organization {pk} has counters but no summary zone" for (pk,) in cursor]
        for name, (raw_sql, summary_sql) in checks.items():
            cursor.execute(raw_sql)
            raw = {tuple(map(str, r[:2])): tuple(r[2:]) for r in cursor.fetchall()}
            cursor.execute(summary_sql)
            summary = {
                tuple(map(str, r[:2])): tuple(r[2:])
                for r in cursor.fetchall()
                if any(r[2:])  # all-zero rows (counters that went away) are no difference
            }
            for key in sorted(set(raw) | set(summary)):
                if raw.get(key) != summary.get(key):
                    problems.append(f"{name} {key}: raw {raw.get(key)} summary {summary.get(key)}")
    return problems


# Reading: a window as hour edges, whole days and whole months -------------------------------


@dataclass(frozen=True)
class Pieces:
    """A window [begin, finish) cut into what each table holds whole: raw hours at the
    edges, then whole calendar months, whole weeks (Monday to Sunday) and days, local in the
    zone the window was cut in. A window of whole local days in that zone has no edges."""

    hours: list[tuple[datetime, datetime]]
    days: list[tuple[date, date]]  # [first, after)
    weeks: list[tuple[date, date]]
    months: list[tuple[date, date]]


def midnight(day: date, zone: tzinfo = UTC) -> datetime:
    """Where local ``day`` begins in ``zone`` (as ``Period.bounds`` reckons it: where the
    first hour of the day starts, also when a clock change skips or repeats midnight)."""
    return datetime.combine(day, time(), tzinfo=zone)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _weeks_and_days(
    first: date, after: date, weeks: list[tuple[date, date]], days: list[tuple[date, date]]
) -> None:
    if first >= after:
        return
    first_monday = first + timedelta(days=(7 - first.weekday()) % 7)
    after_monday = after - timedelta(days=after.weekday())
    if first_monday >= after_monday:
        days.append((first, after))
        return
    weeks.append((first_monday, after_monday))
    days.extend((a, b) for a, b in ((first, first_monday), (after_monday, after)) if a < b)


def local_days(begin: datetime, finish: datetime, zone: tzinfo) -> tuple[date, date]:
    """The whole local days of ``zone`` in ``[begin, finish)``: [first, after), empty when
    there is none."""
    begin, finish = begin.astimezone(UTC), finish.astimezone(UTC)
    first_day = begin.astimezone(zone).date()
    if midnight(first_day, zone) < begin:
        first_day += timedelta(days=1)
    after_day = finish.astimezone(zone).date()
    if midnight(after_day, zone) > finish:  # pragma: no cover - a midnight a clock skipped
        after_day -= timedelta(days=1)
    return first_day, max(first_day, after_day)


def whole_periods(first: date, after: date) -> list[tuple[str, date, date]]:
    """The local days [first, after) as whole calendar months, then Monday weeks, then
    days: (span, first start, after) ranges of ``PlacementPeriod.start``."""
    if first >= after:
        return []
    days: list[tuple[date, date]] = []
    weeks: list[tuple[date, date]] = []
    months: list[tuple[date, date]] = []
    first_month = first if first.day == 1 else _next_month(first)
    after_month = after.replace(day=1)
    if first_month >= after_month:
        _weeks_and_days(first, after, weeks, days)
    else:
        _weeks_and_days(first, first_month, weeks, days)
        _weeks_and_days(after_month, after, weeks, days)
        months.append((first_month, after_month))
    return (
        [("d", a, b) for a, b in days]
        + [("w", a, b) for a, b in weeks]
        + [("m", a, b) for a, b in months]
    )


def pieces(begin: datetime, finish: datetime, zone: tzinfo = UTC) -> Pieces:
    """``[begin, finish)`` cut into local days, weeks and months of ``zone`` and the hours
    before the first local midnight and after the last."""
    begin, finish = begin.astimezone(UTC), finish.astimezone(UTC)
    if finish <= begin:
        return Pieces([], [], [], [])
    first_day, after_day = local_days(begin, finish, zone)
    if first_day >= after_day:
        return Pieces([(begin, finish)], [], [], [])
    hours = [
        (a.astimezone(UTC), b.astimezone(UTC))
        for a, b in (
            (begin, midnight(first_day, zone)),
            (midnight(after_day, zone), finish),
        )
        if a < b
    ]
    whole = whole_periods(first_day, after_day)
    return Pieces(
        hours,
        [(a, b) for span, a, b in whole if span == "d"],
        [(a, b) for span, a, b in whole if span == "w"],
        [(a, b) for span, a, b in whole if span == "m"],
    )


def _starts(span: str, first: date, after: date) -> list[date]:
    """The ``start`` of every row of ``span`` in [first, after) (as ``whole_periods`` cut)."""
    found = []
    while first < after:
        found.append(first)
        first = (
            _next_month(first) if span == "m" else first + timedelta(days=7 if span == "w" else 1)
        )
    return found


def signed_rows(first: date, after: date) -> list[tuple[str, date, int]]:
    """The ``PlacementPeriod`` rows that add up to the local days [first, after), each as
    (span, start, sign): the rows of :func:`whole_periods`, except that five or six days of
    one Monday week are read as the week less its other one or two days (a window that ends
    mid-week, as the change test's weeks do, then reads two or three rows instead of six).
    The sums are the same: a week's row is the sum of its seven days' rows, also for the days
    a month row holds too (which then count once: month + week - day)."""
    rows: list[tuple[str, date, int]] = []
    loose: dict[date, list[date]] = {}
    for span, a, b in whole_periods(first, after):
        for start in _starts(span, a, b):
            if span == "d":
                loose.setdefault(start - timedelta(days=start.weekday()), []).append(start)
            else:
                rows.append((span, start, 1))
    for monday, taken in loose.items():
        if len(taken) < 5:
            rows += [("d", day, 1) for day in taken]
            continue
        rows.append(("w", monday, 1))
        week = (monday + timedelta(days=i) for i in range(7))
        rows += [("d", day, -1) for day in week if day not in taken]
    return rows


def period_sums(
    organizations: list[int],
    days: dict[str, tuple[date, date]],
    columns: dict[str, tuple[str, ...]],
) -> list[tuple[Any, ...]]:
    """Per placement, from ``PlacementPeriod``: for each window (its whole local days
    [first, after) in ``days``) the sums of its ``columns``, in that order.

    Each window is cut on its own into whole months, weeks and days, some of them taken
    away (:func:`signed_rows`); a row that several windows' cuts hold (the same month, week
    or day) is read once and counts in each, with its sign. The rows wanted are a list of
    constants, (span, start, and how the row counts in each window), joined to the table's
    covering index: one index-only range per row wanted, in one statement. A sum read at one
    moment is exact even when a row taken away is today's, still changing: the week's row
    holds the same counts of it."""
    windows = list(days)
    rows: dict[tuple[str, date], list[int]] = {}
    for i, name in enumerate(windows):
        for span, start, sign in signed_rows(*days[name]):
            rows.setdefault((span, start), [0] * len(windows))[i] += sign
    wanted: list[str] = []
    params: list[Any] = []
    for (span, start), flagged in sorted(rows.items()):
        if any(flagged):
            wanted.append(f"(%s, %s, {', '.join(str(int(flag)) for flag in flagged)})")
            params += [span, start]
    if not wanted:
        return []
    # VALUES columns are column1, column2, … on PostgreSQL and SQLite alike: span, start,
    # then one sign per window. CAST: PostgreSQL's sum of a bigint is numeric, which Python
    # reads as slow Decimals.
    sums = [
        f"CAST(SUM(p.{column} * w.column{i + 3}) AS BIGINT)"
        for i, name in enumerate(windows)
        for column in columns[name]
    ]
    holes = ", ".join(["%s"] * len(organizations))
    sql = (
        f"SELECT p.placement_id, {', '.join(sums)} FROM (VALUES {', '.join(wanted)}) w "
        "JOIN analytics_placementperiod p ON p.span = w.column1 AND p.start = w.column2 "
        f"WHERE p.organization_id IN ({holes}) GROUP BY p.placement_id"
    )
    params += organizations
    # One statement, no transaction or setting of its own. PostgreSQL plans it as a nested
    # loop of index-only scans; the table's ``parallel_workers = 0`` (migration 0005) keeps
    # workers out (on two cores they cost more to start and gather than they save).
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()
