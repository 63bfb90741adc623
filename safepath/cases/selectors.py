"""Reads for the responders' side. Every query here starts from what the user may see.

A member sees a report when one of their organizations received it, or when it (or a case
it is linked into) was shared with one of their organizations and the share is not revoked.
Only roles that may read report contents count (admin, supervisor, responder).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case as SqlCase
from django.db.models import Count, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from safepath.accounts.access import organizations_for, unit_scope
from safepath.accounts.models import Organization, Role, User
from safepath.cases.models import Case, CaseEntry, CaseReport, Share, WorkflowEvent
from safepath.reports.models import Report, ReportPriority
from safepath.routing.models import ReportRecipient

CONTENT_ROLES = (Role.ADMIN, Role.SUPERVISOR, Role.RESPONDER)
MANAGER_ROLES = (Role.ADMIN, Role.SUPERVISOR)


class Access(StrEnum):
    OWNER = "owner"  # one of the user's organizations received it (or owns the case)
    WRITE = "write"  # shared with one of the user's organizations, read-write
    READ = "read"  # shared, read-only


def content_organizations(user: User | AnonymousUser) -> QuerySet[Organization]:
    return organizations_for(user, roles=CONTENT_ROLES)


def _active_shares(organizations: QuerySet[Organization]) -> QuerySet[Share]:
    return Share.objects.filter(shared_with__in=organizations, revoked_at__isnull=True)


def _received_by(user: User | AnonymousUser, organizations: QuerySet[Organization]) -> Any:
    """Reports one of these organizations received, narrowed to the member's units where the
    member is limited to units (need-to-know): a report from a placement of one of their
    units, assigned to one of their units, or routed by a policy that names one of them."""
    received = ReportRecipient.objects.filter(organization__in=organizations)
    scope = unit_scope(user)
    if not scope:
        return received.values("report_id")
    narrowed = Q()
    for organization_id, unit_ids in scope.items():
        narrowed |= Q(organization_id=organization_id) & (
            Q(report__placement__unit_id__in=unit_ids)
            | Q(report__handling__assigned_unit_id__in=unit_ids)
            | Q(report__routing_state__policy__tiers__recipients__unit_id__in=unit_ids)
        )
    whole = received.exclude(organization_id__in=list(scope))
    return Report.objects.filter(
        Q(pk__in=whole.values("report_id"))
        | Q(pk__in=received.filter(narrowed).values("report_id"))
    ).values("pk")


def _unlimited_organizations(
    user: User | AnonymousUser, organizations: QuerySet[Organization]
) -> QuerySet[Organization]:
    # Shares name organizations, not units: a unit-limited member does not see them.
    return organizations.exclude(pk__in=list(unit_scope(user)))


def reports_visible_to(user: User | AnonymousUser) -> QuerySet[Report]:
    organizations = content_organizations(user)
    shares = _active_shares(_unlimited_organizations(user, organizations))
    received = _received_by(user, organizations)
    shared = shares.filter(report__isnull=False).values("report_id")
    in_shared_cases = CaseReport.objects.filter(
        case__in=shares.filter(case__isnull=False).values("case_id")
    ).values("report_id")
    # Linking a report into one's own case grants nothing by itself: a report stays visible
    # only while it is received or shared, so revoking a share really ends access.
    return Report.objects.filter(Q(pk__in=received) | Q(pk__in=shared) | Q(pk__in=in_shared_cases))


def reports_for_inbox(
    *,
    user: User | AnonymousUser,
    status: str | None = None,
    priority: str | None = None,
    placement_code: str | None = None,
    unit_id: int | None = None,
    assignee: User | None = None,
    unassigned: bool = False,
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[Report]:
    """The inbox: visible reports, urgent first, then by latest activity, with filters."""
    reports = (
        reports_visible_to(user)
        .select_related("placement", "handling__assignee", "handling__assigned_unit")
        .annotate(
            answer_count=Count("entries", distinct=True),
            urgent_first=SqlCase(
                When(priority=ReportPriority.URGENT, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
    )
    if status:
        reports = reports.filter(status=status)
    if priority:
        reports = reports.filter(priority=priority)
    if placement_code:
        reports = reports.filter(placement__code=placement_code)
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
    return reports.order_by("urgent_first", "-last_activity_at", "-pk")


def inbox_counts(*, user: User | AnonymousUser) -> dict[str, int]:
    rows = reports_visible_to(user).values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    counts["urgent_open"] = (
        reports_visible_to(user)
        .filter(priority=ReportPriority.URGENT)
        .exclude(status="closed")
        .count()
    )
    return counts


def get_report_for_member(*, user: User | AnonymousUser, reference: str) -> Report:
    """The report if the user may see it (received or shared); 404 otherwise."""
    try:
        return (
            reports_visible_to(user)
            .select_related("placement__organization")
            .get(reference=reference)
        )
    except Report.DoesNotExist:
        raise Http404 from None


def report_access(*, user: User | AnonymousUser, report: Report) -> tuple[Access, Organization]:
    """How the user may act on a visible report, and through which of their organizations."""
    organizations = content_organizations(user)
    recipient = (
        ReportRecipient.objects.filter(report=report, organization__in=organizations)
        .select_related("organization")
        .first()
    )
    if recipient is not None:
        return Access.OWNER, recipient.organization
    shares = _active_shares(organizations).select_related("shared_with")
    share = (
        shares.filter(Q(report=report) | Q(case__links__report=report))
        .order_by("-access")  # "write" sorts after "read": take the strongest
        .first()
    )
    if share is None:
        raise Http404
    return Access(share.access if share.report_id else Access.READ), share.shared_with


def cases_visible_to(user: User | AnonymousUser) -> QuerySet[Case]:
    organizations = content_organizations(user)
    whole = _unlimited_organizations(user, organizations)
    shared = _active_shares(whole).filter(case__isnull=False).values("case_id")
    # A unit-limited member sees their organization's cases that hold a report they may see.
    limited = organizations.exclude(pk__in=whole.values("pk"))
    in_units = CaseReport.objects.filter(
        case__organization__in=limited, report__in=reports_visible_to(user)
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


def report_audience(*, report: Report) -> list[int]:
    """The organizations whose dashboards hear of a report: its recipients and the partners
    it (or a case holding it) is shared with."""
    shared = Share.objects.filter(revoked_at__isnull=True).filter(
        Q(report=report) | Q(case__links__report=report)
    )
    return sorted(
        {
            *ReportRecipient.objects.filter(report=report).values_list(
                "organization_id", flat=True
            ),
            *shared.values_list("shared_with_id", flat=True),
        }
    )
