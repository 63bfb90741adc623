"""A report's status: its transitions and its acknowledgement. The only code that changes
``Report.status``.

Routing (stopping escalation) and cases (timeline, outcome) act on these through
``safepath.reports.signals`` and their own services; nothing else writes the status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safepath.core.activity import Action, record
from safepath.core.live import publish_to_organizations
from safepath.reports.access import report_audience, report_event, report_owner_ids
from safepath.reports.models import Report, ReportStatus
from safepath.reports.signals import report_acknowledged

if TYPE_CHECKING:
    from safepath.accounts.models import Organization, User

# new -> acknowledged -> in progress -> referred or closed; a closed report may be reopened.
TRANSITIONS: dict[str, frozenset[str]] = {
    # A new report may be closed at once, e.g. as a duplicate.
    ReportStatus.NEW: frozenset(
        {ReportStatus.ACKNOWLEDGED, ReportStatus.IN_PROGRESS, ReportStatus.CLOSED}
    ),
    ReportStatus.ACKNOWLEDGED: frozenset(
        {ReportStatus.IN_PROGRESS, ReportStatus.REFERRED, ReportStatus.CLOSED}
    ),
    ReportStatus.IN_PROGRESS: frozenset({ReportStatus.REFERRED, ReportStatus.CLOSED}),
    ReportStatus.REFERRED: frozenset({ReportStatus.IN_PROGRESS, ReportStatus.CLOSED}),
    ReportStatus.CLOSED: frozenset({ReportStatus.IN_PROGRESS}),
}


def report_publish(*, report: Report) -> None:
    """Tell the report's whole audience (owners and partners) that it changed."""
    publish_to_organizations(report_audience(report=report), report_event(report))


@transaction.atomic
def report_acknowledge(
    *, report: Report, user: User, organization: Organization | None = None
) -> bool:
    """Acknowledge ``report``; stops escalation (routing listens). Returns whether this call
    acknowledged it (False: it already was). One trail whichever page or API did it."""
    updated = Report.objects.filter(pk=report.pk, status=ReportStatus.NEW).update(
        status=ReportStatus.ACKNOWLEDGED, last_activity_at=timezone.now()
    )
    if not updated:
        return False
    report.status = ReportStatus.ACKNOWLEDGED
    report_acknowledged.send(sender=Report, report=report, user=user)
    owners = report_owner_ids(report=report)
    record(
        action=Action.REPORT_ACKNOWLEDGED,
        actor=user,
        organizations=[organization, *owners] if organization is not None else owners,
        object_type="report",
        object_ref=report.reference,
        audience=report_audience(report=report),
        event=report_event(report),
    )
    return True


def check_transition(*, current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise ValidationError(
            _("A report that is %(current)s cannot be moved to %(target)s.")
            % {
                "current": ReportStatus(current).label,
                "target": ReportStatus(target).label if target in ReportStatus.values else target,
            }
        )


@transaction.atomic
def report_change_status(
    *, report: Report, status: str, actor: User, organization: Organization
) -> tuple[Report, bool]:
    """Move a report along its workflow; returns the locked report and whether it moved past
    an acknowledgement (False: the call only acknowledged it). Leaving "new" is an
    acknowledgement whatever comes next: it stops escalation."""
    locked = Report.objects.select_for_update().select_related("placement").get(pk=report.pk)
    if locked.status == ReportStatus.NEW and status in TRANSITIONS[ReportStatus.NEW]:
        report_acknowledge(report=locked, user=actor, organization=organization)
        if status == ReportStatus.ACKNOWLEDGED:
            return locked, False
    check_transition(current=locked.status, target=status)
    Report.objects.filter(pk=locked.pk).update(status=status, last_activity_at=timezone.now())
    locked.status = status
    return locked, True


@transaction.atomic
def report_reopen_by_reporter(*, report: Report) -> bool:
    """The reporter wrote on a closed report: it opens again (in progress), so it is not lost
    among closed ones. Returns whether it was closed."""
    updated = Report.objects.filter(pk=report.pk, status=ReportStatus.CLOSED).update(
        status=ReportStatus.IN_PROGRESS, last_activity_at=timezone.now()
    )
    if not updated:
        return False
    report.status = ReportStatus.IN_PROGRESS
    record(
        action=Action.REPORT_STATUS,
        actor=None,
        organizations=report_owner_ids(report=report),
        object_type="report",
        object_ref=report.reference,
        detail="reopened: the reporter wrote",
        audience=report_audience(report=report),
        event=report_event(report),
    )
    return True
