"""Writes on organizations and memberships."""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import secrets
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import available_timezones

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user

from safepath.accounts.models import Invitation, Membership, Organization, Role, Unit, User
from safepath.core.activity import record_one
from safepath.core.live import close_user_sockets

logger = logging.getLogger(__name__)


@transaction.atomic
def organization_create(*, slug: str, name: str, kind: str) -> Organization:
    organization = Organization(slug=slug, name=name, kind=kind)
    organization.full_clean()
    organization.save()
    return organization


@transaction.atomic
def membership_add(
    *, organization: Organization, user: User, role: str = Role.RESPONDER
) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        user=user, organization=organization, defaults={"role": role}
    )
    return membership


@transaction.atomic
def membership_set_hired_on(
    *, membership: Membership, hired_on: date | None, actor: User
) -> Membership:
    """Record (or clear) when a member was hired; training rules count "within N days of
    hire" from it. A date far in the past or future is a typo, not a hire date."""
    today = timezone.localdate()
    if hired_on is not None and not (date(1940, 1, 1) <= hired_on <= today + timedelta(days=366)):
        raise ValidationError(_("Please give a hire date between 1940 and one year from today."))
    before = membership.hired_on
    if before == hired_on:
        return membership
    membership.hired_on = hired_on
    membership.save(update_fields=["hired_on"])
    record_one(
        actor=actor,
        organization=membership.organization,
        action="accounts.hire_date_set",
        object_type="membership",
        object_ref=str(membership.pk),
        detail=f"{membership.user.email}: {before or '-'} -> {hired_on or '-'}",
    )
    return membership


@transaction.atomic
def organization_set_time_zone(
    *, organization: Organization, time_zone: str, actor: User
) -> Organization:
    """Set the zone every time is shown in to this organization's staff (an IANA name)."""
    if time_zone not in available_timezones():
        raise ValidationError(_("Choose a time zone from the list, like America/Chicago."))
    if organization.time_zone == time_zone:
        return organization
    before = organization.time_zone
    organization.time_zone = time_zone
    organization.save(update_fields=["time_zone"])
    record_one(
        actor=actor,
        organization=organization,
        action="organization.time_zone",
        object_type="organization",
        object_ref=organization.slug,
        detail=f"{before} -> {time_zone}",
    )
    return organization


# --- Invitations and members -------------------------------------------------------------

INVITATION_DAYS = 7
INVITABLE_ROLES = tuple(Role.values)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(token: str) -> str:
    return f"{settings.BASE_URL}/accounts/invitation/{token}/"


def invitation_send(*, invitation: Invitation, token: str) -> bool:
    """Email the link; True when the SMTP server took it. The link is never logged."""
    organization = invitation.organization
    subject = _("You are invited to %(organization)s on SafePath") % {
        "organization": organization.name
    }
    body = _(
        "%(inviter)s invited you to join %(organization)s on SafePath as %(role)s.\n\n"
        "Open this link to choose your password and set up your sign-in:\n%(url)s\n\n"
        "The link works once and expires on %(expires)s. If you did not expect it, ignore "
        "this message."
    ) % {
        "inviter": invitation.invited_by.email if invitation.invited_by else "SafePath",
        "organization": organization.name,
        "role": Role(invitation.role).label,
        "url": invitation_url(token),
        "expires": timezone.localtime(invitation.expires_at, organization.zone).strftime(
            "%Y-%m-%d %H:%M"
        ),
    }
    try:
        send_mail(subject, body, None, [invitation.email])
    except (OSError, smtplib.SMTPException):
        logger.warning("Invitation email to organization %s could not be sent", organization.pk)
        return False
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())
    return True


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            _("“%(email)s” is not an email address.") % {"email": email}
        ) from None
    return email


def _check_units(organization: Organization, units: Iterable[Unit]) -> list[Unit]:
    units = list(units)
    if any(unit.organization_id != organization.pk for unit in units):
        raise ValidationError(_("That unit belongs to another organization."))
    return units


def _check_invitable(*, organization: Organization, email: str, role: str) -> None:
    if role not in INVITABLE_ROLES:
        raise ValidationError(_("Please choose a role from the list."))
    if Membership.objects.filter(
        organization=organization, user__email=email, deactivated_at__isnull=True
    ).exists():
        raise ValidationError(_("%(email)s is already a member.") % {"email": email})


def invitation_create(
    *,
    organization: Organization,
    email: str,
    role: str,
    units: Iterable[Unit] = (),
    actor: User | None,
    send: bool = True,
) -> tuple[Invitation, str]:
    """Invite someone; return the invitation and its link token (shown once, then emailed).

    A pending invitation for the same address is revoked first: one live link per person.
    """
    email = _clean_email(email)
    _check_invitable(organization=organization, email=email, role=role)
    unit_list = _check_units(organization, units)
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        Invitation.objects.filter(
            organization=organization,
            email=email,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=timezone.now())
        invitation = Invitation.objects.create(
            organization=organization,
            email=email,
            role=role,
            token_hash=_token_hash(token),
            invited_by=actor,
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        )
        invitation.units.set(unit_list)
        record_one(
            actor=actor,
            organization=organization,
            action="accounts.invitation_created",
            object_type="invitation",
            object_ref=str(invitation.pk),
            detail=f"{email} as {role}",
        )
    if send:
        invitation_send(invitation=invitation, token=token)
    return invitation, token


def invitation_resend(*, invitation: Invitation, actor: User) -> str:
    """A fresh link and expiry for a pending invitation; the old link stops working."""
    if not invitation.pending:
        raise ValidationError(_("That invitation was already used or revoked."))
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _token_hash(token)
    invitation.expires_at = timezone.now() + timedelta(days=INVITATION_DAYS)
    invitation.save(update_fields=["token_hash", "expires_at"])
    record_one(
        actor=actor,
        organization=invitation.organization,
        action="accounts.invitation_resent",
        object_type="invitation",
        object_ref=str(invitation.pk),
        detail=invitation.email,
    )
    invitation_send(invitation=invitation, token=token)
    return token


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User) -> None:
    if not invitation.pending:
        return
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    record_one(
        actor=actor,
        organization=invitation.organization,
        action="accounts.invitation_revoked",
        object_type="invitation",
        object_ref=str(invitation.pk),
        detail=invitation.email,
    )


def invitation_for_token(token: str) -> Invitation | None:
    """The pending, unexpired invitation this link names, or None (used, revoked, expired)."""
    if not token or len(token) > 100:
        return None
    invitation = (
        Invitation.objects.select_related("organization")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if invitation is None or not invitation.pending or invitation.expires_at <= timezone.now():
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User | None, password: str = "") -> User:
    """Turn a pending invitation into a membership, once.

    ``user`` is the signed-in person accepting (an existing account with the invited
    address); without one, a new account is made with ``password`` (already validated).
    """
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not locked.pending or locked.expires_at <= timezone.now():
        raise ValidationError(_("This invitation link was already used, revoked or expired."))
    if user is None:
        user = User.objects.filter(email=locked.email).first()
        if user is not None and user.has_usable_password():
            raise ValidationError(_("Sign in first: an account with this address exists."))
        if user is None:
            user = User.objects.create_user(locked.email, password)
        else:
            user.set_password(password)
            user.is_active = True
            user.save()
    elif user.email.lower() != locked.email:
        raise ValidationError(_("This invitation is for another email address."))
    membership, _created = Membership.objects.update_or_create(
        user=user,
        organization=locked.organization,
        defaults={"role": locked.role, "deactivated_at": None},
    )
    membership.units.set(locked.units.all())
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    locked.accepted_at = timezone.now()
    locked.save(update_fields=["accepted_at"])
    record_one(
        actor=user,
        organization=locked.organization,
        action="accounts.invitation_accepted",
        object_type="membership",
        object_ref=str(membership.pk),
        detail=f"{user.email} as {locked.role}",
    )
    return user


@transaction.atomic
def membership_change(
    *, membership: Membership, role: str, units: Iterable[Unit], actor: User
) -> Membership:
    if role not in INVITABLE_ROLES:
        raise ValidationError(_("Please choose a role from the list."))
    unit_list = _check_units(membership.organization, units)
    if (
        membership.role == Role.ADMIN
        and role != Role.ADMIN
        and not _other_admins(membership).exists()
    ):
        raise ValidationError(_("An organization needs at least one administrator."))
    before = f"{membership.role} {sorted(u.slug for u in membership.units.all())}"
    membership.role = role
    membership.save(update_fields=["role"])
    membership.units.set(unit_list)
    record_one(
        actor=actor,
        organization=membership.organization,
        action="accounts.membership_changed",
        object_type="membership",
        object_ref=str(membership.pk),
        detail=f"{membership.user.email}: {before} -> {role} {sorted(u.slug for u in unit_list)}",
    )
    return membership


def _other_admins(membership: Membership) -> QuerySet[Membership]:
    return Membership.objects.filter(
        organization=membership.organization, role=Role.ADMIN, deactivated_at__isnull=True
    ).exclude(pk=membership.pk)


def _end_sessions(user: User) -> int:
    """Delete every server-side session of ``user`` (database sessions)."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get(SESSION_KEY)) == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def membership_deactivate(*, membership: Membership, actor: User) -> Membership:
    """Someone left: their access to this organization ends now; their history stays.

    The membership row is kept (training records and the audit log name it). When no active
    membership remains, the account is deactivated: its sessions are deleted, its API tokens
    stop working (tokens of inactive users are refused) and its live sockets are closed.
    """
    if membership.deactivated_at is not None:
        return membership
    if membership.role == Role.ADMIN and not _other_admins(membership).exists():
        raise ValidationError(_("An organization needs at least one administrator."))
    membership.deactivated_at = timezone.now()
    membership.save(update_fields=["deactivated_at"])
    user = membership.user
    remaining = Membership.objects.filter(user=user, deactivated_at__isnull=True).exists()
    ended = 0
    if not remaining:
        user.is_active = False
        user.save(update_fields=["is_active"])
        ended = _end_sessions(user)
    user_id = user.pk
    transaction.on_commit(lambda: close_user_sockets(user_id))
    record_one(
        actor=actor,
        organization=membership.organization,
        action="accounts.membership_deactivated",
        object_type="membership",
        object_ref=str(membership.pk),
        detail=f"{user.email}; sessions ended: {ended}",
    )
    return membership


@transaction.atomic
def second_factor_reset(*, membership: Membership, actor: User) -> None:
    """An administrator clears a member's lost second factor; they enrol again at sign-in."""
    user = membership.user
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    _end_sessions(user)
    record_one(
        actor=actor,
        organization=membership.organization,
        action="accounts.second_factor_reset",
        object_type="membership",
        object_ref=str(membership.pk),
        detail=user.email,
    )


# --- CSV import of members ---------------------------------------------------------------

CSV_COLUMNS = ("email", "role", "units")
CSV_MAX_ROWS = 2000


@dataclass
class ImportResult:
    invitations: list[Invitation]
    errors: list[str]


def members_import_csv(*, organization: Organization, data: bytes, actor: User) -> ImportResult:
    """Invite every row of a CSV (email, role, units separated by ';'), or nobody.

    The whole file is checked first; one bad row refuses the file with every error listed.
    """
    errors: list[str] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ImportResult([], [_("Save the file as UTF-8 CSV and try again.")])
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    if "email" not in header or "role" not in header:
        return ImportResult([], [_("The first line must name the columns: email,role,units")])
    units_by_slug = {unit.slug: unit for unit in organization.units.all()}
    units_by_name = {unit.name.lower(): unit for unit in organization.units.all()}
    roles_by_name = {str(label).lower(): value for value, label in Role.choices}
    rows: list[tuple[str, str, list[Unit]]] = []
    seen: set[str] = set()
    for number, raw in enumerate(reader, start=2):
        if number - 1 > CSV_MAX_ROWS:
            errors.append(_("A file can hold at most %(n)d people.") % {"n": CSV_MAX_ROWS})
            break
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        if not any(row.values()):
            continue
        email = row.get("email", "").lower()
        role = row.get("role", "").lower()
        role = role if role in Role.values else roles_by_name.get(role, role)
        try:
            email = _clean_email(email)
            if email in seen:
                raise ValidationError(_("%(email)s appears twice.") % {"email": email})
            seen.add(email)
            _check_invitable(organization=organization, email=email, role=role)
            units = []
            for name in filter(None, (p.strip() for p in row.get("units", "").split(";"))):
                unit = units_by_slug.get(name) or units_by_name.get(name.lower())
                if unit is None:
                    raise ValidationError(_("There is no unit “%(unit)s”.") % {"unit": name})
                units.append(unit)
        except ValidationError as error:
            errors.append(
                _("Line %(line)d: %(error)s") % {"line": number, "error": " ".join(error.messages)}
            )
            continue
        rows.append((email, role, units))
    if not rows and not errors:
        errors.append(_("The file names nobody."))
    if errors:
        return ImportResult([], errors)
    created: list[tuple[Invitation, str]] = []
    with transaction.atomic():
        for email, role, units in rows:
            created.append(
                invitation_create(
                    organization=organization,
                    email=email,
                    role=role,
                    units=units,
                    actor=actor,
                    send=False,
                )
            )
    for invitation, token in created:
        invitation_send(invitation=invitation, token=token)
    return ImportResult([invitation for invitation, _token in created], [])
