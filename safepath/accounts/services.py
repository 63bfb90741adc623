"""Writes on organizations and memberships."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safepath.accounts.models import Membership, Organization, Role, User
from safepath.core.activity import record_one
from safepath.core.audit import audit_record


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
    audit_record(
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
