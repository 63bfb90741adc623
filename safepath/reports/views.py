"""The reporter's side: what a scan opens, the live report, and the follow-up with a receipt.

These views log nothing about who asks, set no cookie but the one that ties an in-progress
report (or an open follow-up) to its browser, and work with plain form posts: JavaScript only
swaps the page in place and autosaves. Every screen of a report is served at the scan URL
itself (the form posts back to it), so the browser's history holds nothing but that URL.

They are exempt from CSRF checks on purpose: Django's CSRF cookie would be a second cookie on
a reporter's phone. The report cookie is SameSite=Strict, so a forged cross-site post cannot
add to someone's report; at worst it starts a new one, which anyone can do anyway.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from safepath.core.db import retry_when_locked
from safepath.placements.models import Placement
from safepath.placements.selectors import get_placement_for_scan
from safepath.placements.services import (
    placement_count,
    placement_record_retired_scan,
    placement_record_scan,
)
from safepath.reports.forms import AnswerForm, FollowupTextForm, ReceiptForm
from safepath.reports.languages import activate_for, supported
from safepath.reports.models import RecipientPreference, Report
from safepath.reports.pages import render_reporter
from safepath.reports.questions import QUESTION_LIST, QUESTIONS, Question, next_question
from safepath.reports.selectors import (
    Throttled,
    answered_steps,
    messages_for_reporter,
    placement_languages,
    report_for_browser,
    report_for_followup,
    report_for_receipt,
    reporter_status,
)
from safepath.reports.services import (
    format_receipt,
    receipt_prepare,
    report_add_answer,
    report_add_information,
    report_add_photo,
    report_end_browser_session,
    report_end_followup,
    report_issue_receipt,
    report_message_from_reporter,
    report_open_followup,
    report_set_language,
    report_start,
    report_touch_followup,
)
from safepath.reports.signals import placement_recipients_wanted

FOLLOWUP_SALT = "safepath.reports.followup"
# The one-time key of the first question's form (secrets.token_urlsafe(32)).
START_KEY = re.compile(r"^[A-Za-z0-9_-]{43}$")


def help_page(request: HttpRequest, *, unknown_code: bool = False) -> HttpResponse:
    """Hotlines and the emergency number: also what an unknown or retired code leads to."""
    return render_reporter(
        request,
        "reports/help.html",
        {"unknown_code": unknown_code, "action": request.path},
        status=404 if unknown_code else 200,
        switch_method="get",
    )


@require_http_methods(["GET"])
def help_view(request: HttpRequest) -> HttpResponse:
    return help_page(request)


def _set_report_cookie(response: HttpResponse, placement: Placement, token: str) -> None:
    if not token:  # the browser's tie to its report has ended: forget the cookie too
        response.delete_cookie(
            settings.REPORTER_COOKIE_NAME, path=f"/Q/{placement.code}", samesite="Strict"
        )
        return
    response.set_cookie(
        settings.REPORTER_COOKIE_NAME,
        token,
        max_age=settings.REPORTER_COOKIE_AGE,
        path=f"/Q/{placement.code}",
        secure=settings.REPORTER_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


class Flow:
    """One request on a scan URL: which placement, which report, which screen."""

    def __init__(self, request: HttpRequest, placement: Placement) -> None:
        self.request = request
        self.placement = placement
        self.languages = placement_languages(placement)
        self.report = report_for_browser(
            placement=placement, token=request.COOKIES.get(settings.REPORTER_COOKIE_NAME)
        )
        # A new token to set, or "" to delete the cookie (the tie ended), or None.
        self.new_token: str | None = None

    def render(
        self, template: str, context: dict[str, Any], *, status: int = 200, step: str = ""
    ) -> HttpResponse:
        response = render_reporter(
            self.request,
            template,
            {
                "placement": self.placement,
                "organization": self.placement.organization,
                "report": self.report,
                "action": f"/Q/{self.placement.code}",
                "exit_path": f"/Q/{self.placement.code}/exit",
                **context,
            },
            status=status,
            placement_languages=self.languages,
            switch_step=step,
            # Before a report exists the switcher is a plain GET (?lang=), so Back keeps it.
            switch_method="get" if step == "landing" else "post",
            preferred=self.preferred_language(),
        )
        if self.new_token is not None:
            _set_report_cookie(response, self.placement, self.new_token)
        return response

    def landing(self) -> HttpResponse:
        # Said truthfully, from what routing would do now: every organization that may read
        # a report from this place, and who reads it instead when the reporter says "not
        # police" (offered here, before any answer exists, so police never read one first).
        answers = placement_recipients_wanted.send(sender=Placement, placement=self.placement)
        # Routing's receiver answers with who may read (``routing.recipients.PlaceRecipients``).
        told: Any = next((reply for _receiver, reply in answers if reply is not None), None)
        return self.render(
            "reports/landing.html",
            {
                "recipients": [o.name for o in told.everyone] if told else [],
                "service_recipients": [o.name for o in told.without_police] if told else [],
                "police_among_recipients": bool(told and told.police_among),
            },
            step="landing",
        )

    @property
    def recipient(self) -> str:
        """ "Not police", chosen on the landing page and carried by the forms until the first
        answer starts the report with it (routing then never tells police)."""
        if self.report is None and self.request.POST.get("recipient") == "service":
            return RecipientPreference.SERVICE
        return ""

    def preferred_language(self) -> str:
        """A language picked earlier in this visit: carried by the page's form or address,
        else remembered on the report this browser is writing (so Back keeps it)."""
        return self.report.language if self.report is not None else ""

    def question(
        self,
        question: Question,
        form: AnswerForm | None = None,
        *,
        saved: bool = False,
        status: int = 200,
    ) -> HttpResponse:
        # What was answered before is never sent back to the browser: someone else may be
        # holding the phone now. Only a form being corrected is shown again as typed.
        previous: dict[str, Any] = {}
        if form is not None:
            previous = {
                "choices": form.data.getlist("choice") if hasattr(form.data, "getlist") else [],
                "text": form.data.get("text", ""),
            }
        position = QUESTION_LIST.index(question) + 1
        return self.render(
            "reports/question.html",
            {
                "question": question,
                "form": form,
                "previous": previous,
                "saved": saved,
                "position": position,
                "recipient": self.recipient,
                "total": len(QUESTION_LIST),
                "answer_limit": settings.REPORT_ANSWER_MAX_CHARS,
                # The first answer's form carries a one-time key: posting it twice (a double
                # tap, an autosave racing the button) still starts one report.
                "start_key": (
                    (form.data.get("key", "") if form is not None else "")
                    or secrets.token_urlsafe(32)
                )
                if self.report is None
                else "",
            },
            status=status,
            step=question.key,
        )

    def receipt(self) -> HttpResponse:
        """Finish: the receipt is shown once, and this browser's cookie writes nothing more
        (whoever holds the phone next cannot change what was sent)."""
        if self.report is None:
            return self.finished()
        report = self.report
        prepared = receipt_prepare()  # the slow hash, before the write and its lock
        receipt = retry_when_locked(lambda: report_issue_receipt(report=report, prepared=prepared))
        self.new_token = ""
        response = self.render(
            "reports/receipt.html",
            # No language switcher here: the number cannot be shown again in another language.
            {"receipt": format_receipt(receipt) if receipt else None, "hide_switcher": True},
        )
        response.compress = False  # type: ignore[attr-defined]  # see core.compression
        return response

    def finished(self, *, sent: bool = False) -> HttpResponse:
        return self.render(
            "reports/finished.html", {"sent": sent or self.report is not None}, step="finished"
        )

    def save(self, form: AnswerForm, *, draft: bool = False) -> None:
        data = form.cleaned_data
        step, text, choices = data["step"], data.get("text") or "", data.get("choice") or []
        language = self.request.LANGUAGE_CODE if hasattr(self.request, "LANGUAGE_CODE") else ""
        # Each write is one transaction, retried whole while SQLite is busy: an answer is
        # never lost to "database is locked" (safepath.core.db).
        if self.report is None:
            key = self.request.POST.get("key", "")
            self.report, self.new_token = retry_when_locked(
                lambda: report_start(
                    placement=self.placement,
                    step=step,
                    value=text,
                    choices=choices,
                    language=supported(self.request.POST.get("lang")) or language,
                    start_key=key if START_KEY.match(key) else "",
                    draft=draft,
                    recipient_preference=self.recipient or RecipientPreference.EITHER,
                )
            )
        elif text or choices:
            report = self.report
            retry_when_locked(
                lambda: report_add_answer(
                    report=report, step=step, value=text, choices=choices, draft=draft
                )
            )
        if data.get("photo"):
            report, photo = self.report, data["photo"]
            retry_when_locked(lambda: report_add_photo(report=report, photo=photo))

    def first_open_question(self) -> Question:
        answered = answered_steps(report=self.report)
        return next((q for q in QUESTION_LIST if q.key not in answered), QUESTION_LIST[0])

    def post(self) -> HttpResponse:
        post = self.request.POST
        action, step = post.get("action", "next"), post.get("step", "")
        if action == "lang":
            chosen = supported(post.get("lang"))
            if self.report is not None and chosen:
                report_set_language(report=self.report, language=chosen)
            return self.redisplay(step)
        if action == "start":
            return self.question(self.first_open_question())
        if action == "receipt":
            return self.receipt()
        if action == "saved":
            return self.finished(sent=True)
        question = QUESTIONS.get(step)
        if question is None or action not in {"next", "skip", "done", "autosave"}:
            return self.render(
                "reports/landing.html",
                {"error": _("Something went wrong with that page. Please try again.")},
                status=400,
                step="landing",
            )
        saved = False
        if action != "skip":
            form = AnswerForm(post, self.request.FILES)
            if not form.is_valid():
                if action == "autosave":
                    return self.autosave_reply(form)
                return self.question(question, form, status=400)
            if not form.is_empty:
                self.save(form, draft=action == "autosave")
                saved = True
        if action == "autosave":
            return self.autosave_reply(None, saved=saved)
        if action == "done":
            return self.receipt()
        following = next_question(question.key)
        if following is None:
            return self.receipt()
        return self.question(following, saved=saved)

    def autosave_reply(self, form: AnswerForm | None, *, saved: bool = False) -> HttpResponse:
        activate_for(self.request, self.languages)  # the reply speaks the page's language
        if form is not None:
            errors = [str(e) for field in form.errors.values() for e in field]
            return JsonResponse({"saved": False, "message": " ".join(errors)}, status=400)
        response = JsonResponse(
            {"saved": saved, "message": _("Saved. The helpers can see it now.") if saved else ""}
        )
        if self.new_token is not None:
            _set_report_cookie(response, self.placement, self.new_token)
        return response

    def redisplay(self, step: str) -> HttpResponse:
        question = QUESTIONS.get(step)
        if question is not None:
            return self.question(question)
        if step == "finished":
            return self.finished()
        return self.landing()


@csrf_exempt
@require_http_methods(["GET", "POST"])
def scan(request: HttpRequest, code: str) -> HttpResponse:
    placement = get_placement_for_scan(code=code)
    if placement is None or not placement.is_active:
        # Never a dead end: the same help a real code offers, and a 404 for machines.
        if request.method == "GET":  # an old poster still up is worth knowing: count it
            retry_when_locked(lambda: placement_record_retired_scan(code=code))
        return help_page(request, unknown_code=True)
    if placement.code != code:
        # A code typed in lower case or with spaces: settle on the one canonical address.
        return HttpResponseRedirect(f"/Q/{placement.code}", status=303)
    flow = Flow(request, placement)
    if request.method == "GET":
        if flow.report is None:
            retry_when_locked(lambda: placement_record_scan(placement=placement))
        elif supported(request.GET.get("lang")):
            report, language = flow.report, str(supported(request.GET["lang"]))
            retry_when_locked(lambda: report_set_language(report=report, language=language))
        return flow.landing()
    return flow.post()


@csrf_exempt
@require_http_methods(["GET", "POST"])
def scan_exit(request: HttpRequest, code: str) -> HttpResponse:
    """Quick exit from a scan page: end this browser's tie to its report on the server, forget
    the cookie, and go to the neutral site. (With JavaScript the page sends this as a beacon
    and leaves at once, so quick exit never waits for the server.)"""
    placement = get_placement_for_scan(code=code)
    response = HttpResponseRedirect(settings.QUICK_EXIT_URL, status=303)
    if placement is not None:
        report = report_for_browser(
            placement=placement, token=request.COOKIES.get(settings.REPORTER_COOKIE_NAME)
        )
        if report is not None:
            retry_when_locked(lambda: report_end_browser_session(report=report))
        _set_report_cookie(response, placement, "")
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def followup_exit(request: HttpRequest) -> HttpResponse:
    """Quick exit from the follow-up: close it on the server, whatever the browser keeps."""
    report, _lang = _followup_report(request)
    if report is not None:
        known = report
        retry_when_locked(lambda: report_end_followup(report=known))
    response = HttpResponseRedirect(settings.QUICK_EXIT_URL, status=303)
    response.delete_cookie(settings.FOLLOWUP_COOKIE_NAME, path="/followup/", samesite="Strict")
    return response


# Follow-up ---------------------------------------------------------------------------------


def _followup_report(request: HttpRequest) -> tuple[Report | None, str]:
    """The report an open follow-up in this browser is about, and the language it chose.
    The cookie carries a random token; the server decides whether it still opens anything."""
    raw = request.COOKIES.get(settings.FOLLOWUP_COOKIE_NAME)
    if not raw:
        return None, ""
    try:
        value = signing.loads(raw, salt=FOLLOWUP_SALT, max_age=settings.FOLLOWUP_IDLE_SECONDS)
        report = report_for_followup(token=str(value["t"]))
        return report, str(value.get("l", ""))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None, ""


def _followup_redirect(request: HttpRequest, token: str | None, lang: str) -> HttpResponse:
    """After a post: back to the follow-up page (a GET, so Back and reload post nothing).
    ``token`` None ends the follow-up in this browser; otherwise the cookie is renewed."""
    location = "/followup/" + (f"?lang={lang}" if lang else "")
    response = HttpResponseRedirect(location, status=303)
    if token is None:
        response.delete_cookie(settings.FOLLOWUP_COOKIE_NAME, path="/followup/", samesite="Strict")
    else:
        response.set_cookie(
            settings.FOLLOWUP_COOKIE_NAME,
            signing.dumps({"t": token, "l": lang}, salt=FOLLOWUP_SALT),
            max_age=settings.FOLLOWUP_IDLE_SECONDS,
            path="/followup/",
            secure=settings.REPORTER_COOKIE_SECURE,
            httponly=True,
            samesite="Strict",
        )
    return response


def _followup_token(request: HttpRequest) -> str:
    raw = request.COOKIES.get(settings.FOLLOWUP_COOKIE_NAME, "")
    try:
        return str(signing.loads(raw, salt=FOLLOWUP_SALT)["t"])
    except (signing.BadSignature, KeyError, TypeError):
        return ""


def _followup_page(
    request: HttpRequest,
    report: Report | None,
    *,
    status: int = 200,
    receipt_form: ReceiptForm | None = None,
    text_form: FollowupTextForm | None = None,
    notice: str = "",
    preferred: str = "",
) -> HttpResponse:
    context: dict[str, Any] = {
        "action": "/followup/",
        "exit_path": "/followup/exit",
        "report": report,
        "receipt_form": receipt_form or ReceiptForm(),
        "text_form": text_form,
        "notice": notice,
        "answer_limit": settings.REPORT_ANSWER_MAX_CHARS,
    }
    if report is not None:
        context["status_key"], context["status_label"] = reporter_status(report=report)
        context["zone"] = report.placement.organization.zone
        context["messages_list"] = messages_for_reporter(report=report)
    return render_reporter(
        request,
        "reports/followup.html",
        context,
        status=status,
        switch_step="followup",
        preferred=preferred,
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def followup(request: HttpRequest) -> HttpResponse:
    report, lang = _followup_report(request)
    if request.method == "GET":
        if report is not None and request.GET.get("poll") != "1":
            # A request is activity; the page's own check for new replies (poll) is not,
            # so a phone left open on a table still closes on time.
            known = report
            retry_when_locked(lambda: report_touch_followup(report=known))
        if request.GET.get("poll") == "1" and report is None:
            # The follow-up ended (time ran out, quick exit elsewhere): the page clears itself.
            return JsonResponse({"open": False})
        if request.GET.get("poll") == "1" and report is not None:
            activate_for(request, None, preferred=lang)
            html = render_to_string(
                "reports/_messages.html",
                {
                    "messages_list": messages_for_reporter(report=report),
                    "zone": report.placement.organization.zone,
                },
            )
            return JsonResponse({"open": True, "count": report.messages.count(), "html": html})
        return _followup_page(request, report, preferred=supported(request.GET.get("lang")) or lang)
    action = request.POST.get("action", "")
    chosen = supported(request.POST.get("lang")) or lang
    token = _followup_token(request)
    if action == "lang":
        if report is not None:
            return _followup_redirect(request, token, chosen)
        return _followup_page(request, None)
    if action == "leave":
        if report is not None:
            known = report
            retry_when_locked(lambda: report_end_followup(report=known))
        return _followup_redirect(request, None, chosen)
    if action == "open":
        return _followup_open(request, chosen)
    if report is None:
        # The follow-up closed (time ran out, quick exit, "leave"): ask for the receipt again.
        return _followup_page(
            request, None, status=400, notice=_("Please type your receipt number again.")
        )
    known = report
    retry_when_locked(lambda: report_touch_followup(report=known))
    if action in {"message", "add"}:
        form = FollowupTextForm(request.POST)
        if not form.is_valid():
            return _followup_page(request, report, status=400, text_form=form)
        text = form.cleaned_data["text"]
        if action == "message":
            retry_when_locked(lambda: report_message_from_reporter(report=known, body=text))
        else:
            retry_when_locked(lambda: report_add_information(report=known, text=text))
        return _followup_redirect(request, token, chosen)
    return _followup_page(
        request,
        report,
        status=400,
        notice=_("Something went wrong with that page. Please try again."),
    )


def _followup_open(request: HttpRequest, lang: str) -> HttpResponse:
    form = ReceiptForm(request.POST)
    if not form.is_valid():
        return _followup_page(request, None, status=400, receipt_form=form)
    try:
        report = report_for_receipt(receipt=form.cleaned_data["receipt"])
    except Throttled:
        return _followup_page(
            request,
            None,
            status=429,
            notice=_("Too many tries. Please wait 15 minutes, then try again."),
        )
    if report is None:
        # Neutral on purpose: it says nothing about whether such a number ever existed.
        return _followup_page(
            request,
            None,
            notice=_("We found nothing for this number. Check it and try again."),
        )
    retry_when_locked(lambda: placement_count(placement=report.placement, counter="followups"))
    return _followup_redirect(request, report_open_followup(report=report), lang)
