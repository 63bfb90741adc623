"""Deciding who receives a report, and sending what the outbox holds.

The rule today: the organization that owns the placement receives the report, and each of its
members is emailed that a report arrived (never what it says).
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from safepath.accounts.models import Membership
from safepath.reports.models import Report
from safepath.routing.models import Delivery, DeliveryChannel, DeliveryStatus, ReportRecipient

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 60
BACKOFF_BASE_SECONDS = 5
BACKOFF_CAP_SECONDS = 60 * 60


@transaction.atomic
def report_route(*, report: Report) -> list[ReportRecipient]:
    """Record who receives ``report`` and queue their notifications, in the caller's transaction."""
    organization = report.placement.organization
    recipient, _ = ReportRecipient.objects.get_or_create(
        report=report,
        organization=organization,
        defaults={"reason": "Owns the placement where the code was scanned."},
    )
    members = Membership.objects.filter(organization=organization, user__is_active=True)
    Delivery.objects.bulk_create(
        Delivery(
            report=report,
            organization=organization,
            user_id=membership.user_id,
            channel=DeliveryChannel.EMAIL,
        )
        for membership in members
    )
    return [recipient]


def backoff_delay(attempts: int) -> timedelta:
    """Exponential backoff with full jitter, so failing workers do not retry in lockstep."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311  # not crypto


def deliveries_claim(*, limit: int = 20) -> list[Delivery]:
    """Claim due deliveries for this worker. Safe with several workers running side by side.

    A row is taken with a conditional UPDATE that only succeeds if nobody else holds it, which
    works the same on SQLite and PostgreSQL.
    """
    now = timezone.now()
    free = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    candidates = list(
        Delivery.objects.filter(free, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    claimed: list[int] = []
    for pk in candidates:
        taken = Delivery.objects.filter(free, pk=pk, status=DeliveryStatus.PENDING).update(
            locked_until=now + timedelta(seconds=CLAIM_SECONDS)
        )
        if taken:
            claimed.append(pk)
    return list(
        Delivery.objects.filter(pk__in=claimed).select_related(
            "report__placement", "organization", "user"
        )
    )


def _send(delivery: Delivery) -> None:
    if delivery.channel != DeliveryChannel.EMAIL or delivery.user is None:
        raise ValueError(f"Cannot send a {delivery.channel} delivery without a recipient.")
    link = f"{settings.BASE_URL}/dashboard/reports/{delivery.report.reference}/"
    # The message says that something arrived and where to look, never what the report says.
    send_mail(
        subject=f"SafePath: new report at {delivery.report.placement.public_name}",
        message=(
            f"A new report arrived for {delivery.organization.name} from the code at "
            f'"{delivery.report.placement.public_name}".\n\n'
            f"Sign in to read it: {link}\n"
        ),
        from_email=None,
        recipient_list=[delivery.user.email],
    )


def delivery_attempt(*, delivery: Delivery) -> None:
    """Send one claimed delivery and record the outcome."""
    now = timezone.now()
    try:
        _send(delivery)
    except Exception as error:
        attempts = delivery.attempts + 1
        gave_up = now - delivery.created_at >= timedelta(seconds=settings.DELIVERY_MAX_AGE_SECONDS)
        Delivery.objects.filter(pk=delivery.pk).update(
            attempts=attempts,
            status=DeliveryStatus.FAILED if gave_up else DeliveryStatus.PENDING,
            next_attempt_at=now + backoff_delay(attempts),
            locked_until=None,
            last_error=str(error)[:500],
        )
        logger.warning("Delivery %s failed (attempt %s): %s", delivery.pk, attempts, error)
        return
    Delivery.objects.filter(pk=delivery.pk).update(
        attempts=delivery.attempts + 1,
        status=DeliveryStatus.SENT,
        sent_at=now,
        locked_until=None,
        last_error="",
    )


def deliveries_process_due(*, limit: int = 20) -> int:
    """Claim and send what is due. Returns how many deliveries were attempted."""
    claimed = deliveries_claim(limit=limit)
    for delivery in claimed:
        delivery_attempt(delivery=delivery)
    return len(claimed)
