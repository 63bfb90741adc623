"""Reads for the responders' side. Every query here starts from what the user may see.

Who may see a report is decided by ``safepath.reports.access`` (the Report's owner); this
module adds the inbox, cases and timelines on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.db.models import DateTimeField, F, Func, Q, QuerySet, Value
from django.db.models.fields import BooleanField
from django.http import Http404
from django.utils.translation import gettext as _

from safepath.accounts.access import unit_scope
from safepath.accounts.models import Organization, User
from safepath.accounts.permissions import Capability, roles_with
from safepath.cases.models import Case, CaseEntry, CaseReport, Share, WorkflowEvent
from safepath.reports.access import (
    Access as Access,
)
from safepath.reports.access import (
    get_report_for_member as get_report_for_member,
)
from safepath.reports.access import (
    reading_organizations,
    reports_listed_for,
    reports_visible_to,
)
from safepath.reports.access import (
    report_access as report_access,
)
from safepath.reports.access import (
    report_audience as report_audience,
)
from safepath.reports.models import Report, ReportPriority, ReportStatus

# Kept for callers that import them from here; the rules live in the permission table and in
# ``safepath.reports.access``, the Report's owner.
CONTENT_ROLES = tuple(roles_with(Capability.REPORT_READ))
MANAGER_ROLES = tuple(roles_with(Capability.MANAGE))
content_organizations = reading_organizations


def _active_shares(organizations: QuerySet[Organization]) -> QuerySet[Share]:
    return Share.objects.filter(shared_with__in=organizations, revoked_at__isnull=True)


def reports_for_inbox(
    *,
    user: User | AnonymousUser,
    status: str | None = None,
    priority: str | None = None,
    placement_code: str | None = None,
    place: str | None = None,
    search: str | None = None,
    unit_id: int | None = None,
    assignee: User | None = None,
    assignee_id: int | None = None,
    unassigned: bool = False,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[Report]:
    """The inbox: visible reports, urgent first, then by latest activity, with filters.

    Read it a page at a time (``inbox_page``): the order is served by an index, so a page
    costs the same with 100 or 100,000 reports."""
    reports = reports_listed_for(user).select_related(
        "placement", "handling__assignee", "handling__assigned_unit"
    )
    if status:
        reports = reports.filter(status=status)
    if priority:
        reports = reports.filter(priority=priority)
    if place:
        # A place by its code or by part of its name ("bus station").
        by_place = Q(placement__public_name__icontains=place)
        if placement_code:
            by_place |= Q(placement__code=placement_code)
        reports = reports.filter(by_place)
    elif placement_code:
        reports = reports.filter(placement__code=placement_code)
    if search:
        # What staff can name without opening a report: never its (encrypted) contents.
        words = Q(reference=search.upper().replace(" ", ""))
        for field in (
            "placement__public_name",
            "placement__address",
            "handling__assignee__email",
            "handling__assignee__first_name",
            "handling__assignee__last_name",
            "handling__assigned_unit__name",
        ):
            words |= Q(**{f"{field}__icontains": search})
        reports = reports.filter(words)
    if assignee_id is not None:
        reports = reports.filter(handling__assignee_id=assignee_id)
    if unit_id:
        reports = reports.filter(handling__assigned_unit_id=unit_id)
    if assignee is not None:
        reports = reports.filter(handling__assignee=assignee)
    if unassigned:
        reports = reports.filter(Q(handling__isnull=True) | Q(handling__assignee__isnull=True))
    if since:
        reports = reports.filter(created_at__date__gte=since)
    if until:
        reports = reports.filter(created_at__date__lte=until)
    # The two priorities are "urgent" and "normal": descending puts urgent first, the index
    # report_inbox_order serves this order (answer counts are stored on the report).
    return reports.order_by(*INBOX_ORDER)


# Urgent first ("urgent" sorts after "normal"), then latest activity; the id breaks ties so
# that every report has one place. The index report_inbox_order serves it read backwards.
INBOX_ORDER = ("-priority", "-last_activity_at", "-pk")
CURSOR_SALT = "safepath.cases.inbox-cursor"


class BadCursor(ValueError):
    """A page cursor that this server did not make, or that is damaged."""


class _RowBefore(Func):
    """``(a, b, c) < (x, y, z)`` in SQL row values (PostgreSQL; SQLite 3.15 and later), which
    both databases turn into one range of the inbox index. Django's own tuple lookup spells
    it as ORs on SQLite, and the planner then sorts every visible report instead."""

    output_field = BooleanField()
    conditional = True

    def as_sql(  # type: ignore[override]  # a fixed template: no function or joiner to take
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, tuple[Any, ...]]:
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        half = len(parts) // 2
        return f"({', '.join(parts[:half])}) < ({', '.join(parts[half:])})", tuple(params)


@dataclass(frozen=True)
class InboxPage:
    reports: list[Report]
    next_cursor: str | None  # None: this is the last page


def inbox_cursor(*, user: User | AnonymousUser, report: Report) -> str:
    """An opaque, signed position just after ``report`` in the inbox order, good for ``user``
    only (another member's cursor is refused as if the page did not exist)."""
    position = [user.pk, report.priority, report.last_activity_at.isoformat(), report.pk]
    return signing.dumps(position, salt=CURSOR_SALT)


def _read_cursor(*, user: User | AnonymousUser, cursor: str) -> tuple[str, datetime, int]:
    try:
        owner, priority, at, pk = signing.loads(cursor, salt=CURSOR_SALT)
        position = (str(priority), datetime.fromisoformat(at), int(pk))
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise BadCursor(
            _("This page link is not valid: start again from the first page.")
        ) from error
    if owner != user.pk:
        raise Http404  # another member's page: nothing of it is shown, not even that it exists
    if position[0] not in ReportPriority.values or position[1].tzinfo is None:
        raise BadCursor(_("This page link is not valid: start again from the first page."))
    return position


def inbox_page(
    *, user: User | AnonymousUser, reports: QuerySet[Report], cursor: str | None, size: int
) -> InboxPage:
    """One page of ``reports`` (from ``reports_for_inbox``), starting after ``cursor``.

    Keyset paging: the next page starts after the last row shown, whatever arrived or moved
    meanwhile, so no report is shown twice and none is skipped because new ones came in (new
    reports go to the top: they are on the first page of the next walk)."""
    if cursor:
        priority, at, pk = _read_cursor(user=user, cursor=cursor)
        reports = reports.filter(
            _RowBefore(
                F("priority"),
                F("last_activity_at"),
                F("pk"),
                Value(priority),
                Value(at, output_field=DateTimeField()),
                Value(pk),
            )
        )
    rows = list(reports[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return InboxPage(
        reports=rows, next_cursor=inbox_cursor(user=user, report=rows[-1]) if more else None
    )


# Counts above this show as "1,000+": each count then reads at most this many rows through an
# index, so the counts cost the same with 2,000 or 2,000,000 reports, and there is no stored
# counter to keep right. Up to COUNT_EXACT_UNDER reports are read once and counted exactly.
# Urgent open reports are always counted exactly: the dashboard's urgent alert fires when that
# number grows (their index entry is small: few reports are urgent and open at once).
COUNT_CAP = 1000
COUNT_EXACT_UNDER = 2000
OPEN_STATUSES = [s for s in ReportStatus.values if s != ReportStatus.CLOSED]


def inbox_counts(*, user: User | AnonymousUser) -> dict[str, int]:
    """Reports by status, and urgent ones still open. Counted over what the user's
    organizations received or may read, so an analyst (who may count, not read) sees true
    numbers. A status count above ``COUNT_CAP`` may be given as ``COUNT_CAP + 1`` (shown
    "1,000+") once there are more than ``COUNT_EXACT_UNDER`` reports."""
    counted = (
        reports_listed_for(user, capability=Capability.REPORT_COUNT)
        .filter(is_drill=False)  # a drill is never counted as a real report
        .order_by()  # a count needs no order (the model's would sort every row first)
    )
    rows = list(counted.values_list("status", "priority")[:COUNT_EXACT_UNDER])
    if len(rows) < COUNT_EXACT_UNDER:  # all of them: count them here, exactly
        counts = dict.fromkeys(ReportStatus.values, 0)
        counts["urgent_open"] = 0
        for status, priority in rows:
            counts[status] = counts.get(status, 0) + 1
            if priority == ReportPriority.URGENT and status in OPEN_STATUSES:
                counts["urgent_open"] += 1
        return counts
    counts = {
        status: counted.filter(status=status).values("pk")[: COUNT_CAP + 1].count()
        for status in ReportStatus.values
    }
    counts["urgent_open"] = counted.filter(
        status__in=OPEN_STATUSES, priority=ReportPriority.URGENT
    ).count()
    return counts


def cases_visible_to(user: User | AnonymousUser) -> QuerySet[Case]:
    organizations = content_organizations(user)
    # Need-to-know: where the member is limited to units, only cases holding a report they
    # may read; shares name organizations, not units, so they do not reach such members.
    limited_ids = list(unit_scope(user))
    whole = organizations.exclude(pk__in=limited_ids)
    shared = _active_shares(whole).filter(case__isnull=False).values("case_id")
    in_units = CaseReport.objects.filter(
        case__organization_id__in=limited_ids, report__in=reports_visible_to(user)
    ).values("case_id")
    return Case.objects.filter(Q(organization__in=whole) | Q(pk__in=shared) | Q(pk__in=in_units))


def get_case_for_member(*, user: User | AnonymousUser, reference: str) -> Case:
    try:
        return cases_visible_to(user).select_related("organization").get(reference=reference)
    except Case.DoesNotExist:
        raise Http404 from None


def case_access(*, user: User | AnonymousUser, case: Case) -> tuple[Access, Organization]:
    organizations = content_organizations(user)
    if case.organization in organizations:
        return Access.OWNER, case.organization
    share = (
        _active_shares(organizations)
        .filter(case=case)
        .select_related("shared_with")
        .order_by("-access")
        .first()
    )
    if share is None:
        raise Http404
    return Access(share.access), share.shared_with


def case_pattern_hints(*, user: User | AnonymousUser, case: Case) -> QuerySet[CaseEntry]:
    """Entries in other visible cases with the same person, plate, phone or place.

    Only cases the user may already see are searched: a hint never crosses a tenant wall.
    """
    keys = list(case.entries.values_list("match_key", flat=True))
    return (
        CaseEntry.objects.filter(match_key__in=keys, case__in=cases_visible_to(user))
        .exclude(case=case)
        .select_related("case")
        .order_by("case__reference", "kind")
    )


def shares_of_report(*, report: Report) -> QuerySet[Share]:
    return Share.objects.filter(report=report).select_related(
        "shared_by", "shared_with", "created_by"
    )


def shares_of_case(*, case: Case) -> QuerySet[Share]:
    return Share.objects.filter(case=case).select_related("shared_by", "shared_with", "created_by")


def report_timeline(*, report: Report) -> list[dict[str, Any]]:
    """Every answer as it arrived and every workflow event, oldest first (contents included:
    the caller has already checked that the member may read the report)."""
    timeline: list[dict[str, Any]] = [
        {"at": entry.created_at, "kind": "answer", "step": entry.prompt, "text": entry.body}
        for entry in report.entries.all()
    ]
    timeline += [
        {
            "at": event.at,
            "kind": event.kind,
            "actor": event.actor.email if event.actor else "",
            "text": event.detail,
        }
        for event in WorkflowEvent.objects.filter(report=report).select_related("actor")
    ]
    timeline.sort(key=lambda item: item["at"])
    return timeline


def report_photo_size(*, report: Report) -> tuple[int, int] | None:
    """Width and height of the report's photo, or None when it has none (no bytes read)."""
    size = report.photos.values_list("width", "height").first()
    return (int(size[0]), int(size[1])) if size else None
