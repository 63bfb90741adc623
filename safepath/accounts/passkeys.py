"""Passkeys (WebAuthn, through django-otp-webauthn) as a second factor beside TOTP.

A passkey is a django-otp device like the authenticator app: passing it marks the session
verified (``request.user.is_verified()``), so the staff-session middleware, WebSocket checks
and every page that relies on django-otp need nothing new. Passwordless sign-in is off
(``OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False``): a passkey is only ever the second step
after the password.

The library's JSON views are wrapped here so that a session that passes the second factor
this way gets a new id (as with a code, see ``mfa.second_factor_verify``), the step is
audited, and nothing but a clear 4xx answers bad input.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import exceptions
from django_otp_webauthn.models import WebAuthnCredential
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from safepath.accounts.models import User
from safepath.core.audit import audit_record


def passkeys_of(user: User) -> QuerySet[WebAuthnCredential]:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at")


class _PlainErrors:
    """Anything the library does not turn into an API error is still bad input: a 400."""

    def handle_exception(self, exc: Exception) -> HttpResponse:
        if isinstance(exc, exceptions.OTPWebAuthnApiError):
            return JsonResponse({"detail": str(exc), "code": exc.code}, status=exc.status_code)
        if isinstance(exc, (ValueError, KeyError, TypeError)):
            return JsonResponse(
                {"detail": _("That passkey answer could not be read."), "code": "malformed"},
                status=400,
            )
        raise exc


class PasskeyRegistrationBegin(_PlainErrors, BeginCredentialRegistrationView):
    pass


class PasskeyRegistrationComplete(_PlainErrors, CompleteCredentialRegistrationView):
    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        request = cast(HttpRequest, self.request)
        was_verified = request.user.is_verified()  # type: ignore[union-attr]
        response = cast(HttpResponse, super().post(*args, **kwargs))
        user = cast(User, request.user)
        if not was_verified:
            # A first passkey registered during enrolment signs the session in fully.
            request.session.cycle_key()
        audit_record(actor=user, organization=None, action="account.passkey_added")
        return response


class PasskeyAuthenticationBegin(_PlainErrors, BeginCredentialAuthenticationView):
    pass


class PasskeyAuthenticationComplete(_PlainErrors, CompleteCredentialAuthenticationView):
    def complete_auth(self, device: Any) -> None:
        request = cast(HttpRequest, self.request)
        if not request.user.is_authenticated:  # passwordless sign-in is not offered
            raise exceptions.NotAuthenticated()
        super().complete_auth(device)
        request.session.cycle_key()  # signed in fully now: a new session id (see mfa)
        audit_record(
            actor=cast(User, request.user), organization=None, action="account.second_factor"
        )


# Included under /accounts/two-factor/passkey/ with the namespace the library's template
# tags reverse ("otp_webauthn"); reachable before the second factor like the rest of
# /accounts/two-factor/.
app_name = "otp_webauthn"

urlpatterns = [
    path(
        "registration/begin/",
        PasskeyRegistrationBegin.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        PasskeyRegistrationComplete.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        PasskeyAuthenticationBegin.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        PasskeyAuthenticationComplete.as_view(),
        name="credential-authentication-complete",
    ),
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
