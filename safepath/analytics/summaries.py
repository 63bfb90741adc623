"""The summaries of the scan counters that the analytics pages read instead of raw rows.

``placements.ScanCount`` holds one row per placement and hour: two years of 2,000 placements
is millions of rows, too many to add up on every page. Two summaries hold the same numbers
coarser:

- ``OrganizationHour``: per organization and UTC hour, added over its placements (heat
  grids, days, weeks, the regional view);
- ``PlacementPeriod``: per placement and UTC day, UTC week (Monday to Sunday) and UTC
  calendar month (the funnel, the map and hotspots, the change test): a window of a year
  is a dozen months and a few weeks and days per placement, not 8,760 hours.

They are derived, so they cannot drift from the counters: a database trigger on
``placements_scancount`` (installed by the migration, see :data:`POSTGRESQL_TRIGGER` and
:data:`SQLITE_TRIGGERS`) appends every change of a counter row, whoever wrote it (the
counting service, the demo, a test, an operator's SQL), to ``ScanDelta``. :func:`fold` adds
the pending changes into the summaries and removes them, in one transaction; readers fold
before they read, and the worker folds in between. Appending is contention-free: a scan
never waits for another placement's scan because of the summaries.

:func:`rebuild` recomputes everything from the raw counters (``manage.py
analytics_rebuild``), for after a bulk load that bypassed triggers; :func:`differences`
compares the summaries with the raw counters (``analytics_rebuild --check``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction

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


def _day(column: str) -> str:
    """SQL for the UTC day of a datetime column, as the summaries store it."""
    if connection.vendor == "postgresql":
        return f"(({column}) AT TIME ZONE 'UTC')::date"
    return f"substr({column}, 1, 10)"  # SQLite keeps UTC text: 'YYYY-MM-DD HH:MM:SS'


def _week(column: str) -> str:
    """SQL for the Monday (UTC) of a datetime column's week."""
    if connection.vendor == "postgresql":
        return f"date_trunc('week', ({column}) AT TIME ZONE 'UTC')::date"
    return f"date(substr({column}, 1, 10), '-6 days', 'weekday 1')"


def _month(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"date_trunc('month', ({column}) AT TIME ZONE 'UTC')::date"
    return f"substr({column}, 1, 7) || '-01'"


def _spans(column: str) -> list[tuple[str, str]]:
    return [("d", _day(column)), ("w", _week(column)), ("m", _month(column))]


def _upsert(table: str, key: str) -> str:
    added = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTERS)
    if table == "analytics_placementperiod":
        added += f", hours = {table}.hours + excluded.hours"
    return f"ON CONFLICT ({key}) DO UPDATE SET {added}"


def _into_summaries(source: str, where: str = "") -> list[str]:
    """INSERT … SELECT statements adding ``source``'s rows (delta-shaped: organization_id,
    placement_id, hour, the counters, rows) into the three summary levels."""
    # "WHERE true" keeps SQLite's parser from reading ON CONFLICT as a join's ON.
    where = where or "WHERE true"
    hour_key = "organization_id, hour"
    period_key = "placement_id, span, start"
    statements = [
        f"INSERT INTO analytics_organizationhour (organization_id, hour, {_NAMES}) "
        f"SELECT organization_id, hour, {_SUMS} FROM {source} {where} "
        f"GROUP BY organization_id, hour {_upsert('analytics_organizationhour', hour_key)}"
    ]
    for span, start in _spans("hour"):
        statements.append(
            "INSERT INTO analytics_placementperiod "
            f"(placement_id, organization_id, span, start, {_NAMES}, hours) "
            f"SELECT placement_id, organization_id, '{span}', {start}, {_SUMS}, sum(rows) "
            f"FROM {source} {where} GROUP BY placement_id, organization_id, {start} "
            # In date order: a window's rows then sit together on disk (after a rebuild).
            f"ORDER BY {start}, placement_id "
            f"{_upsert('analytics_placementperiod', period_key)}"
        )
    return statements


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
            # Delete and add in one statement: exactly the rows deleted are added, even when
            # a scan commits meanwhile (READ COMMITTED gives each statement its own view).
            moved = (
                "moved AS (DELETE FROM analytics_scandelta WHERE id <= %s RETURNING "
                f"organization_id, placement_id, hour, {_NAMES}, rows)"
            )
            ctes = [moved] + [f"s{i} AS ({s})" for i, s in enumerate(_into_summaries("moved"))]
            # Data-modifying WITH clauses run to completion whether read or not.
            cursor.execute(f"WITH {', '.join(ctes)} SELECT count(*) FROM moved", [last])
            (count,) = cursor.fetchone()
            return int(count)
        # SQLite: this transaction holds the write lock, so nothing commits in between.
        for statement in _into_summaries("analytics_scandelta", "WHERE id <= %s"):
            cursor.execute(statement, [last])
        cursor.execute("DELETE FROM analytics_scandelta WHERE id <= %s", [last])
        return int(cursor.rowcount)


def fold_pending() -> int:
    """The worker's job processor: fold whatever is pending."""
    return fold()


def rebuild() -> None:
    """Recompute the summaries from the raw counters (after a bulk load without triggers, or
    to repair by hand). Counter writes wait while it runs on PostgreSQL."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_FOLD_LOCK])
            # Writers wait (SHARE blocks INSERT/UPDATE/DELETE), readers do not.
            cursor.execute("LOCK TABLE placements_scancount IN SHARE MODE")
        for table in (
            "analytics_scandelta",
            "analytics_organizationhour",
            "analytics_placementperiod",
        ):
            cursor.execute(f"DELETE FROM {table}")
        raw = (
            f"(SELECT p.organization_id, s.placement_id, s.hour, "
            f"{', '.join('s.' + c for c in COUNTERS)}, 1 AS rows "
            "FROM placements_scancount s JOIN placements_placement p ON p.id = s.placement_id) raw"
        )
        for statement in _into_summaries(raw):
            cursor.execute(statement)
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE analytics_organizationhour")
            cursor.execute("ANALYZE analytics_placementperiod")


def differences() -> list[str]:
    """Where the summaries (after a fold) disagree with the raw counters; empty when none."""
    fold()
    problems = []
    checks = {
        "organization hours": (
            f"SELECT p.organization_id, s.hour, {', '.join(f'sum(s.{c})' for c in COUNTERS)} "
            "FROM placements_scancount s JOIN placements_placement p ON p.id = s.placement_id "
            "GROUP BY p.organization_id, s.hour",
            f"SELECT organization_id, hour, {_NAMES} FROM analytics_organizationhour",
        ),
    }
    for span, start in _spans("s.hour"):
        checks[f"placement periods {span}"] = (
            f"SELECT s.placement_id, {start}, "
            f"{', '.join(f'sum(s.{c})' for c in COUNTERS)}, count(*) "
            "FROM placements_scancount s GROUP BY s.placement_id, " + start,
            f"SELECT placement_id, start, {_NAMES}, hours "
            f"FROM analytics_placementperiod WHERE span = '{span}'",
        )
    with connection.cursor() as cursor:
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
    edges, then whole UTC calendar months, whole UTC weeks (Monday to Sunday) and days."""

    hours: list[tuple[datetime, datetime]]
    days: list[tuple[date, date]]  # [first, after)
    weeks: list[tuple[date, date]]
    months: list[tuple[date, date]]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


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


def pieces(begin: datetime, finish: datetime) -> Pieces:
    begin, finish = begin.astimezone(UTC), finish.astimezone(UTC)
    if finish <= begin:
        return Pieces([], [], [], [])
    first_day = begin.date() if begin == _midnight(begin.date()) else begin.date() + timedelta(1)
    after_day = finish.date()
    if first_day >= after_day:
        return Pieces([(begin, finish)], [], [], [])
    hours = [
        (a, b) for a, b in ((begin, _midnight(first_day)), (_midnight(after_day), finish)) if a < b
    ]
    days: list[tuple[date, date]] = []
    weeks: list[tuple[date, date]] = []
    first_month = first_day if first_day.day == 1 else _next_month(first_day)
    after_month = after_day.replace(day=1)
    if first_month >= after_month:
        _weeks_and_days(first_day, after_day, weeks, days)
        return Pieces(hours, days, weeks, [])
    _weeks_and_days(first_day, first_month, weeks, days)
    _weeks_and_days(after_month, after_day, weeks, days)
    return Pieces(hours, days, weeks, [(first_month, after_month)])


def period_sums(
    organizations: list[int], cuts: dict[str, Pieces], columns: dict[str, tuple[str, ...]]
) -> list[tuple[Any, ...]]:
    """Per placement, from ``PlacementPeriod``: for each window (its whole days, weeks and
    months in ``cuts``) the sums of its ``columns``, in that order. Whether a row is in a
    window is worked out once per row (the subquery is fenced with OFFSET 0 so the
    database does not repeat it in every sum)."""
    params: list[Any] = []
    flags = []
    anywhere = []
    for i, cut in enumerate(cuts.values()):
        ranges = []
        for span, pairs in (("d", cut.days), ("w", cut.weeks), ("m", cut.months)):
            for first, after in pairs:
                ranges.append("(span = %s AND start >= %s AND start < %s)")
                params += [span, first, after]
        condition = " OR ".join(ranges) or "1 = 0"
        flags.append(f"CASE WHEN {condition} THEN 1 ELSE 0 END AS w{i}")
        anywhere.append(condition)
    sums = [f"SUM({column} * w{i})" for i, name in enumerate(cuts) for column in columns[name]]
    holes = ", ".join(["%s"] * len(organizations))
    fence = "OFFSET 0" if connection.vendor == "postgresql" else "LIMIT -1 OFFSET 0"
    # The flags' parameters, then the organizations, then the WHERE's own copy of them.
    where_params = list(params)
    sql = (
        f"SELECT placement_id, {', '.join(sums)} FROM ("
        f"SELECT placement_id, {_NAMES}, hours, {', '.join(flags)} "
        "FROM analytics_placementperiod "
        f"WHERE organization_id IN ({holes}) AND ({' OR '.join(anywhere)}) {fence}"
        ") flagged GROUP BY placement_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *organizations, *where_params])
        return cursor.fetchall()
