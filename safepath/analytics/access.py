"""Who may open analytics, and which organizations' aggregates they see.

Analytics shows counts, never report contents: administrators, supervisors and analysts of an
organization see its figures. Responders work reports and auditors read the audit log; neither
needs the organization's figures.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from safepath.accounts.access import organizations_for
from safepath.accounts.models import Organization, Role, User

# Until the permission table lands in accounts, the one place this capability's roles live.
ANALYTICS_ROLES = (Role.ADMIN, Role.SUPERVISOR, Role.ANALYST)


def analytics_organizations(user: User | AnonymousUser) -> QuerySet[Organization]:
    return organizations_for(user, roles=ANALYTICS_ROLES).order_by("name")


def organization_for_analytics(user: User | AnonymousUser, slug: str | None) -> Organization:
    """The organization whose figures to show: the one named, or the member's first.

    Another organization's slug is a 404, like a missing one. A member in no analytics role
    is refused (403): the page exists, it is not theirs to read.
    """
    allowed = analytics_organizations(user)
    if slug:
        found = allowed.filter(slug=slug).first()
        if found is None:
            raise Http404
        return found
    first = allowed.first()
    if first is None:
        raise PermissionDenied(_("Analytics are for administrators, supervisors and analysts."))
    return first
