"""The few writes analytics makes: digest subscriptions, the digest outbox, regional sharing.

The weekly digest carries counts and links, never a report's contents or a place's internal
notes. Each digest is a row (``DigestEmail``) written once per person, organization and week;
the worker claims due rows with the shared claim loop and sends them, so a crash loses
nothing and two workers never send the same digest.
"""

from __future__ import annotations

import logging
import time
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from safepath.accounts.models import Membership, Organization, OrganizationKind, User
from safepath.accounts.permissions import Capability, role_can
from safepath.analytics import selectors
from safepath.analytics.models import DigestEmail, DigestSubscription, RegionalSharing
from safepath.core.activity import record_one
from safepath.core.jobs import claim_due

logger = logging.getLogger(__name__)

DIGEST_MAX_ATTEMPTS = 5


def _require_admin(*, user: User, organization: Organization) -> None:
    membership = Membership.objects.filter(user=user, organization=organization).first()
    if membership is None or not role_can(membership.role, Capability.ANALYTICS_MANAGE):
        raise PermissionDenied(_("Only administrators can change this."))


@transaction.atomic
def digest_set(*, user: User, organization: Organization, wanted: bool) -> bool:
    """Start or stop the weekly digest for this administrator; returns whether it is on."""
    _require_admin(user=user, organization=organization)
    if wanted:
        _sub, created = DigestSubscription.objects.get_or_create(
            user=user, organization=organization
        )
        changed = created
    else:
        changed = bool(
            DigestSubscription.objects.filter(user=user, organization=organization).delete()[0]
        )
    if changed:
        record_one(
            actor=user,
            organization=organization,
            action="analytics.digest",
            object_type="digest",
            detail="weekly digest on" if wanted else "weekly digest off",
        )
    return wanted


@transaction.atomic
def regional_sharing_set(
    *, user: User, organization: Organization, region: Organization | None
) -> None:
    """Share this organization's aggregates with a regional organization, or stop sharing."""
    _require_admin(user=user, organization=organization)
    if region is not None and region.kind != OrganizationKind.TASK_FORCE:
        raise ValueError(_("Aggregates can only be shared with a task force or fusion centre."))
    if region is not None and region.pk == organization.pk:
        raise ValueError(_("An organization cannot share with itself."))
    RegionalSharing.objects.filter(organization=organization).delete()
    if region is not None:
        RegionalSharing.objects.create(organization=organization, region=region)
    record_one(
        actor=user,
        organization=organization,
        action="analytics.regional_sharing",
        object_type="organization",
        object_ref=region.slug if region else "",
        detail=f"aggregates shared with {region.name}" if region else "regional sharing stopped",
    )


def last_week_start(*, organization: Organization, now: datetime | None = None) -> date:
    """The Monday of the last whole week (Monday to Sunday) in the organization's zone."""
    today = (now or timezone.now()).astimezone(organization.zone).date()
    this_monday = today - timedelta(days=today.weekday())
    return this_monday - timedelta(days=7)


def digests_queue_due(*, now: datetime | None = None) -> int:
    """Write one digest row per subscriber for the last whole week, once; returns how many."""
    queued = 0
    for subscription in DigestSubscription.objects.select_related("organization", "user"):
        week = last_week_start(organization=subscription.organization, now=now)
        if DigestEmail.objects.filter(
            user=subscription.user, organization=subscription.organization, week_start=week
        ).exists():
            continue
        try:
            with transaction.atomic():
                DigestEmail.objects.create(
                    user=subscription.user, organization=subscription.organization, week_start=week
                )
            queued += 1
        except IntegrityError:
            continue  # another worker queued it first
    return queued


def digest_message(digest: DigestEmail) -> tuple[str, str]:
    organization = digest.organization
    period = selectors.Period(
        digest.week_start, digest.week_start + timedelta(days=6), organization.zone
    )
    ids = [organization.pk]
    when = selectors.when(organizations=ids, period=period)
    response = selectors.response(organizations=ids, period=period)
    where = selectors.where(organizations=ids, period=period)
    funnel = selectors.funnel(organizations=ids, period=period)
    link = f"{settings.BASE_URL}/analytics/?org={organization.slug}&days=7"
    lines = [
        _("SafePath weekly digest for %(org)s, %(start)s to %(end)s.")
        % {"org": organization.name, "start": period.start, "end": period.end},
        "",
        _("Scans: %(now)s (week before: %(then)s)")
        % {"now": when.totals["scans"], "then": when.previous_totals["scans"]},
        _("Reports started: %(now)s (week before: %(then)s)")
        % {"now": when.totals["reports_started"], "then": when.previous_totals["reports_started"]},
        _("Median time to acknowledge: %(median)s; 90th percentile: %(p90)s")
        % {"median": response.total.ack_median, "p90": response.total.ack_p90},
        _("Escalations: %(n)s; not yet acknowledged: %(w)s")
        % {"n": response.escalations, "w": response.waiting},
        _("Hotspot areas: %(n)s; placements that changed: %(c)s")
        % {"n": len(where.significant), "c": len(where.changes)},
        _("Placements not scanned this week: %(n)s") % {"n": len(funnel.never_scanned)},
        "",
        _("See the figures: %(link)s") % {"link": link},
        _("Stop this digest on the same page."),
    ]
    subject = _("SafePath weekly digest: %(org)s") % {"org": organization.name}
    return subject, "\n".join(lines) + "\n"


def digests_send_due(*, limit: int = 20) -> int:
    ids = claim_due(
        DigestEmail,
        due=Q(sent_at__isnull=True, attempts__lt=DIGEST_MAX_ATTEMPTS),
        order="created_at",
        limit=limit,
        hold_seconds=settings.DELIVERY_CLAIM_SECONDS,
    )
    for digest in DigestEmail.objects.filter(pk__in=ids).select_related("user", "organization"):
        try:
            subject, body = digest_message(digest)
            send_mail(subject, body, None, [digest.user.email])
        except Exception as error:
            DigestEmail.objects.filter(pk=digest.pk).update(
                attempts=digest.attempts + 1, locked_until=None, last_error=str(error)[:300]
            )
            logger.warning("Analytics digest %s failed: %s", digest.pk, error)
            continue
        DigestEmail.objects.filter(pk=digest.pk).update(
            attempts=digest.attempts + 1, sent_at=timezone.now(), locked_until=None
        )
    return len(ids)


_last_sweep = 0.0
SWEEP_SECONDS = 3600


def analytics_process_due() -> int:
    """The worker's processor: queue the week's digests (at most hourly), then send."""
    global _last_sweep
    now = time.monotonic()
    queued = 0
    if _last_sweep == 0.0 or now - _last_sweep >= SWEEP_SECONDS:
        _last_sweep = now
        queued = digests_queue_due()
    return queued + digests_send_due()
