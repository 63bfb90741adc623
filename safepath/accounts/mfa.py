"""Second factor (TOTP through django-otp, with single-use recovery codes).

Every member whose role can read report contents must pass a second factor after the
password: a code from an authenticator app, or one of ten recovery codes.
"""

from __future__ import annotations

import base64

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from safepath.accounts.models import Membership, User
from safepath.accounts.permissions import Capability, roles_with

# Roles that can read what reporters wrote (analysts see aggregates, auditors the audit log).
SECOND_FACTOR_ROLES = roles_with(Capability.REPORT_READ)
RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def needs_second_factor(user: User | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(user_id=user.pk, role__in=SECOND_FACTOR_ROLES).exists()


def has_confirmed_device(user: User) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def totp_secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def totp_enrolment_device(*, user: User) -> TOTPDevice:
    """The user's unconfirmed authenticator device, created on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_qr_svg(device: TOTPDevice) -> str:
    import segno  # imported when used: a server holds it only then

    return str(segno.make(device.config_url, error="m").svg_inline(scale=4))


@transaction.atomic
def totp_confirm(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm enrolment with a first code; return fresh recovery codes, or None if wrong."""
    if not device.verify_token(token):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_regenerate(user=device.user)


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    static, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    static.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


def second_factor_verify(*, request: HttpRequest, user: User, token: str) -> bool:
    """Check a TOTP or recovery code against the user's devices; on success, mark the session."""
    token = token.strip().replace(" ", "")
    if not token or len(token) > 32:
        return False
    for device in devices_for_user(user, confirmed=True):
        if device.verify_token(token):
            otp_login(request, device)
            # A session id seen after the password step (shoulder, proxy log, a shared
            # machine) must not become a fully signed-in one: give the session a new id.
            request.session.cycle_key()
            return True
    return False


def session_passed_second_factor(user: User, session: dict[str, object] | None) -> bool:
    """Whether a session (HTTP or WebSocket scope) has passed the second factor for ``user``."""
    if session is None:
        return False
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    if not isinstance(persistent_id, str):
        return False
    device = Device.from_persistent_id(persistent_id)
    return device is not None and device.user_id == user.pk and device.confirmed


def totp_code_for_secret(secret_base32: str, *, at: float | None = None) -> str:
    """The 6-digit code for a base32 secret now (or at ``at``): for demo scripts and tests."""
    key = base64.b32decode(secret_base32 + "=" * (-len(secret_base32) % 8))
    generator = TOTP(key)
    if at is not None:
        generator.time = at
    return f"{generator.token():06d}"
