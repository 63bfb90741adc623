"""The reporter's side: what a scan opens.

These views log nothing about who asks, set no cookie but the one that ties an in-progress
report to its browser, and work with plain form posts (no JavaScript needed).

They are exempt from CSRF checks on purpose: Django's CSRF cookie would be a second cookie on
a reporter's phone. The report cookie is SameSite=Strict, so a forged cross-site post cannot
add to someone's report; at worst it starts a new one, which anyone can do anyway.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from safepath.placements.models import Placement
from safepath.placements.selectors import get_placement_for_scan
from safepath.placements.services import placement_record_retired_scan, placement_record_scan
from safepath.reports.forms import AnswerForm
from safepath.reports.models import Report
from safepath.reports.questions import MORE, WHAT, Question
from safepath.reports.selectors import report_for_browser
from safepath.reports.services import report_add_answer, report_start


def help_page(request: HttpRequest, *, unknown_code: bool = False) -> HttpResponse:
    """Hotlines and the emergency number: also what an unknown or retired code leads to."""
    return render(
        request,
        "reports/help.html",
        {"unknown_code": unknown_code},
        status=404 if unknown_code else 200,
    )


def _set_report_cookie(response: HttpResponse, placement: Placement, token: str) -> None:
    response.set_cookie(
        settings.REPORTER_COOKIE_NAME,
        token,
        max_age=settings.REPORTER_COOKIE_AGE,
        path=f"/Q/{placement.code}",
        secure=settings.REPORTER_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def _context(
    placement: Placement, report: Report | None, question: Question, form: AnswerForm
) -> dict[str, object]:
    return {
        "placement": placement,
        "report": report,
        "question": question,
        "form": form,
        "answer_limit": settings.REPORT_ANSWER_MAX_CHARS,
    }


@csrf_exempt
@require_http_methods(["GET", "POST"])
def scan(request: HttpRequest, code: str) -> HttpResponse:
    placement = get_placement_for_scan(code=code)
    if placement is None or not placement.is_active:
        # Never a dead end: the same help a real code offers, and a 404 for machines.
        if request.method == "GET":  # an old poster still up is worth knowing: count it
            placement_record_retired_scan(code=code)
        return help_page(request, unknown_code=True)
    if placement.code != code:
        # A code typed in lower case or with spaces: settle on the one canonical address.
        return HttpResponseRedirect(f"/Q/{placement.code}", status=303)

    report = report_for_browser(
        placement=placement, token=request.COOKIES.get(settings.REPORTER_COOKIE_NAME)
    )
    question = MORE if report else WHAT

    if request.method == "GET":
        if report is None:
            placement_record_scan(placement=placement)
        return render(
            request,
            "reports/scan.html",
            _context(placement, report, question, AnswerForm()),
        )

    form = AnswerForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "reports/scan.html",
            _context(placement, report, question, form),
            status=400,
        )
    # The answer is committed before the redirect tells the person it was saved.
    if report is None:
        report, token = report_start(
            placement=placement, step=form.cleaned_data["step"], value=form.cleaned_data["answer"]
        )
        response = HttpResponseRedirect(f"/Q/{placement.code}", status=303)
        _set_report_cookie(response, placement, token)
        return response
    report_add_answer(
        report=report, step=form.cleaned_data["step"], value=form.cleaned_data["answer"]
    )
    return HttpResponseRedirect(f"/Q/{placement.code}", status=303)


@require_http_methods(["GET"])
def help_view(request: HttpRequest) -> HttpResponse:
    return help_page(request)
