"""Tenancy checks. Every staff query on an organization's data starts from these.

Another organization's object must look exactly like a missing one: views call helpers that
raise Http404 for both, never 403.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from safepath.accounts.models import Membership, Organization, Role, User


def memberships_for(user: User | AnonymousUser) -> QuerySet[Membership]:
    if not user.is_authenticated or not user.is_active:
        return Membership.objects.none()
    return Membership.objects.filter(
        user_id=user.pk, deactivated_at__isnull=True, organization__suspended_at__isnull=True
    ).select_related("organization")


def organizations_for(
    user: User | AnonymousUser, *, roles: Iterable[str] | None = None
) -> QuerySet[Organization]:
    """The organizations whose data this user may see (in one of ``roles``, if given)."""
    if not user.is_authenticated or not user.is_active:
        return Organization.objects.none()
    memberships = Membership.objects.filter(
        user_id=user.pk, deactivated_at__isnull=True, organization__suspended_at__isnull=True
    )
    if roles is not None:
        memberships = memberships.filter(role__in=list(roles))
    return Organization.objects.filter(pk__in=memberships.values("organization_id"))


def organization_ids_for(user: User | AnonymousUser) -> list[int]:
    return list(organizations_for(user).values_list("pk", flat=True))


def is_learner_only(user: User | AnonymousUser) -> bool:
    """Whether every active membership of this user is a learner's: training and nothing else."""
    roles = set(memberships_for(user).values_list("role", flat=True))
    return bool(roles) and roles <= {Role.LEARNER}


def unit_scope(user: User | AnonymousUser) -> dict[int, set[int]]:
    """Need-to-know: for each organization where this member is limited to units, those units.

    Organizations absent from the result are seen whole (administrators, and members in no
    unit).
    """
    scope: dict[int, set[int]] = {}
    for membership in memberships_for(user).exclude(role=Role.ADMIN).prefetch_related("units"):
        unit_ids = {unit.pk for unit in membership.units.all()}
        if unit_ids:
            scope[membership.organization_id] = unit_ids
    return scope
