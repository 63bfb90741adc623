"""The responders' side: inbox, report page and its workflow, cases, shares, exports.

Thin views: reads through selectors that scope everything to what the member may see
(another tenant's object is a 404), writes through services.
"""

from __future__ import annotations

import csv
from datetime import timedelta
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from safepath.accounts.access import memberships_for, organizations_for
from safepath.accounts.models import User
from safepath.accounts.permissions import Capability, organizations_with, roles_with
from safepath.cases import forms, services
from safepath.cases.indicators import CATEGORIES, INDICATORS, INDICATORS_BY_CODE, NOT_PROOF
from safepath.cases.models import Case, CaseDocument, InternalNote, Share
from safepath.cases.pdf import case_summary_pdf
from safepath.cases.ready_messages import reply_language
from safepath.cases.selectors import (
    COUNT_CAP,
    Access,
    BadCursor,
    case_access,
    case_pattern_hints,
    cases_visible_to,
    content_organizations,
    get_case_for_member,
    get_report_for_member,
    inbox_counts,
    inbox_page,
    report_access,
    report_photo_size,
    report_timeline,
    reports_for_inbox,
    reports_visible_to,
    shares_of_case,
    shares_of_report,
)
from safepath.core.activity import Action, record
from safepath.core.audit import audit_entries_for_organizations, audit_recent, audit_record
from safepath.core.spreadsheets import spreadsheet_safe
from safepath.placements.selectors import placements_for_member, recent_scans_for_member
from safepath.reports.access import report_owner_ids_of, report_record_read
from safepath.reports.languages import NATIVE_NAMES
from safepath.reports.models import Report
from safepath.reports.selectors import messages_for_reporter, report_photo_bytes
from safepath.reports.services import report_message_from_responder
from safepath.routing.recipients import report_withdrawn_from

INBOX_LIMIT = 100
CSV_LIMIT = 50_000
AUDIT_ROLES = roles_with(Capability.AUDIT_READ)
AUDIT_PAGE_SIZE = 200
WRITE_ACCESS = (Access.OWNER, Access.WRITE)
LIVE_AUDIT_WINDOW = timedelta(minutes=10)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _read_only(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "cases/read_only.html",
        {"message": _("This was shared with your organization to read. You cannot change it.")},
        status=403,
    )


def _filtered_inbox(request: HttpRequest) -> tuple[forms.InboxFilterForm, Any]:
    user = _user(request)
    form = forms.InboxFilterForm(request.GET or None, organizations=content_organizations(user))
    if request.GET and not form.is_valid():
        return form, None
    data = form.cleaned_data if request.GET else {}
    assignee = data.get("assignee") or ""
    reports = reports_for_inbox(
        user=user,
        status=data.get("status") or None,
        priority=data.get("priority") or None,
        placement_code=form.placement_code() if request.GET else None,
        place=data.get("placement") or None,
        search=data.get("q") or None,
        unit_id=data["unit"].pk if data.get("unit") else None,
        assignee=user if assignee == forms.ASSIGNEE_ME else None,
        assignee_id=int(assignee) if assignee.isascii() and assignee.isdigit() else None,
        unassigned=assignee == forms.ASSIGNEE_NONE,
        since=data.get("since"),
        until=data.get("until"),
    )
    return form, reports


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    form, reports = _filtered_inbox(request)
    user = _user(request)
    cursor = request.GET.get("cursor") or None
    page = None
    if reports is not None:
        try:
            page = inbox_page(user=user, reports=reports, cursor=cursor, size=INBOX_LIMIT)
        except BadCursor as error:
            form.add_error(None, str(error))
    counts = inbox_counts(user=user)
    filters = request.GET.copy()
    for name in ("cursor", "fragment"):
        filters.pop(name, None)
    context = {
        "memberships": memberships_for(user),
        "filter_form": form,
        "reports": page.reports if page is not None else [],
        "next_cursor": page.next_cursor if page is not None else None,
        "cursor": cursor,
        "counts": counts,
        "counts_shown": {
            # Past the cap a count reads "1,000+" (see inbox_counts).
            name: f"{COUNT_CAP:,}+"
            if number > COUNT_CAP and name != "urgent_open"
            else f"{number:,}"
            for name, number in counts.items()
        },
        "scans": recent_scans_for_member(user=user)[:50],
        "placements": placements_for_member(user=user),
        "query": request.GET.urlencode(),
        "filter_query": filters.urlencode(),
        # Filters stay folded (phones) unless some are in use or need correcting.
        "filtering": page is None or any(value for name, value in filters.items()),
    }
    status = 400 if page is None else 200
    if request.GET.get("fragment") == "reports":
        # The live page refreshes its list from here after a reconnect.
        return render(request, "cases/_report_rows.html", context, status=status)
    if request.GET.get("fragment") == "counts":
        # ...and its counts after every event, so they never wait for a reload.
        return render(request, "cases/_counts.html", context)
    context["live_text"] = {
        "live": _("live"),
        "reconnecting": _("reconnecting…"),
        "signedOut": _("signed out"),
        "urgentTitle": _("urgent"),
        "notificationTitle": _("SafePath: urgent report"),
        "notificationBody": _("An urgent report arrived. Open the inbox to read it."),
        "scanned": _("Code scanned at"),
        "timeZone": timezone.get_current_timezone_name(),  # the organization's, not the PC's
    }
    return render(request, "cases/dashboard.html", context, status=status)


@require_GET
@login_required
def reports_csv(request: HttpRequest) -> HttpResponse:
    """The inbox, with its filters, as CSV for audits and prosecutors. No report contents."""
    form, reports = _filtered_inbox(request)
    if reports is None:
        return render(
            request, "cases/read_only.html", {"message": form.errors.as_text()}, status=400
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="safepath-reports.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "reference",
            "created",
            "last_activity",
            "placement",
            "status",
            "priority",
            "answers",
            "assignee",
            "unit",
            "outcome",
        ]
    )
    for report in reports[:CSV_LIMIT]:
        handling = getattr(report, "handling", None)
        writer.writerow(
            [
                report.reference,
                report.created_at.isoformat(),
                report.last_activity_at.isoformat(),
                spreadsheet_safe(report.placement.public_name),
                report.status,
                report.priority,
                report.answer_count,
                spreadsheet_safe(handling.assignee.email) if handling and handling.assignee else "",
                spreadsheet_safe(handling.assigned_unit.name)
                if handling and handling.assigned_unit
                else "",
                handling.outcome if handling else "",
            ]
        )
    # The exporting member's organizations and every organization whose reports are in the
    # export (partners' exports included) see it in their own audit log.
    owners = report_owner_ids_of(reports=reports)
    record(
        action=Action.REPORTS_EXPORT_CSV,
        actor=_user(request),
        organizations=[*content_organizations(_user(request)), *owners],
        detail=request.GET.urlencode()[:500],
    )
    return response


@require_GET
@login_required
def report_row(request: HttpRequest, reference: str) -> HttpResponse:
    report = get_report_for_member(user=request.user, reference=reference)
    report_with_count = reports_for_inbox(user=request.user).get(pk=report.pk)
    return render(request, "cases/_report_row.html", {"report": report_with_count})


def _report_page(
    request: HttpRequest, report: Report, *, status: int = 200, **forms_override: Any
) -> HttpResponse:
    user = _user(request)
    access, organization = report_access(user=user, report=report)
    if status != 200:
        # A form shown again with its errors shows the report too: that is a view as well
        # (recorded unless this member's view of it is already on record for a while).
        _audit_view(request, report, organization, live=True)
    context = {
        **_live_context(report),
        "access": access,
        "can_write": access in WRITE_ACCESS,
        "acting_organization": organization,
        "photo_size": report_photo_size(report=report),
        "reporter_language": NATIVE_NAMES.get(reply_language(report.language), ""),
        "notes": InternalNote.objects.filter(
            report=report, organization=organization
        ).select_related("author"),
        "shares": shares_of_report(report=report),
        "cases": cases_visible_to(user).filter(links__report=report),
        "own_cases": Case.objects.filter(organization=organization, status="open"),
        "status_form": forms.StatusForm(initial={"status": report.status}),
        "assign_form": forms.AssignForm(organization=organization),
        "note_form": forms.NoteForm(),
        "share_form": forms.ShareForm(exclude=organization),
        "link_form": forms.LinkForm(),
        "reply_form": forms.ReplyForm(language=report.language),
        **forms_override,
    }
    return render(request, "cases/report_detail.html", context, status=status)


def _live_context(report: Report) -> dict[str, Any]:
    """What the report page shows that changes while it is open (the live fragment's part)."""
    return {
        "report": report,
        "handling": getattr(report, "handling", None),
        "timeline": report_timeline(report=report),
        "messages_list": messages_for_reporter(report=report),
    }


def _audit_view(request: HttpRequest, report: Report, organization: Any, *, live: bool) -> None:
    """Record that the member opened the report. A live refresh of an open page is the same
    opening: it is recorded only if this member has no view of it on record for a while, so
    the log stays readable and a fragment fetched on its own is still recorded."""
    if live and audit_recent(
        actor=_user(request),
        action="report.view",
        object_ref=report.reference,
        within=LIVE_AUDIT_WINDOW,
    ):
        return
    report_record_read(report=report, actor=request.user, organization=organization)


@require_GET
@login_required
def report_detail(request: HttpRequest, reference: str) -> HttpResponse:
    try:
        report = get_report_for_member(user=request.user, reference=reference)
    except Http404:
        mine = list(organizations_for(request.user).values_list("pk", flat=True))
        if report_withdrawn_from(reference=reference, organization_ids=mine):
            # An honest line instead of a dead link in an email: no contents, no reason more.
            message = _(
                "The reporter chose a help group instead of police. This report is no longer "
                "shown to your organization."
            )
            return render(request, "cases/read_only.html", {"message": message}, status=410)
        raise
    _access, organization = report_access(user=request.user, report=report)
    _audit_view(request, report, organization, live=False)
    return _report_page(request, report)


@require_GET
@login_required
def report_live(request: HttpRequest, reference: str) -> HttpResponse:
    """The changing parts of the report page (state, timeline, messages, routing), fetched by
    report_live.js when the socket says this report changed or after a reconnect."""
    report = get_report_for_member(user=request.user, reference=reference)
    _access, organization = report_access(user=request.user, report=report)
    _audit_view(request, report, organization, live=True)
    return render(request, "cases/_report_live.html", _live_context(report))


@require_GET
@login_required
def report_photo(request: HttpRequest, reference: str) -> HttpResponse:
    """The reporter's photo, only to members who may read the report, and recorded.

    Shown inline on the report page, but sandboxed and never cached, so the image cannot run
    anything in SafePath's origin or outlive the session in a shared browser's cache.
    """
    report = get_report_for_member(user=request.user, reference=reference)
    _access, organization = report_access(user=request.user, report=report)
    data = report_photo_bytes(report=report)
    if data is None:
        raise Http404
    report_record_read(
        report=report,
        actor=request.user,
        organization=organization,
        action=Action.REPORT_PHOTO_VIEW,
    )
    response = HttpResponse(data, content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="report-{report.reference}.jpg"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "no-store, private"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _report_for_write(request: HttpRequest, reference: str) -> tuple[Report, Any, Any]:
    report = get_report_for_member(user=request.user, reference=reference)
    access, organization = report_access(user=request.user, report=report)
    return report, access, organization


def _back_to_report(report: Report) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"/dashboard/reports/{report.reference}/")


@require_POST
@login_required
def report_status(request: HttpRequest, reference: str) -> HttpResponse:
    report, access, organization = _report_for_write(request, reference)
    if access not in WRITE_ACCESS:
        return _read_only(request)
    form = forms.StatusForm(request.POST)
    if form.is_valid():
        try:
            services.report_set_status(
                report=report,
                status=form.cleaned_data["status"],
                outcome=form.cleaned_data["outcome"],
                actor=_user(request),
                organization=organization,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _back_to_report(report)
    return _report_page(request, report, status=400, status_form=form)


@require_POST
@login_required
def report_assign(request: HttpRequest, reference: str) -> HttpResponse:
    report, access, organization = _report_for_write(request, reference)
    if access not in WRITE_ACCESS:
        return _read_only(request)
    form = forms.AssignForm(request.POST, organization=organization)
    if form.is_valid():
        services.report_assign(
            report=report,
            actor=_user(request),
            organization=organization,
            assignee=form.cleaned_data["assignee"],
            unit=form.cleaned_data["unit"],
        )
        return _back_to_report(report)
    return _report_page(request, report, status=400, assign_form=form)


@require_POST
@login_required
def report_note(request: HttpRequest, reference: str) -> HttpResponse:
    report, access, organization = _report_for_write(request, reference)
    if access not in WRITE_ACCESS:
        return _read_only(request)
    form = forms.NoteForm(request.POST)
    if form.is_valid():
        try:
            services.report_note_add(
                report=report,
                actor=_user(request),
                organization=organization,
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            form.add_error("body", error)
        else:
            return _back_to_report(report)
    return _report_page(request, report, status=400, note_form=form)


@require_POST
@login_required
def report_reply(request: HttpRequest, reference: str) -> HttpResponse:
    """A message to the reporter, read on their follow-up page with the receipt."""
    report, access, _organization = _report_for_write(request, reference)
    if access not in WRITE_ACCESS:
        return _read_only(request)
    form = forms.ReplyForm(request.POST, language=report.language)
    if not form.is_valid():
        return _report_page(request, report, status=400, reply_form=form)
    report_message_from_responder(
        report=report, author=_user(request), body=form.cleaned_data["body"]
    )
    return _back_to_report(report)


@require_POST
@login_required
def report_share(request: HttpRequest, reference: str) -> HttpResponse:
    report, access, organization = _report_for_write(request, reference)
    if access != Access.OWNER:
        return _read_only(request)
    form = forms.ShareForm(request.POST, exclude=organization)
    if form.is_valid():
        try:
            services.share_create(
                actor=_user(request),
                organization=organization,
                shared_with=form.cleaned_data["organization"],
                access=form.cleaned_data["access"],
                reason=form.cleaned_data["reason"],
                report=report,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Shared. The other organization can see it now."))
            return _back_to_report(report)
    return _report_page(request, report, status=400, share_form=form)


@require_POST
@login_required
def report_link(request: HttpRequest, reference: str) -> HttpResponse:
    report, access, _organization = _report_for_write(request, reference)
    if access != Access.OWNER:
        # Only an organization that received the report may file it in its own cases.
        return _read_only(request)
    form = forms.LinkForm(request.POST)
    if form.is_valid():
        case = Case.objects.filter(
            organization__in=content_organizations(request.user),
            reference=form.cleaned_data["case"].upper(),
        ).first()
        if case is None:
            form.add_error("case", _("No case of yours has that reference."))
        else:
            services.case_link_report(
                case=case,
                report=report,
                actor=_user(request),
                organization=case.organization,
                reason=form.cleaned_data["reason"],
            )
            return _back_to_report(report)
    return _report_page(request, report, status=400, link_form=form)


@require_POST
@login_required
def share_revoke(request: HttpRequest, share_id: int) -> HttpResponse:
    """Revoke a share; only the organization that shared may."""
    share = (
        Share.objects.filter(
            pk=share_id,
            shared_by__in=organizations_with(request.user, Capability.REPORT_ACT),
        )
        .select_related("report", "case", "shared_with", "shared_by")
        .first()
    )
    if share is None:
        raise Http404
    if share.report is not None:
        # A unit-limited member can only revoke a share of a report they may see.
        get_report_for_member(user=request.user, reference=share.report.reference)
    elif share.case is not None:
        get_case_for_member(user=request.user, reference=share.case.reference)
    services.share_revoke(share=share, actor=_user(request))
    messages.success(request, _("Share revoked."))
    if share.report is not None:
        return _back_to_report(share.report)
    assert share.case is not None
    return HttpResponseRedirect(f"/dashboard/cases/{share.case.reference}/")


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


# Cases ---------------------------------------------------------------------------------


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    organizations = content_organizations(user)
    if not organizations.exists():
        raise Http404
    form = forms.CaseForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            organization = organizations.first()
            assert organization is not None
            case = services.case_create(
                organization=organization, actor=user, title=form.cleaned_data["title"]
            )
            return HttpResponseRedirect(f"/dashboard/cases/{case.reference}/")
        status = 400
    elif request.method == "GET":
        status = 200
    else:
        return HttpResponse(status=405)
    cases = cases_visible_to(user).select_related("organization").order_by("-created_at")[:200]
    return render(request, "cases/case_list.html", {"cases": cases, "form": form}, status=status)


def _case_page(
    request: HttpRequest, case: Case, *, status: int = 200, **override: Any
) -> HttpResponse:
    user = _user(request)
    access, organization = case_access(user=user, case=case)
    observed = {o.indicator: o for o in case.observations.select_related("recorded_by")}
    checklist = [
        {
            "category": label,
            "items": [
                {"indicator": i, "observation": observed.get(i.code)}
                for i in INDICATORS
                if i.category == key
            ],
        }
        for key, label in CATEGORIES.items()
    ]
    context = {
        "case": case,
        "access": access,
        "can_write": access in WRITE_ACCESS,
        "acting_organization": organization,
        # Only the linked reports this member may see: a link is not a share.
        "reports": reports_visible_to(user)
        .filter(case_links__case=case)
        .select_related("placement"),
        "entries": case.entries.all(),
        "observations": case.observations.select_related("recorded_by"),
        "checklist": checklist,
        "not_proof": NOT_PROOF,
        "notes": case.notes.select_related("author"),
        "documents": case.documents.defer("sealed_data").select_related("uploaded_by"),
        "shares": shares_of_case(case=case),
        "hints": case_pattern_hints(user=user, case=case),
        "entry_form": forms.EntryForm(),
        "observation_form": forms.ObservationForm(),
        "note_form": forms.NoteForm(),
        "document_form": forms.DocumentForm(),
        "share_form": forms.ShareForm(exclude=organization),
        "indicators": INDICATORS_BY_CODE,
        **override,
    }
    return render(request, "cases/case_detail.html", context, status=status)


@require_GET
@login_required
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = get_case_for_member(user=request.user, reference=reference)
    _access, organization = case_access(user=request.user, case=case)
    audit_record(
        actor=request.user,
        organization=organization,
        action="case.view",
        object_type="case",
        object_ref=case.reference,
    )
    return _case_page(request, case)


def _case_for_write(request: HttpRequest, reference: str) -> tuple[Case, Any, Any]:
    case = get_case_for_member(user=request.user, reference=reference)
    access, organization = case_access(user=request.user, case=case)
    return case, access, organization


def _back_to_case(case: Case) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"/dashboard/cases/{case.reference}/")


@require_POST
@login_required
def case_entry(request: HttpRequest, reference: str) -> HttpResponse:
    case, access, organization = _case_for_write(request, reference)
    if access not in WRITE_ACCESS:
        return _read_only(request)
    form = forms.EntryForm(request.POST)
    if form.is_valid():
        try:
            services.case_entry_add(
                case=case, actor=_user(request), organization=organization, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _back_to_case(case)
    return _case_page(request, case, status=400, entry_form=form)


@require_POST
@login_required
def case_observation(request: HttpRequest, reference: str) -> HttpResponse:
    case, access, organization = _case_for_write(request, reference)
    if access not in WRITE_ACCESS:
        return _read_only(request)
    form = forms.ObservationForm(request.POST)
    if form.is_valid():
        services.case_observation_record(
            case=case, actor=_user(request), organization=organization, **form.cleaned_data
        )
        return _back_to_case(case)
    return _case_page(request, case, status=400, observation_form=form)


@require_POST
@login_required
def case_note(request: HttpRequest, reference: str) -> HttpResponse:
    case, access, organization = _case_for_write(request, reference)
    if access not in WRITE_ACCESS:
        return _read_only(request)
    form = forms.NoteForm(request.POST)
    if form.is_valid():
        try:
            services.case_note_add(
                case=case,
                actor=_user(request),
                organization=organization,
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            form.add_error("body", error)
        else:
            return _back_to_case(case)
    return _case_page(request, case, status=400, note_form=form)


@require_POST
@login_required
def case_document(request: HttpRequest, reference: str) -> HttpResponse:
    case, access, organization = _case_for_write(request, reference)
    if access not in WRITE_ACCESS:
        return _read_only(request)
    form = forms.DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > services.DOCUMENT_MAX_BYTES:
            form.add_error("file", _("The file is too large (at most 10 MB)."))
        else:
            try:
                services.case_document_add(
                    case=case,
                    name=upload.name or "document",
                    content_type=upload.content_type or "",
                    data=upload.read(),
                    actor=_user(request),
                    organization=organization,
                )
            except ValidationError as error:
                form.add_error("file", error)
            else:
                return _back_to_case(case)
    return _case_page(request, case, status=400, document_form=form)


@require_GET
@login_required
def case_document_download(request: HttpRequest, reference: str, document_id: int) -> HttpResponse:
    case = get_case_for_member(user=request.user, reference=reference)
    _access, organization = case_access(user=request.user, case=case)
    document = CaseDocument.objects.filter(case=case, pk=document_id).first()
    if document is None:
        raise Http404
    audit_record(
        actor=request.user,
        organization=organization,
        action="case.document_view",
        object_type="case",
        object_ref=case.reference,
        detail=document.name,
    )
    response = HttpResponse(bytes(document.data), content_type=document.content_type)
    # Always a download: a document never renders inside SafePath's origin.
    response["Content-Disposition"] = f'attachment; filename="{document.name}"'
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
@login_required
def case_share(request: HttpRequest, reference: str) -> HttpResponse:
    case, access, organization = _case_for_write(request, reference)
    if access != Access.OWNER:
        return _read_only(request)
    form = forms.ShareForm(request.POST, exclude=organization)
    if form.is_valid():
        try:
            services.share_create(
                actor=_user(request),
                organization=organization,
                shared_with=form.cleaned_data["organization"],
                access=form.cleaned_data["access"],
                reason=form.cleaned_data["reason"],
                case=case,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _back_to_case(case)
    return _case_page(request, case, status=400, share_form=form)


@require_GET
@login_required
def case_summary(request: HttpRequest, reference: str) -> HttpResponse:
    case = get_case_for_member(user=request.user, reference=reference)
    _access, organization = case_access(user=request.user, case=case)
    audit_record(
        actor=request.user,
        organization=organization,
        action="case.export_pdf",
        object_type="case",
        object_ref=case.reference,
    )
    reports = reports_visible_to(request.user).filter(case_links__case=case)
    # The PDF carries each report's contents: a read of each, in its owners' logs too.
    for report in reports.select_related("placement"):
        report_record_read(
            report=report,
            actor=request.user,
            organization=organization,
            action=Action.REPORT_EXPORTED,
            detail=f"case {case.reference} PDF",
        )
    response = HttpResponse(
        case_summary_pdf(case=case, reports=reports), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="case-{case.reference}.pdf"'
    return response
