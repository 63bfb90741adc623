"""Strict headers for the reporter's side.

A person reporting may be watched, may share a phone and may be on a hostile network. Their
pages must not be cached, indexed, referred from, framed or allowed to load anything from
elsewhere. The policy is set here, by path, so that it also covers error pages.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

REPORTER_CSP = "; ".join(
    [
        "default-src 'none'",
        "style-src 'unsafe-inline'",  # the reporter's page carries its CSS inline: one round trip
        "img-src data:",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        # The quick-exit link leaves for the neutral site; navigation is not governed by CSP.
    ]
)
REPORTER_PERMISSIONS = ", ".join(
    f"{feature}=()"
    for feature in (
        "camera",
        "microphone",
        "geolocation",
        "payment",
        "usb",
        "interest-cohort",
        "browsing-topics",
        "accelerometer",
        "gyroscope",
        "magnetometer",
    )
)

STAFF_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)


def is_reporter_path(path: str) -> bool:
    return path == "/" or path.startswith(settings.REPORTER_PATH_PREFIXES)


class ReporterPrivacyMiddleware:
    """Apply the reporter-side header policy, or a strict staff policy everywhere else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_reporter_path(request.path):
            response["Cache-Control"] = "no-store"
            response["Referrer-Policy"] = "no-referrer"
            response["X-Robots-Tag"] = "noindex, nofollow, noarchive"
            # A reporter view may add what its page needs (its inline script's hash).
            extra = getattr(response, "csp_extra", ())
            response["Content-Security-Policy"] = "; ".join([REPORTER_CSP, *extra])
            response["Permissions-Policy"] = REPORTER_PERMISSIONS
            response["Cross-Origin-Opener-Policy"] = "same-origin"
            response["X-Content-Type-Options"] = "nosniff"
        elif not request.path.startswith(settings.STATIC_URL):
            response.setdefault("Content-Security-Policy", STAFF_CSP)
            response.setdefault("Cache-Control", "private, no-cache")
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response


class FormEncodingMiddleware:
    """Refuse a form body that says it is not UTF-8, before anything reads it.

    Django refuses such a body itself (400), but with DEBUG on its error page reads the
    body again and fails with a 500. Browsers always send UTF-8; anything else is a client
    to correct, told so plainly.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.content_type == "application/x-www-form-urlencoded":
            charset = (request.content_params or {}).get("charset", "utf-8").strip().lower()
            if charset.replace("_", "-") not in {"utf-8", "utf8"}:
                return HttpResponse(
                    _("Forms must be sent as UTF-8."),
                    status=400,
                    content_type="text/plain; charset=utf-8",
                )
        return self.get_response(request)
