"""The activity record: one function every meaningful write (and every read of a report) calls.

``record`` appends one audit entry for each organization whose log must show what happened
(the actor's organization and, for a report, every organization that owns it), and tells the
dashboards of the given audience once the transaction commits. The audit log, live events
and notifications therefore come from one call and cannot disagree about who was told. It is
the shape of pretix's ``log_action`` and zulip's audit log plus ``send_event``.

Actions are typed constants (``Action``); their values are the strings stored in the audit
log, so existing entries keep their meaning.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from safepath.core.live import publish_to_organizations
from safepath.core.models import AuditEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from safepath.accounts.models import User


class Action(StrEnum):
    # Reads of report contents (the owning organization's log always shows them).
    REPORT_VIEW = "report.view"
    REPORT_PHOTO_VIEW = "report.photo_view"
    REPORT_EXPORTED = "report.exported"  # a report's contents in a PDF or CSV
    REPORTS_EXPORT_CSV = "reports.export_csv"
    # A report's life.
    REPORT_ROUTED = "report.routed"
    REPORT_REROUTED = "report.rerouted"
    REPORT_ESCALATED = "report.escalated"
    REPORT_ACKNOWLEDGED = "report.acknowledged"
    REPORT_STATUS = "report.status"
    REPORT_ASSIGNED = "report.assigned"
    REPORT_NOTE = "report.note"
    REPORT_SHARED = "report.shared"
    REPORT_SHARED_IN = "report.shared_in"
    REPORT_SHARE_REVOKED = "report.share_revoked"
    REPORT_LINKED = "report.linked"
    REPORT_MESSAGE = "report.message"
    SHARE_REVOKED = "share.revoked"
    # Cases.
    CASE_CREATED = "case.created"
    CASE_VIEW = "case.view"
    CASE_LINKED = "case.linked"
    CASE_ENTRY_ADDED = "case.entry_added"
    CASE_OBSERVATION = "case.observation"
    CASE_NOTE = "case.note"
    CASE_DOCUMENT = "case.document"
    CASE_DOCUMENT_VIEW = "case.document_view"
    CASE_EXPORT_PDF = "case.export_pdf"
    CASE_SHARED = "case.shared"
    CASE_SHARED_IN = "case.shared_in"
    CASE_SHARE_REVOKED = "case.share_revoked"
    # Accounts, placements, training, API.
    ACCOUNT_SECOND_FACTOR = "account.second_factor"
    ACCOUNT_SECOND_FACTOR_ENROLLED = "account.second_factor_enrolled"
    MEMBERSHIP_CHANGED = "accounts.membership_changed"
    HIRE_DATE_SET = "accounts.hire_date_set"
    PLACEMENT_CHANGED = "placement.changed"


def _organization_id(organization: Any) -> int | None:
    if organization is None:
        return None
    return int(organization) if isinstance(organization, int) else int(organization.pk)


def record(
    *,
    action: Action | str,
    actor: Any = None,
    organizations: Iterable[Any] = (),
    object_type: str = "",
    object_ref: str = "",
    detail: str = "",
    audience: Iterable[int] = (),
    event: dict[str, Any] | None = None,
) -> list[AuditEntry]:
    """Append ``action`` to the record of each of ``organizations`` (Organization, id or None
    for an entry that belongs to no organization) and, when ``event`` is given, send it to the
    dashboards of ``audience`` after commit.

    ``actor`` is a User, an AnonymousUser or None (the system: the worker, the reporter).
    """
    user = actor if getattr(actor, "is_authenticated", False) else None
    ids: list[int | None] = []
    for organization in organizations:
        organization_id = _organization_id(organization)
        if organization_id not in ids:
            ids.append(organization_id)
    if not ids:
        ids = [None]
    entries = AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                organization_id=organization_id,
                actor=user,
                actor_email=user.email if user else "",
                action=str(action),
                object_type=object_type,
                object_ref=object_ref,
                detail=detail[:500],
            )
            for organization_id in ids
        ]
    )
    if event is not None:
        publish_to_organizations(audience, event)
    return entries


def record_one(
    *,
    actor: User | AnonymousUser | None,
    organization: Any,
    action: Action | str,
    object_type: str = "",
    object_ref: str = "",
    detail: str = "",
) -> AuditEntry:
    """One entry for one organization (the common case of ``record``)."""
    return record(
        action=action,
        actor=actor,
        organizations=[organization],
        object_type=object_type,
        object_ref=object_ref,
        detail=detail,
    )[0]
