"""Error pages of the reporter's side: every one keeps the reporter's design, the quick exit
and the hotlines, in the reporter's language (400, 404, 413, 500).

Django calls ``handler400``/``handler404``/``handler500`` (set in ``safepath.urls``); the
ASGI body limit calls ``too_large_page`` for a body refused before Django reads it. Staff
paths keep Django's plain error pages.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import defaults

from safepath.core.middleware import REPORTER_CSP, REPORTER_PERMISSIONS, is_reporter_path
from safepath.reports.languages import activate_for, choose_language
from safepath.reports.pages import CSP_EXTRA, REPORTER_JS, render_reporter

logger = logging.getLogger(__name__)


def _texts(status: int) -> tuple[str, str]:
    if status == 413:
        return _("This is too large to send"), _(
            "Photos must be smaller. Please try a smaller photo, or send your words without it."
        )
    if status == 404:
        return _("This page does not exist"), _("But help is still here.")
    if status >= 500:
        return _("Something went wrong on our side"), _(
            "What you saved before is kept. Please try again in a moment."
        )
    return _("Something went wrong with that page. Please try again."), ""


def _back(path: str) -> str:
    parts = path.split("/")
    if path.startswith(("/Q/", "/q/")) and len(parts) > 2 and parts[2]:
        return f"/Q/{parts[2].upper()}"
    return "/followup/" if path.startswith("/followup/") else "/help/"


def reporter_error(request: HttpRequest, status: int) -> HttpResponse:
    activate_for(request)
    heading, message = _texts(status)
    return render_reporter(
        request,
        "reports/error.html",
        {"heading": heading, "message": message, "back": _back(request.path), "action": "/help/"},
        status=status,
        switch_method="get",
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_reporter_path(request.path):
        return reporter_error(request, 400)
    return defaults.bad_request(request, exception)  # type: ignore[arg-type]


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_reporter_path(request.path):
        return reporter_error(request, 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_reporter_path(request.path):
        try:
            return reporter_error(request, 500)
        except Exception:  # the error page itself must never fail: Django's plain one
            logger.exception("The reporter's error page failed")
    return defaults.server_error(request)


def too_large_page(path: str, headers: list[tuple[bytes, bytes]]) -> tuple[bytes, list[Any]]:
    """The 413 page for a body refused before Django read it, with the reporter's headers
    (the middleware never sees this response)."""
    from django.test import RequestFactory

    accept = next((v for k, v in headers if k == b"accept-language"), b"").decode("latin-1")
    request = RequestFactory().get(path, HTTP_ACCEPT_LANGUAGE=accept[:200])
    language = choose_language(request)
    with translation.override(language):
        body = render_to_string(
            "reports/error.html",
            {
                **_error_context(413, path),
                "lang": language,
                "hide_switcher": True,
                "reporter_js": REPORTER_JS,
            },
            request=request,
        ).encode()
    return body, [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"cache-control", b"no-store"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-robots-tag", b"noindex, nofollow, noarchive"),
        (b"content-security-policy", "; ".join([REPORTER_CSP, *CSP_EXTRA]).encode()),
        (b"permissions-policy", REPORTER_PERMISSIONS.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"content-language", language.encode()),
        (b"content-length", str(len(body)).encode()),
    ]


def _error_context(status: int, path: str) -> dict[str, Any]:
    heading, message = _texts(status)
    return {"heading": heading, "message": message, "back": _back(path)}
