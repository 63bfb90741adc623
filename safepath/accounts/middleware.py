"""Staff session rules: a second factor before anything else, an idle timeout, no caching."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.cache import patch_cache_control

from safepath.accounts.access import is_learner_only
from safepath.accounts.mfa import needs_second_factor
from safepath.accounts.models import Membership

# Paths a signed-in person may reach before the second factor: sign-in itself and public pages.
OPEN_PREFIXES = (
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/two-factor/",
    "/accounts/invitation/",
    "/accounts/password_reset/",
    "/accounts/reset/",
    "/static/",
    "/healthz",
    "/verify/",
)

IDLE_KEY = "safepath_last_seen"
# Requests a staff page makes by itself (live catch-up after a reconnect, polling, count
# refreshes after an event) carry this header: they are not a person at the keyboard, so
# they never extend the idle timer. They are still refused once the session has idled out.
BACKGROUND_HEADER = "X-SafePath-Background"


def staff_time_zone(user: Any) -> ZoneInfo:
    """The zone a staff member sees times in: their (first) organization's."""
    membership = (
        Membership.objects.filter(user=user, organization__isnull=False)
        .select_related("organization")
        .order_by("pk")
        .first()
    )
    return membership.organization.zone if membership else ZoneInfo("UTC")


def _background(request: HttpRequest) -> bool:
    # Only ever shortens a session: a page that claims to be idle is taken at its word.
    return request.headers.get(BACKGROUND_HEADER) == "1"


def _open_path(path: str) -> bool:
    from safepath.core.middleware import is_reporter_path

    return path.startswith(OPEN_PREFIXES) or is_reporter_path(path)


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(IDLE_KEY)
            if isinstance(last_seen, int) and now - last_seen > settings.SESSION_IDLE_SECONDS:
                logout(request)
                return HttpResponseRedirect(
                    f"{settings.LOGIN_URL}?idle=1&next={quote(request.get_full_path())}"
                )
            if not isinstance(last_seen, int) or not _background(request):
                request.session[IDLE_KEY] = now
            verified = getattr(user, "is_verified", lambda: False)()
            if not verified and not _open_path(request.path) and needs_second_factor(user):
                return HttpResponseRedirect(
                    f"/accounts/two-factor/?next={quote(request.get_full_path())}"
                )
        if user.is_authenticated:
            # Times on the staff side are the organization's, not the server's (UTC).
            timezone.activate(staff_time_zone(user))
        try:
            response = self.get_response(request)
        finally:
            timezone.deactivate()
        if user.is_authenticated or request.path.startswith("/api/"):
            # Whatever a signed-in person sees may carry report contents (pages, live
            # fragments, PDFs, documents, CSV, the API): no browser or proxy keeps a copy.
            patch_cache_control(response, no_store=True, private=True)
        return response


# Where a learner (staff who only take training) may go; anything else is a 404 to them.
LEARNER_PREFIXES = (
    "/training/",
    "/accounts/security/",
    "/accounts/login/",
    "/accounts/logout/",
    "/accounts/two-factor/",
    "/accounts/invitation/",
    "/accounts/password_reset/",
    "/accounts/reset/",
    "/static/",
    "/healthz",
    "/verify/",
)


class LearnerScopeMiddleware:
    """Learners see their courses and certificates and nothing else.

    Sign-in lands on /dashboard/, so that one address sends a learner to their training;
    every other staff page answers 404, as if it did not exist.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from safepath.core.middleware import is_reporter_path

        path = request.path
        if (
            request.user.is_authenticated
            and not path.startswith(LEARNER_PREFIXES)
            and not is_reporter_path(path)
            and is_learner_only(request.user)
        ):
            if path == "/dashboard/":
                return HttpResponseRedirect("/training/")
            raise Http404
        return self.get_response(request)
