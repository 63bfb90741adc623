"""The inbox and the report view. Thin: reads come from selectors, scoped by tenancy."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from safepath.accounts.access import memberships_for
from safepath.cases.selectors import get_report_for_member, reports_for_inbox
from safepath.placements.selectors import placements_for_member, recent_scans_for_member
from safepath.reports.models import Report
from safepath.reports.selectors import messages_for_reporter
from safepath.reports.services import report_message_from_responder

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
    return _detail(request, report, ReplyForm())


def _detail(
    request: HttpRequest, report: Report, form: ReplyForm, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "cases/report_detail.html",
        {
            "report": report,
            "entries": report.entries.all(),
            "messages_list": messages_for_reporter(report=report),
            "reply_form": form,
        },
        status=status,
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        strip=True,
        max_length=settings.REPORT_ANSWER_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Reply to the reporter"),
        error_messages={"required": _("Write a message before you send it.")},
    )


@require_POST
@login_required
def report_reply(request: HttpRequest, reference: str) -> HttpResponse:
    """A minimal reply to the reporter (read on their follow-up page with the receipt)."""
    report = get_report_for_member(user=request.user, reference=reference)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _detail(request, report, form, status=400)
    report_message_from_responder(
        report=report,
        author=request.user,  # type: ignore[arg-type]  # login_required: a User
        body=form.cleaned_data["body"],
    )
    return HttpResponseRedirect(f"/dashboard/reports/{report.reference}/", status=303)
