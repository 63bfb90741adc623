"""Tenancy checks. Every staff query on an organization's data starts from these.

Another organization's object must look exactly like a missing one: views call helpers that
raise Http404 for both, never 403.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from safepath.accounts.models import Membership, Organization, User


def memberships_for(user: User | AnonymousUser) -> QuerySet[Membership]:
    if not user.is_authenticated or not user.is_active:
        return Membership.objects.none()
    return Membership.objects.filter(user_id=user.pk).select_related("organization")


def organizations_for(user: User | AnonymousUser) -> QuerySet[Organization]:
    """The organizations whose data this user may see."""
    if not user.is_authenticated or not user.is_active:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user_id=user.pk)


def organization_ids_for(user: User | AnonymousUser) -> list[int]:
    return list(organizations_for(user).values_list("pk", flat=True))
