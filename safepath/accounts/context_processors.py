"""Template context for staff pages: the roles the signed-in person holds."""

from __future__ import annotations

from django.http import HttpRequest

from safepath.accounts.access import memberships_for


def staff(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"staff_roles": frozenset(), "learner_only": False}
    roles = frozenset(memberships_for(user).values_list("role", flat=True))
    return {"staff_roles": roles, "learner_only": bool(roles) and roles <= {"learner"}}
