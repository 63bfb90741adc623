"""Staff session rules: a second factor before anything else, and an idle timeout."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

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
