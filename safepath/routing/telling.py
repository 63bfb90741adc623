"""Telling a recipient: making an organization (or unit) a recipient, recording why, and
queueing its notifications as outbox rows.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from safepath.accounts.models import (
    Membership,
    Organization,
    Role,
)
from safepath.accounts.permissions import Capability, roles_with
from safepath.core.activity import record
from safepath.core.jobs import claim_due, notify_work
from safepath.core.live import publish_to_organizations
from safepath.reports.access import (
    report_audience,
    report_event,
    report_owner_ids,
    report_readers,
)
from safepath.reports.models import Report, ReportPriority
from safepath.routing.models import (
    Delivery,
    DeliveryChannel,
    DeliveryPurpose,
    DeliveryStatus,
    ReportRecipient,
    ResponderChannels,
    RoutingEvent,
    Webhook,
)
from safepath.routing.plan import Target

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------- telling a recipient


def timeline_event(
    report: Report, kind: str, organization: Organization | None, reason: str
) -> None:
    """A routing step on the report's timeline, and in the activity record of the organization
    it concerns (or, for a step that names nobody, of the report's owners)."""
    RoutingEvent.objects.create(
        report=report, kind=kind, organization=organization, reason=reason[:300]
    )
    record(
        action=f"routing.{kind}",
        organizations=[organization] if organization else report_owner_ids(report=report),
        object_type="report",
        object_ref=report.reference,
        detail=reason,
    )


def publish_report(report: Report, extra_org_ids: list[int] | None = None) -> None:
    """Tell the report's whole audience (owners and partners it is shared with), and any
    organization that just lost it, that it changed."""
    publish_to_organizations(
        [*report_audience(report=report), *(extra_org_ids or [])], report_event(report)
    )


def claim_rows(model: Any, due: Q, order: str, limit: int) -> list[int]:
    """Claim due routing rows (deliveries, escalations) for this worker."""
    return claim_due(
        model, due=due, order=order, limit=limit, hold_seconds=settings.DELIVERY_CLAIM_SECONDS
    )


def _members(target: Target, report: Report) -> list[Membership]:
    # Only roles that may read reports are told: a notification links to the report, and
    # analysts and auditors would find a 404 there.
    members = Membership.objects.filter(
        organization=target.organization,
        user__is_active=True,
        deactivated_at__isnull=True,
        role__in=roles_with(Capability.REPORT_READ),
    ).select_related("user")
    if target.unit is not None:
        in_unit = list(members.filter(units=target.unit))
        if in_unit:
            return in_unit
    # Need-to-know: a member limited to units hears only of reports they may open (asked
    # for all of them at once: per member it was most of a reporter's first answer).
    everyone = list(members.prefetch_related("units"))
    limited = [m.user_id for m in everyone if m.role != Role.ADMIN and m.units.all()]
    readers = report_readers(report=report, user_ids=limited) if limited else set()
    return [
        membership
        for membership in everyone
        if membership.role == Role.ADMIN
        or not membership.units.all()
        or membership.user_id in readers
    ]


def _queue(
    report: Report, target: Target, purpose: str, *, again: bool = False, fresh: bool = False
) -> int:
    """Queue every channel ``target`` should get, skipping what was already queued (unless
    ``again``: the reporter wrote on a closed or quiet report; or ``fresh``: the report is
    being routed for the first time in this transaction, so nothing was). Urgent reports use
    every channel a member has; others email (and SMS where a member asks)."""
    urgent = report.priority == ReportPriority.URGENT
    existing = (
        set(
            Delivery.objects.filter(
                report=report,
                organization=target.organization,
                purpose__in=[DeliveryPurpose.REPORT, DeliveryPurpose.ESCALATION],
            )
            .exclude(status=DeliveryStatus.CANCELLED)
            .values_list("channel", "user_id", "webhook_id")
        )
        if not (again or fresh)
        else set()
    )
    now = timezone.now()
    rows = []
    members = _members(target, report)
    chosen = {
        channels.membership_id: channels
        for channels in ResponderChannels.objects.filter(membership__in=members)
    }
    for membership in members:
        channels = chosen.get(membership.pk)
        wanted = []
        if (channels is None or channels.email) and membership.user.email:
            wanted.append(DeliveryChannel.EMAIL)
        if channels and channels.phone and (urgent or channels.sms_always):
            wanted.append(DeliveryChannel.SMS)
        for channel in wanted:
            if (channel, membership.user_id, None) not in existing:
                rows.append(
                    Delivery(
                        report=report,
                        organization=target.organization,
                        user_id=membership.user_id,
                        channel=channel,
                        purpose=purpose,
                        created_at=now,
                        next_attempt_at=now,
                    )
                )
    for webhook in Webhook.objects.filter(organization=target.organization, active=True):
        if (DeliveryChannel.WEBHOOK, None, webhook.pk) not in existing:
            rows.append(
                Delivery(
                    report=report,
                    organization=target.organization,
                    webhook=webhook,
                    channel=DeliveryChannel.WEBHOOK,
                    purpose=purpose,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
    Delivery.objects.bulk_create(rows)
    if rows:
        notify_work()
    return len(rows)


def tell_target(
    report: Report, target: Target, *, kind: str, purpose: str, fresh: bool = False
) -> bool:
    """Make ``target`` a recipient (dashboard), record why, and queue its notifications.
    ``fresh``: the report is routed for the first time, in this transaction, so it has no
    recipients or deliveries to look for yet (a new report's first answer skips those reads).
    """
    if fresh:
        ReportRecipient.objects.create(
            report=report, organization=target.organization, reason=target.reason[:200]
        )
        created = True
    else:
        _, created = ReportRecipient.objects.get_or_create(
            report=report,
            organization=target.organization,
            defaults={"reason": target.reason[:200]},
        )
    if created:
        timeline_event(report, kind, target.organization, target.reason)
    _queue(report, target, purpose, fresh=fresh)
    return created
