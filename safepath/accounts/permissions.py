"""The one permission table: which roles hold which capability.

Views, selectors, the API, the WebSocket consumer, notifications and the role-matrix test all
read roles from here, never from a set written next to the code that uses it. A capability
names what a person may do; a new role or a changed rule is one line in ``PERMISSIONS``.
"""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from safepath.accounts.access import organizations_for
from safepath.accounts.models import Organization, Role, User


class Capability(StrEnum):
    # Read what reporters wrote (report pages, timelines, photos, case contents, live events,
    # notifications that link to a report). Holders must pass a second factor.
    REPORT_READ = "report.read"
    # Act on a report: acknowledge, assign, change status, write, share, link.
    REPORT_ACT = "report.act"
    # Know how many reports there are (counts, aggregates), without their contents.
    REPORT_COUNT = "report.count"
    # Manage cases and shares (supervise the organization's work).
    MANAGE = "organization.manage"
    # Configure routing (policies, webhooks, areas) and receive delivery-failure notices.
    ROUTING_MANAGE = "routing.manage"
    # Create, edit, retire and import placements.
    PLACEMENT_MANAGE = "placement.manage"
    # See placements (codes, exact places, internal notes) and confirm a poster is up.
    PLACEMENT_VIEW = "placement.view"
    # Read the organization's audit log.
    AUDIT_READ = "audit.read"
    # Manage training (courses, assignments).
    TRAINING_MANAGE = "training.manage"
    # See the organization's training records and compliance.
    TRAINING_VIEW = "training.view"
    # Invite, change, deactivate members and reset their second factor.
    MEMBERS_MANAGE = "members.manage"
    # Read the organization's analytics (aggregates only, never a report's contents).
    ANALYTICS_VIEW = "analytics.view"
    # Choose the weekly analytics digest and share aggregates with a regional organization.
    ANALYTICS_MANAGE = "analytics.manage"


_CONTENT = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.RESPONDER})

PERMISSIONS: dict[Capability, frozenset[str]] = {
    Capability.REPORT_READ: _CONTENT,
    Capability.REPORT_ACT: _CONTENT,
    Capability.REPORT_COUNT: frozenset({*_CONTENT, Role.ANALYST}),
    Capability.MANAGE: frozenset({Role.ADMIN, Role.SUPERVISOR}),
    Capability.ROUTING_MANAGE: frozenset({Role.ADMIN}),
    Capability.PLACEMENT_MANAGE: frozenset({Role.ADMIN, Role.SUPERVISOR}),
    Capability.PLACEMENT_VIEW: _CONTENT,
    Capability.AUDIT_READ: frozenset({Role.ADMIN, Role.AUDITOR}),
    Capability.TRAINING_MANAGE: frozenset({Role.ADMIN}),
    Capability.TRAINING_VIEW: frozenset({Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR}),
    Capability.MEMBERS_MANAGE: frozenset({Role.ADMIN}),
    Capability.ANALYTICS_VIEW: frozenset({Role.ADMIN, Role.SUPERVISOR, Role.ANALYST}),
    Capability.ANALYTICS_MANAGE: frozenset({Role.ADMIN}),
}
# Role.LEARNER holds no capability: learners take their own training and see nothing else
# (accounts.middleware.LearnerScopeMiddleware answers 404 to every other staff page).


def roles_with(capability: Capability) -> frozenset[str]:
    """The roles that hold ``capability``."""
    return PERMISSIONS[capability]


def role_can(role: str, capability: Capability) -> bool:
    return role in PERMISSIONS[capability]


def organizations_with(
    user: User | AnonymousUser, capability: Capability
) -> QuerySet[Organization]:
    """The organizations in which ``user`` holds ``capability``."""
    return organizations_for(user, roles=PERMISSIONS[capability])


def user_can(user: User | AnonymousUser, capability: Capability) -> bool:
    """Whether ``user`` holds ``capability`` in at least one organization."""
    return organizations_with(user, capability).exists()
