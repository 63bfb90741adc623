"""Sending notifications: claiming due deliveries, email, SMS and webhooks, retries with
backoff, and giving up (admins told, next tier).
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from safepath.accounts.models import (
    Membership,
)
from safepath.accounts.permissions import Capability, roles_with
from safepath.core.jobs import notify_work
from safepath.reports.models import ReportPriority
from safepath.routing.models import (
    Delivery,
    DeliveryChannel,
    DeliveryPurpose,
    DeliveryStatus,
    EventKind,
    ResponderChannels,
    RoutingState,
)
from safepath.routing.telling import claim_rows, publish_report, timeline_event

logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 5
BACKOFF_CAP_SECONDS = 60 * 60
# ----------------------------------------------------------------------- deliveries


def backoff_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter (between half and all of the doubling ceiling), so
    failing workers do not retry in lockstep."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311  # not crypto


def deliveries_claim(*, limit: int = 20) -> list[Delivery]:
    """Claim due deliveries for this worker. Safe with several workers running side by side."""
    ids = claim_rows(
        Delivery,
        Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=timezone.now()),
        "next_attempt_at",
        limit,
    )
    return list(
        Delivery.objects.filter(pk__in=ids)
        .select_related("report__placement", "organization", "user", "webhook")
        .order_by("next_attempt_at", "pk")
    )


def notification_text(delivery: Delivery) -> tuple[str, str]:
    """Subject and body of a notification. Never the report's contents: only that a report
    arrived (or escalated), where, its priority, and a link that requires sign-in."""
    report = delivery.report
    place = report.placement.public_name
    link = f"{settings.BASE_URL}/dashboard/reports/{report.reference}/"
    urgent = report.priority == ReportPriority.URGENT
    prefix = _("URGENT: ") if urgent else ""
    if report.is_drill:
        prefix = _("DRILL: ") + prefix
    if delivery.purpose == DeliveryPurpose.FAILURE_NOTICE:
        subject = _("SafePath: a notification could not be delivered")
        body = _(
            "A notification to %(org)s about a report at “%(place)s” could not be delivered "
            "after repeated attempts; the report moves to the next tier. Check the members' "
            "contact details and webhooks.\n\nSign in to see the report: %(link)s\n"
        ) % {"org": delivery.organization.name, "place": place, "link": link}
        return subject, body
    if delivery.purpose == DeliveryPurpose.ESCALATION:
        subject = prefix + _("SafePath: a report escalated to you from %(place)s") % {
            "place": place
        }
        what = _("A report nobody has acknowledged yet escalated to %(org)s")
    else:
        subject = prefix + _("SafePath: new report at %(place)s") % {"place": place}
        what = _("A new report arrived for %(org)s")
    body = (
        what % {"org": delivery.organization.name}
        + _(" from the code at “%(place)s”. Priority: %(priority)s.\n\n")
        % {"place": place, "priority": report.get_priority_display()}
        + _("Sign in to read it: %(link)s\nAcknowledge it: %(link)sacknowledge/\n") % {"link": link}
    )
    if report.is_drill:
        body = _("DRILL: this is a drill, not a real report.") + "\n\n" + body
    return subject, body


def webhook_payload(delivery: Delivery) -> dict[str, Any]:
    report = delivery.report
    return {
        "id": str(delivery.uid),
        "event": "report.escalated"
        if delivery.purpose == DeliveryPurpose.ESCALATION
        else "report.received",
        "report": report.reference,
        "organization": delivery.organization.slug,
        "place": report.placement.public_name,
        "placement": report.placement.code,
        "priority": report.priority,
        "drill": report.is_drill,
        "link": f"{settings.BASE_URL}/dashboard/reports/{report.reference}/",
        "queued_at": delivery.created_at.isoformat(),
    }


def _send(delivery: Delivery) -> None:
    from safepath.routing.sms import get_sms_backend
    from safepath.routing.webhooks import webhook_post

    subject, body = notification_text(delivery)
    if delivery.channel == DeliveryChannel.WEBHOOK and delivery.webhook is not None:
        webhook_post(
            webhook=delivery.webhook,
            payload=webhook_payload(delivery),
            delivery_id=str(delivery.uid),
        )
        return
    if delivery.user is None:
        raise ValueError(f"Cannot send a {delivery.channel} delivery without a recipient.")
    if delivery.channel == DeliveryChannel.EMAIL:
        EmailMessage(
            subject=subject,
            body=body,
            to=[delivery.user.email],
            headers={"X-SafePath-Delivery": str(delivery.uid)},
        ).send()
        return
    if delivery.channel == DeliveryChannel.SMS:
        channels = ResponderChannels.objects.filter(
            membership__user=delivery.user, membership__organization=delivery.organization
        ).first()
        if channels is None or not channels.phone:
            raise ValueError("The member has no phone number any more.")
        get_sms_backend().send(to=channels.phone, body=subject, delivery_id=str(delivery.uid))
        return
    raise ValueError(f"Unknown channel {delivery.channel}.")


@transaction.atomic
def _give_up(delivery: Delivery, now: Any) -> None:
    """Mark failed, tell the organization's admins, and move the report to the next tier
    when this organization has not been reached by any channel."""
    report = delivery.report
    timeline_event(
        report,
        EventKind.DELIVERY_FAILED,
        delivery.organization,
        _("A %(channel)s notification could not be delivered: %(error)s")
        % {"channel": delivery.get_channel_display(), "error": delivery.last_error[:150]},
    )
    if delivery.purpose == DeliveryPurpose.FAILURE_NOTICE:
        return  # a notice about a notice would never end
    admins = Membership.objects.filter(
        organization=delivery.organization,
        role__in=roles_with(Capability.ROUTING_MANAGE),
        user__is_active=True,
    ).exclude(user__email="")
    Delivery.objects.bulk_create(
        Delivery(
            report=report,
            organization=delivery.organization,
            user_id=admin.user_id,
            channel=DeliveryChannel.EMAIL,
            purpose=DeliveryPurpose.FAILURE_NOTICE,
            created_at=now,
            next_attempt_at=now,
        )
        for admin in admins
    )
    reached = Delivery.objects.filter(
        report=report, organization=delivery.organization, status=DeliveryStatus.SENT
    ).exclude(purpose=DeliveryPurpose.FAILURE_NOTICE)
    if not reached.exists():
        RoutingState.objects.filter(report=report, escalate_at__isnull=False).update(
            escalate_at=now
        )
    notify_work()
    publish_report(report)


def delivery_attempt(*, delivery: Delivery) -> None:
    """Send one claimed delivery and record the outcome."""
    try:
        _send(delivery)
    except Exception as error:
        now = timezone.now()
        attempts = delivery.attempts + 1
        max_age = timedelta(seconds=settings.DELIVERY_MAX_AGE_SECONDS)
        gave_up = now - delivery.created_at >= max_age
        delivery.last_error = str(error)[:500]
        Delivery.objects.filter(pk=delivery.pk).update(
            attempts=attempts,
            status=DeliveryStatus.FAILED if gave_up else DeliveryStatus.PENDING,
            # Never retry past the give-up time by more than one attempt's worth.
            next_attempt_at=now + backoff_delay(attempts),
            locked_until=None,
            last_error=delivery.last_error,
        )
        logger.warning("Delivery %s failed (attempt %s): %s", delivery.pk, attempts, error)
        if gave_up:
            _give_up(delivery, now)
        return
    Delivery.objects.filter(pk=delivery.pk).update(
        attempts=delivery.attempts + 1,
        status=DeliveryStatus.SENT,
        sent_at=timezone.now(),
        locked_until=None,
        last_error="",
    )


def deliveries_process_due(*, limit: int = 20) -> int:
    """Claim and send what is due. Returns how many deliveries were attempted."""
    claimed = deliveries_claim(limit=limit)
    for delivery in claimed:
        # A slow batch must not send a row whose claim lapsed: another worker may hold it now.
        if delivery.locked_until and timezone.now() >= delivery.locked_until:
            Delivery.objects.filter(pk=delivery.pk, locked_until=delivery.locked_until).update(
                locked_until=None
            )
            continue
        delivery_attempt(delivery=delivery)
    return len(claimed)
