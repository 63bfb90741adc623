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

from safepath.accounts.models import Organization, User
from safepath.accounts.permissions import Capability, organizations_with


def analytics_organizations(user: User | AnonymousUser) -> QuerySet[Organization]:
    """Roles come from the permission table (``Capability.ANALYTICS_VIEW``)."""
    return organizations_with(user, Capability.ANALYTICS_VIEW).order_by("name")


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
