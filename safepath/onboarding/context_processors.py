"""The checklist's banner on the administrator's first screen, until every step is done."""

from __future__ import annotations

from django.http import HttpRequest

from safepath.accounts.permissions import Capability, organizations_with
from safepath.onboarding.checklist import checklist


def onboarding(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or request.path != "/dashboard/":
        return {}
    for organization in organizations_with(user, Capability.MEMBERS_MANAGE):
        steps = checklist(organization)
        done = sum(step.done for step in steps)
        if done < len(steps):
            return {
                "onboarding_banner": {
                    "organization": organization,
                    "done": done,
                    "total": len(steps),
                    "next": next(step for step in steps if not step.done),
                }
            }
    return {}
