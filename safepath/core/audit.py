"""Reading the audit log, and ``audit_record`` (one entry through the activity record)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone

from safepath.core.activity import Action, record_one
from safepath.core.models import AuditEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from safepath.accounts.models import User


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    organization: Any,
    action: Action | str,
    object_type: str = "",
    object_ref: str = "",
    detail: str = "",
) -> AuditEntry:
    """Append one entry: who did ``action`` to which object, for which organization.

    Kept for callers that write one entry; new code calls ``safepath.core.activity.record``.
    """
    return record_one(
        actor=actor,
        organization=organization,
        action=action,
        object_type=object_type,
        object_ref=object_ref,
        detail=detail,
    )


def audit_entries_for_organizations(*, organization_ids: list[int]) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(organization_id__in=organization_ids).select_related(
        "organization"
    )


def audit_recent(*, actor: Any, action: str, object_ref: str, within: timedelta) -> bool:
    """Whether ``actor`` has an entry for ``action`` on ``object_ref`` in the last ``within``."""
    return AuditEntry.objects.filter(
        actor=actor, action=action, object_ref=object_ref, at__gte=timezone.now() - within
    ).exists()
