"""Staff session rules: a second factor before anything else, and an idle timeout."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import logout
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect

from safepath.accounts.access import is_learner_only
from safepath.accounts.mfa import needs_second_factor

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
            request.session[IDLE_KEY] = now
            verified = getattr(user, "is_verified", lambda: False)()
            if not verified and not _open_path(request.path) and needs_second_factor(user):
                return HttpResponseRedirect(
                    f"/accounts/two-factor/?next={quote(request.get_full_path())}"
                )
        return self.get_response(request)


# Where a learner (staff who only take training) may go; anything else is a 404 to them.
LEARNER_PREFIXES = (
    "/training/",
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
