"""Writes on organizations and memberships."""

from __future__ import annotations

from django.db import transaction

from safepath.accounts.models import Membership, Organization, Role, User


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
