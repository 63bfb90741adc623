"""The inbox and the report view. Thin: reads come from selectors, scoped by tenancy."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from safepath.accounts.access import memberships_for, organizations_for
from safepath.accounts.models import Role
from safepath.cases.selectors import get_report_for_member, reports_for_inbox
from safepath.core.audit import audit_entries_for_organizations, audit_record
from safepath.placements.selectors import placements_for_member, recent_scans_for_member

INBOX_LIMIT = 100


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    context = {
        "memberships": memberships_for(request.user),
        "reports": reports_for_inbox(user=request.user)[:INBOX_LIMIT],
        "scans": recent_scans_for_member(user=request.user)[:50],
        "placements": placements_for_member(user=request.user),
    }
    if request.GET.get("fragment") == "reports":
        # The live page refreshes its list from here after a reconnect.
        return render(request, "cases/_report_rows.html", context)
    return render(request, "cases/dashboard.html", context)


@require_GET
@login_required
def report_row(request: HttpRequest, reference: str) -> HttpResponse:
    report = get_report_for_member(user=request.user, reference=reference)
    report_with_count = reports_for_inbox(user=request.user).get(pk=report.pk)
    return render(request, "cases/_report_row.html", {"report": report_with_count})


@require_GET
@login_required
def report_detail(request: HttpRequest, reference: str) -> HttpResponse:
    report = get_report_for_member(user=request.user, reference=reference)
    audit_record(
        actor=request.user,
        organization=report.placement.organization,
        action="report.view",
        object_type="report",
        object_ref=report.reference,
    )
    return render(
        request,
        "cases/report_detail.html",
        {"report": report, "entries": report.entries.all()},
    )


AUDIT_ROLES = (Role.ADMIN, Role.AUDITOR)
AUDIT_PAGE_SIZE = 200


@require_GET
@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The organization's audit log, for its administrators and auditors only."""
    organization_ids = list(
        organizations_for(request.user, roles=AUDIT_ROLES).values_list("pk", flat=True)
    )
    if not organization_ids:
        raise Http404
    entries = audit_entries_for_organizations(organization_ids=organization_ids)
    return render(request, "cases/audit_log.html", {"entries": entries[:AUDIT_PAGE_SIZE]})
