"""Who may see a report, how they may act on it, and who hears of it: the Report's one owner.

A member sees a report when one of their organizations received it (an owner), when it was
shared with one of their organizations by an owner and the share is not revoked, or when a
case holding it is shared with them by an organization that owns the report. Linking a report
into a case never widens who can read it: only an owner can share its report, directly or
through its own case. Only roles with ``Capability.REPORT_READ`` count.

Written with reverse relations (``recipients`` from routing, ``shares`` and ``case_links``
from cases), so this app imports neither routing nor cases.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import IsNull
from django.http import Http404

from safepath.accounts.access import unit_scope
from safepath.accounts.models import Membership, Organization, Role, User
from safepath.accounts.permissions import Capability, organizations_with, roles_with
from safepath.core.activity import Action, record
from safepath.reports.models import Report


class Access(StrEnum):
    OWNER = "owner"  # one of the user's organizations received it (or owns the case)
    WRITE = "write"  # shared with one of the user's organizations, read-write
    READ = "read"  # shared, read-only


def reading_organizations(user: User | AnonymousUser) -> QuerySet[Organization]:
    """The organizations in which ``user`` may read report contents."""
    return organizations_with(user, Capability.REPORT_READ)


def _received_by(organizations: Any) -> QuerySet[Report]:
    return Report.objects.filter(recipients__organization__in=organizations)


def _shared_with(organizations: Any) -> QuerySet[Report]:
    return Report.objects.filter(
        shares__shared_with__in=organizations, shares__revoked_at__isnull=True
    )


def _in_cases_shared_with(organizations: Any) -> QuerySet[Report]:
    # The case's organization must itself own the report: a member of two organizations who
    # links one's report into the other's case must not hand it to that case's partners.
    return Report.objects.filter(
        case_links__case__shares__shared_with__in=organizations,
        case_links__case__shares__revoked_at__isnull=True,
        recipients__organization_id=F("case_links__case__organization_id"),
    )


def reports_visible_in(organizations: Any) -> QuerySet[Report]:
    """Reports these organizations may read (received, or shared by an owner)."""
    return Report.objects.filter(
        Q(pk__in=_received_by(organizations).values("pk"))
        | Q(pk__in=_shared_with(organizations).values("pk"))
        | Q(pk__in=_in_cases_shared_with(organizations).values("pk"))
    )


def reports_visible_to(user: User | AnonymousUser) -> QuerySet[Report]:
    """What ``user`` may read, with need-to-know inside organizations where they are limited
    to units: there, only reports from a placement of one of their units, assigned to one of
    their units, or routed by a policy that names one of them. Shares name organizations, not
    units, so a unit-limited member does not read reports shared with their organization."""
    organizations = reading_organizations(user)
    # Only where the member's role reads reports: a unit names what they may read there, it
    # grants nothing to a role that reads none (an analyst in a unit counts, never reads).
    reading_ids = set(organizations.values_list("pk", flat=True))
    scope = {org: units for org, units in unit_scope(user).items() if org in reading_ids}
    if not scope:
        return reports_visible_in(organizations)
    in_units = Q()
    for organization_id, unit_ids in scope.items():
        in_units |= Q(recipients__organization_id=organization_id) & (
            Q(placement__unit_id__in=unit_ids)
            | Q(handling__assigned_unit_id__in=unit_ids)
            | Q(routing_state__policy__tiers__recipients__unit_id__in=unit_ids)
        )
    whole = organizations.exclude(pk__in=list(scope))
    return Report.objects.filter(
        Q(pk__in=reports_visible_in(whole).values("pk"))
        | Q(pk__in=Report.objects.filter(in_units).values("pk"))
    )


def reports_counted_for(user: User | AnonymousUser) -> QuerySet[Report]:
    """Reports ``user`` may count without reading them: what their organizations received or
    may read (analysts' true counts)."""
    return reports_visible_in(organizations_with(user, Capability.REPORT_COUNT)).filter(
        is_drill=False  # a drill is never counted as a real report
    )


# Past this many received reports a listing walks the reports in its index's order and asks,
# row by row, whether one of the organizations received it (it stops after the page it shows);
# under it, it starts from what they received and sorts those few. Either way the rows are the
# same: only the plan differs, and each plan is slow exactly where the other is fast.
MANY_RECEIVED = 2000
# Reports shared with an organization are named one by one; past this many, listings fall back
# to the general form of ``reports_visible_in``.
MANY_SHARED = 1000


def _listing_in(organization_ids: list[int]) -> QuerySet[Report] | None:
    """``reports_visible_in`` written for reading a page or a capped count at a time: the
    organizations' ids and the reports shared with them are read first (small, indexed), so
    the main query has no OR of subqueries and keeps its index. None when too much is shared
    (the caller then uses the general form)."""
    shared = set(
        _shared_with(organization_ids).values_list("pk", flat=True)[: MANY_SHARED + 1]
    ) | set(_in_cases_shared_with(organization_ids).values_list("pk", flat=True)[: MANY_SHARED + 1])
    if len(shared) > MANY_SHARED:
        return None
    receipts = Report.recipients.field.model._default_manager.filter(
        organization_id__in=organization_ids
    )
    received = list(receipts.values_list("report_id", flat=True)[:MANY_RECEIVED])
    if len(received) < MANY_RECEIVED:
        # Few: named one by one, so the database starts from them whatever else is asked.
        visible = Q(pk__in=received)
    else:
        # "(SELECT … LIMIT 1) IS NOT NULL" rather than EXISTS: PostgreSQL turns EXISTS into a
        # join, and without fresh statistics (right after a bulk load) it then joins every
        # received report and sorts them. A scalar subquery stays a probe per row, so both
        # databases walk the index and stop after the page, whatever their statistics say.
        probe = receipts.filter(report=OuterRef("pk")).values("report_id")[:1]
        visible = Q(IsNull(Subquery(probe), False))
    if shared:
        visible |= Q(pk__in=sorted(shared - set(received)))
    return Report.objects.filter(visible)


def reports_listed_for(
    user: User | AnonymousUser, *, capability: Capability = Capability.REPORT_READ
) -> QuerySet[Report]:
    """The same reports as ``reports_visible_to`` (``Capability.REPORT_READ``) or
    ``reports_counted_for`` (``Capability.REPORT_COUNT``, drills included: the caller filters),
    in a form that an index in the listing's order can serve: for the inbox, the API list and
    capped counts over 100,000 reports. Members limited to units get the general form."""
    if capability == Capability.REPORT_READ and unit_scope(user):
        return reports_visible_to(user)
    organization_ids = list(organizations_with(user, capability).values_list("pk", flat=True))
    listed = _listing_in(organization_ids)
    if listed is None:
        return reports_visible_in(organization_ids)
    return listed


def get_report_for_member(*, user: User | AnonymousUser, reference: str) -> Report:
    """The report if the user may read it; 404 otherwise (missing or not theirs alike)."""
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
    organizations = reading_organizations(user)
    recipient = (
        report.recipients.filter(organization__in=organizations)
        .select_related("organization")
        .first()
    )
    if recipient is not None:
        return Access.OWNER, recipient.organization
    share = (
        report.shares.filter(shared_with__in=organizations, revoked_at__isnull=True)
        .select_related("shared_with")
        .order_by("-access")  # "write" sorts after "read": take the strongest
        .first()
    )
    if share is not None:
        return Access(share.access), share.shared_with
    through_case = (
        organizations.filter(
            shares_received__case__links__report=report,
            shares_received__revoked_at__isnull=True,
            shares_received__case__organization__in=report_owner_ids(report=report),
        )
        .distinct()
        .first()
    )
    if through_case is None:
        raise Http404
    return Access.READ, through_case


def report_owner_ids(*, report: Report) -> list[int]:
    """The organizations that received the report: its owners, whose audit log shows every
    read of it by anyone."""
    return sorted(report.recipients.values_list("organization_id", flat=True))


def _audience_of(report: Report, owners: list[int]) -> list[int]:
    direct = report.shares.filter(revoked_at__isnull=True).values_list("shared_with_id", flat=True)
    through_cases = Organization.objects.filter(
        shares_received__case__links__report=report,
        shares_received__revoked_at__isnull=True,
        shares_received__case__organization__in=owners,
    ).values_list("pk", flat=True)
    return sorted({*owners, *direct, *through_cases})


def _audience_query(report: Report) -> QuerySet[Any]:
    owners = report.recipients.order_by().values_list("organization_id", flat=True)
    direct = (
        report.shares.filter(revoked_at__isnull=True)
        .order_by()
        .values_list("shared_with_id", flat=True)
    )
    through_cases = (
        Organization.objects.filter(
            shares_received__case__links__report=report,
            shares_received__revoked_at__isnull=True,
            shares_received__case__organization__in=report.recipients.values("organization_id"),
        )
        .order_by()
        .values_list("pk", flat=True)
    )
    return owners.union(direct, through_cases)


# The audience query's SQL, by database vendor, with how many times it names the report.
_AUDIENCE_SQL: dict[str, tuple[str, int]] = {}
_ANY_REPORT = -1  # stands for the report's id while the SQL is compiled


def _audience_sql() -> tuple[str, int]:
    """The ORM compiles the query once per process: building this UNION of joins took most
    of its cost (about 0.8 ms of a saved answer's CPU; running it, a tenth of that)."""
    vendor = connection.vendor
    if vendor not in _AUDIENCE_SQL:
        sql, params = _audience_query(Report(pk=_ANY_REPORT)).query.sql_with_params()
        if any(param != _ANY_REPORT for param in params):  # pragma: no cover  # guard
            raise RuntimeError("report_audience's SQL takes a parameter other than the report")
        _AUDIENCE_SQL[vendor] = (sql, len(params))
    return _AUDIENCE_SQL[vendor]


def report_audience(*, report: Report) -> list[int]:
    """The organizations whose dashboards hear of a report: its owners and the partners that
    may read it (shares of the report, and of owners' cases holding it). These are exactly
    the organizations in which ``reports_visible_in`` finds it.

    One query (a UNION), since every answer a reporter saves asks it: the owners, the
    report's shares and the shared cases that hold it were three, about a millisecond of a
    save between them. Its SQL is compiled once (``_audience_sql``)."""
    sql, times = _audience_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [report.pk] * times)
        return sorted({row[0] for row in cursor.fetchall()})


def report_readers(*, report: Report, user_ids: Iterable[int]) -> set[int]:
    """Which of these users may read ``report``: the rule of ``reports_visible_to``, decided
    for all of them at once in a few queries (routing asks it for every member it would
    tell; asking ``reports_visible_to`` per member cost four queries each and was most of the
    CPU of a reporter's first answer).

    A user reads it through an organization they see whole (one where they hold a reading
    role and are not limited to units) that is in its audience, or through an owning
    organization where they are limited to units, when the report is in one of those units
    (its placement's unit, the unit it is assigned to, or a unit its routing policy names).
    ``reports/tests/test_readers.py`` checks this against ``reports_visible_to``.
    """
    wanted = set(user_ids)
    if not wanted:
        return set()
    reading_roles = roles_with(Capability.REPORT_READ)
    reading: dict[int, set[int]] = {}
    scope: dict[int, dict[int, set[int]]] = {}
    # The memberships ``memberships_for`` counts, one row per unit (None: in no unit).
    rows = Membership.objects.filter(
        user_id__in=wanted,
        user__is_active=True,
        deactivated_at__isnull=True,
        organization__suspended_at__isnull=True,
    ).values_list("user_id", "organization_id", "role", "units")
    for user_id, organization_id, role, unit_id in rows:
        if role in reading_roles:
            reading.setdefault(user_id, set()).add(organization_id)
        if role in reading_roles and role != Role.ADMIN and unit_id is not None:
            scope.setdefault(user_id, {}).setdefault(organization_id, set()).add(unit_id)
    owners = report_owner_ids(report=report)
    audience = set(_audience_of(report, owners))
    report_units: set[int] | None = None
    readers: set[int] = set()
    for user_id in wanted:
        limited = scope.get(user_id, {})
        if (reading.get(user_id, set()) - set(limited)) & audience:
            readers.add(user_id)
            continue
        limited_owners = [org for org in limited if org in owners]
        if not limited_owners:
            continue
        if report_units is None:
            report_units = {
                unit
                for row in Report.objects.filter(pk=report.pk).values_list(
                    "placement__unit_id",
                    "handling__assigned_unit_id",
                    "routing_state__policy__tiers__recipients__unit_id",
                )
                for unit in row
                if unit is not None
            }
        if any(limited[org] & report_units for org in limited_owners):
            readers.add(user_id)
    return readers


def report_event(report: Report) -> dict[str, Any]:
    """The one live event shape for a report: the dashboard refetches the row it names."""
    return {"kind": "report", "report": report.reference, "placement": report.placement.public_name}


def report_record_read(
    *,
    report: Report,
    actor: User | AnonymousUser,
    organization: Organization | None,
    action: Action | str = Action.REPORT_VIEW,
    detail: str = "",
) -> None:
    """Record that ``actor`` (acting for ``organization``) read the report's contents: in the
    reader's log and in the log of every organization that owns the report, so an owner sees
    every read of its reports by anyone, partners included."""
    record(
        action=action,
        actor=actor,
        organizations=[organization, *report_owner_ids(report=report)],
        object_type="report",
        object_ref=report.reference,
        detail=detail,
    )


def report_owner_ids_of(*, reports: QuerySet[Report]) -> list[int]:
    """The organizations that own any of ``reports`` (for exports of many reports)."""
    return sorted(
        Organization.objects.filter(received_reports__report__in=reports.values("pk"))
        .distinct()
        .values_list("pk", flat=True)
    )
