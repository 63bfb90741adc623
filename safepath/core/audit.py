"""Writing and reading the audit log."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone

from safepath.accounts.models import Organization, User
from safepath.core.models import AuditEntry


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    organization: Organization | None,
    action: str,
    object_type: str = "",
    object_ref: str = "",
    detail: str = "",
) -> AuditEntry:
    """Append one entry: who did ``action`` to which object, for which organization."""
    user = actor if isinstance(actor, User) else None
    return AuditEntry.objects.create(
        organization=organization,
        actor=user,
        actor_email=user.email if user else "",
        action=action,
        object_type=object_type,
        object_ref=object_ref,
        detail=detail[:500],
    )


def audit_entries_for_organizations(*, organization_ids: list[int]) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(organization_id__in=organization_ids).select_related(
        "organization"
    )


def audit_recent(*, actor: User, action: str, object_ref: str, within: timedelta) -> bool:
    """Whether ``actor`` has an entry for ``action`` on ``object_ref`` in the last ``within``."""
    return AuditEntry.objects.filter(
        actor=actor, action=action, object_ref=object_ref, at__gte=timezone.now() - within
    ).exists()
