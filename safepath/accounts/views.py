"""Staff sign-in steps: accept an invitation, then enrol or verify a second factor."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from safepath.accounts import services as accounts_services
from safepath.accounts.access import is_learner_only
from safepath.accounts.forms import AcceptInvitationForm, SecondFactorForm
from safepath.accounts.mfa import (
    has_confirmed_device,
    needs_second_factor,
    second_factor_verify,
    totp_confirm,
    totp_enrolment_device,
    totp_qr_svg,
    totp_secret_base32,
)
from safepath.accounts.models import Role, User
from safepath.accounts.passkeys import passkeys_of
from safepath.accounts.services import invitation_for_token
from safepath.core.audit import audit_record


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or "/dashboard/"
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()}):
        return candidate
    return "/dashboard/"


@require_http_methods(["GET", "POST"])
@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    if not has_confirmed_device(user):
        return HttpResponseRedirect(f"/accounts/two-factor/setup/?next={_next_url(request)}")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if second_factor_verify(request=request, user=user, token=form.cleaned_data["token"]):
            audit_record(actor=user, organization=None, action="account.second_factor")
            return HttpResponseRedirect(_next_url(request))
        form.add_error("token", _("That code did not work. Codes change every 30 seconds."))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "accounts/two_factor.html",
        {"form": form, "next": _next_url(request), "has_passkey": passkeys_of(user).exists()},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    if has_confirmed_device(user):
        return HttpResponseRedirect(f"/accounts/two-factor/?next={_next_url(request)}")
    device = totp_enrolment_device(user=user)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = totp_confirm(device=device, token=form.cleaned_data["token"])
        if codes is not None:
            otp_login(request, device)
            request.session.cycle_key()  # signed in fully now: a new session id (see mfa)
            audit_record(actor=user, organization=None, action="account.second_factor_enrolled")
            return render(
                request,
                "accounts/recovery_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        form.add_error("token", _("That code did not work. Check the time on your phone."))
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": totp_qr_svg(device),
            "secret": totp_secret_base32(device),
            "next": _next_url(request),
        },
        status=400 if request.method == "POST" else 200,
    )


def locked_out(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
    """What django-axes shows after too many failed sign-ins: a plain pause, no details."""
    return render(request, "accounts/locked.html", status=429)


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """An invitation link: choose a password (or confirm, if signed in), then the second step.

    The page is not cached and sends its address to no other site: the token is a password
    until used.
    """
    invitation = invitation_for_token(token)
    if invitation is None:
        response = render(request, "accounts/invitation_invalid.html", status=404)
    else:
        signed_in = request.user if request.user.is_authenticated else None
        existing = User.objects.filter(email=invitation.email).first()
        needs_sign_in = (
            signed_in is None and existing is not None and existing.has_usable_password()
        )
        form = AcceptInvitationForm(request.POST or None, email=invitation.email)
        error = ""
        if request.method == "POST" and not needs_sign_in and (signed_in or form.is_valid()):
            try:
                user = accounts_services.invitation_accept(
                    invitation=invitation,
                    user=cast(User, signed_in) if signed_in else None,
                    password=form.cleaned_data.get("password1", "") if not signed_in else "",
                )
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                if not signed_in:
                    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                target = "/training/" if is_learner_only(user) else "/dashboard/"
                if needs_second_factor(user) and not has_confirmed_device(user):
                    target = f"/accounts/two-factor/setup/?next={target}"
                return HttpResponseRedirect(target)
        response = render(
            request,
            "accounts/invitation.html",
            {
                "invitation": invitation,
                "form": form,
                "needs_sign_in": needs_sign_in,
                "signed_in": signed_in,
                "error": error,
                "role_label": Role(invitation.role).label,
            },
            status=400 if request.method == "POST" else 200,
        )
    # same-origin, not no-referrer: Chromium would send "Origin: null" and fail the CSRF check.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET"])
@login_required
def security(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own second factors: passkeys to add or remove."""
    user = cast(User, request.user)
    return render(
        request,
        "accounts/security.html",
        {
            "passkeys": passkeys_of(user),
            "has_authenticator_app": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        },
    )


@require_POST
@login_required
def passkey_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove one of one's own passkeys (someone else's is a 404)."""
    user = cast(User, request.user)
    passkey = get_object_or_404(passkeys_of(user), pk=pk)
    passkey.delete()
    audit_record(actor=user, organization=None, action="account.passkey_removed")
    messages.success(request, _("The passkey was removed."))
    return HttpResponseRedirect("/accounts/security/")
