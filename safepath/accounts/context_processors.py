"""Template context for staff pages: the roles the signed-in person holds."""

from __future__ import annotations

from django.http import HttpRequest

from safepath.accounts.access import memberships_for
from safepath.accounts.permissions import PERMISSIONS


def staff(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"staff_roles": frozenset(), "learner_only": False, "staff_can": frozenset()}
    roles = frozenset(memberships_for(user).values_list("role", flat=True))
    # Capabilities (from the permission table) held in at least one organization, for menus.
    can = frozenset(str(cap) for cap, holders in PERMISSIONS.items() if holders & roles)
    return {
        "staff_roles": roles,
        "learner_only": bool(roles) and roles <= {"learner"},
        "staff_can": can,
    }
