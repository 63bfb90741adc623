"""Deciding who receives a report, telling them, and escalating when nobody answers.

The routing plan of a report is computed from its placement's policy (tiers of recipients),
the place (jurisdiction areas), the report's priority and the reporter's choice of recipient:

- "a service organization, not police" removes every law-enforcement organization (police
  and task forces) from every tier, adds the policy's service organizations (or the national
  hotline organization), and never adds police, at any step, unless the reporter changes it;
- "police" adds the place's law-enforcement agency to the first tier;
- urgent (someone in danger now, or under 18) uses the tiers' short acknowledgement times,
  every channel a member has, and adds the place's police when the policy says so.

Routing writes rows only, inside the caller's transaction: recipients, the timeline, the
escalation due time and the outbox of deliveries. The worker sends and escalates.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from safepath.accounts.models import (
    Membership,
    Organization,
    OrganizationKind,
    Role,
    Unit,
    User,
    kinds_in_family,
)
from safepath.core.jobs import notify_work
from safepath.core.live import publish_to_organizations
from safepath.reports.models import RecipientPreference, Report, ReportPriority, ReportStatus
from safepath.routing.models import (
    Delivery,
    DeliveryChannel,
    DeliveryPurpose,
    DeliveryStatus,
    EventKind,
    OrganizationArea,
    PlacementRouting,
    ReportRecipient,
    ResponderChannels,
    RoutingEvent,
    RoutingPolicy,
    RoutingState,
    RoutingTier,
    Sector,
    TargetKind,
    TierRecipient,
    Webhook,
)
from safepath.routing.selectors import (
    jurisdiction_for,
    placement_coordinates,
    policy_for_placement,
    recipient_organization_ids,
)

logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 5
BACKOFF_CAP_SECONDS = 60 * 60
# Police and task forces: what "a service organization, not police" keeps a report away from.
# Kinds added later (sheriff's office, fusion center...) behave like their family's first kind.
LAW_ENFORCEMENT_KINDS = kinds_in_family(OrganizationKind.LAW_ENFORCEMENT)
TASK_FORCE_KINDS = kinds_in_family(OrganizationKind.TASK_FORCE)
POLICE_KINDS = LAW_ENFORCEMENT_KINDS | TASK_FORCE_KINDS
SECTOR_BY_KIND = {
    **dict.fromkeys(kinds_in_family(OrganizationKind.SCHOOL), Sector.SCHOOL),
    **dict.fromkeys(kinds_in_family(OrganizationKind.HEALTHCARE), Sector.HOSPITAL),
    OrganizationKind.SERVICE_PROVIDER: Sector.SERVICE,
}
# Units the sector defaults look for by slug (a school's safety team, a hospital's teams).
SCHOOL_SAFETY_UNIT = "safety-team"
HOSPITAL_FIRST_UNIT = "social-work"
HOSPITAL_SECOND_UNIT = "security"


# --------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Target:
    organization: Organization
    unit: Unit | None
    reason: str


@dataclass
class PlanTier:
    targets: list[Target]
    acknowledge: timedelta


@dataclass
class Plan:
    policy: RoutingPolicy | None
    tiers: list[PlanTier]
    notes: list[str] = field(default_factory=list)


def _organization_by_slug(slug: str) -> Organization | None:
    return Organization.objects.filter(slug=slug).first() if slug else None


def _local(report: Report, kinds: Iterable[str], label: str) -> Target | None:
    coordinates = placement_coordinates(placement=report.placement)
    if coordinates is None:
        return None
    found = jurisdiction_for(latitude=coordinates[0], longitude=coordinates[1], kinds=kinds)
    if found is None:
        return None
    organization, area = found
    return Target(
        organization,
        None,
        _("%(label)s: its area “%(area)s” contains the place.")
        % {"label": label, "area": area.name},
    )


def _local_police(report: Report) -> Target | None:
    return _local(report, LAW_ENFORCEMENT_KINDS, _("Local law enforcement"))


def _resolve(recipient: TierRecipient, report: Report, position: int, name: str) -> Target | None:
    if recipient.kind == TargetKind.LOCAL_POLICE:
        return _local_police(report)
    if recipient.kind == TargetKind.TASK_FORCE:
        return _local(report, TASK_FORCE_KINDS, _("Regional task force"))
    organization = recipient.unit.organization if recipient.unit else recipient.organization
    if organization is None:
        return None
    who = recipient.unit.name if recipient.unit else organization.name
    return Target(
        organization,
        recipient.unit,
        _("Tier %(n)s of the routing policy “%(policy)s”: %(who)s.")
        % {"n": position, "policy": name, "who": who},
    )


def _police_for(report: Report) -> Target | None:
    """The place's law enforcement: by jurisdiction, else the owner when it is police."""
    local = _local_police(report)
    if local:
        return local
    owner = report.placement.organization
    if owner.kind in LAW_ENFORCEMENT_KINDS:
        return Target(owner, None, _("Law enforcement that owns the code."))
    return None


def _service_targets(policy: RoutingPolicy | None) -> list[Target]:
    services = list(policy.service_organizations.all()) if policy else []
    targets = [
        Target(o, None, _("The reporter asked for a service organization, not police."))
        for o in services
        if o.kind not in POLICE_KINDS
    ]
    if not targets:
        hotline = _organization_by_slug(settings.HOTLINE_ORGANIZATION)
        if hotline and hotline.kind not in POLICE_KINDS:
            targets.append(
                Target(
                    hotline,
                    None,
                    _(
                        "The reporter asked for a service organization, not police; "
                        "no service organization is configured: the national hotline."
                    ),
                )
            )
    return targets


def routing_plan(*, report: Report) -> Plan:
    """Who should receive ``report``, tier by tier, given its current facts. Reads only."""
    policy = policy_for_placement(placement=report.placement)
    urgent = report.priority == ReportPriority.URGENT
    services_only = report.recipient_preference == RecipientPreference.SERVICE
    plan = Plan(policy=policy, tiers=[])
    tiers = (
        list(policy.tiers.prefetch_related("recipients__organization", "recipients__unit").all())
        if policy
        else []
    )
    for number, tier in enumerate(tiers, start=1):
        minutes = tier.urgent_acknowledge_minutes if urgent else tier.acknowledge_minutes
        targets = []
        for recipient in tier.recipients.all():
            target = _resolve(recipient, report, number, policy.name if policy else "")
            if target is None:
                plan.notes.append(
                    _("Tier %(n)s: no organization's area contains the place.") % {"n": number}
                )
            else:
                targets.append(target)
        plan.tiers.append(PlanTier(targets, timedelta(minutes=minutes)))
    if not plan.tiers:
        plan.tiers.append(PlanTier([], timedelta(minutes=5 if urgent else 30)))
    if not policy:
        # An organization without any policy yet: its own members, so nothing is lost.
        owner = report.placement.organization
        plan.tiers[0].targets.append(
            Target(owner, None, _("Owns the placement (no routing policy)."))
        )

    first = plan.tiers[0]
    if services_only:
        for plan_tier in plan.tiers:
            plan_tier.targets = [
                t for t in plan_tier.targets if t.organization.kind not in POLICE_KINDS
            ]
        first.targets[:0] = _service_targets(policy)
    elif report.recipient_preference == RecipientPreference.POLICE:
        police = _police_for(report)
        if police:
            first.targets.append(
                Target(
                    police.organization, None, _("The reporter asked for police. ") + police.reason
                )
            )
        else:
            plan.notes.append(_("The reporter asked for police, but no agency covers the place."))
    if urgent and policy and policy.police_when_urgent and not services_only:
        police = _police_for(report)
        if police:
            first.targets.append(
                Target(
                    police.organization,
                    None,
                    _("Someone is in danger now or under 18: the policy adds law enforcement. ")
                    + police.reason,
                )
            )

    # An organization is told once, in the first tier that names it: a policy cannot loop.
    seen: set[int] = set()
    for plan_tier in plan.tiers:
        unique = []
        for target in plan_tier.targets:
            if target.organization.pk not in seen:
                seen.add(target.organization.pk)
                unique.append(target)
        plan_tier.targets = unique
    plan.tiers = [plan_tier for plan_tier in plan.tiers if plan_tier.targets]
    owner = report.placement.organization
    if not plan.tiers and not (services_only and owner.kind in POLICE_KINDS):
        # Nothing in the policy applies here (no area contains the place): rather than nobody,
        # the organization that put the code up.
        plan.tiers.append(
            PlanTier(
                [
                    Target(
                        owner, None, _("Nobody else applies: the organization that owns the code.")
                    )
                ],
                timedelta(minutes=5 if urgent else 30),
            )
        )
    return plan


def fallback_target(*, report: Report) -> Target | None:
    """The deployment's last resort, respecting "not police" (then the national hotline)."""
    fallback = _organization_by_slug(settings.FALLBACK_ORGANIZATION)
    services_only = report.recipient_preference == RecipientPreference.SERVICE
    if fallback and not (services_only and fallback.kind in POLICE_KINDS):
        return Target(
            fallback, None, _("Nobody acknowledged in any tier: the deployment's fallback.")
        )
    hotline = _organization_by_slug(settings.HOTLINE_ORGANIZATION)
    if services_only and hotline and hotline.kind not in POLICE_KINDS:
        return Target(
            hotline, None, _("Nobody acknowledged in any tier: the national hotline (no police).")
        )
    return None


# ---------------------------------------------------------------- telling a recipient


def _event(report: Report, kind: str, organization: Organization | None, reason: str) -> None:
    RoutingEvent.objects.create(
        report=report, kind=kind, organization=organization, reason=reason[:300]
    )


def _publish(report: Report, extra_org_ids: list[int] | None = None) -> None:
    publish_to_organizations(
        [*recipient_organization_ids(report=report), *(extra_org_ids or [])],
        {"kind": "report", "report": report.reference, "placement": report.placement.public_name},
    )


def _members(target: Target) -> list[Membership]:
    members = (
        Membership.objects.filter(
            organization=target.organization, user__is_active=True, deactivated_at__isnull=True
        )
        .exclude(role=Role.LEARNER)  # learners only take training: no report notices
        .select_related("user")
    )
    if target.unit is not None:
        in_unit = list(members.filter(units=target.unit))
        if in_unit:
            return in_unit
    return list(members)


def _queue(report: Report, target: Target, purpose: str) -> int:
    """Queue every channel ``target`` should get, skipping what was already queued. Urgent
    reports use every channel a member has; others email (and SMS where a member asks)."""
    urgent = report.priority == ReportPriority.URGENT
    existing = set(
        Delivery.objects.filter(
            report=report,
            organization=target.organization,
            purpose__in=[DeliveryPurpose.REPORT, DeliveryPurpose.ESCALATION],
        )
        .exclude(status=DeliveryStatus.CANCELLED)
        .values_list("channel", "user_id", "webhook_id")
    )
    now = timezone.now()
    rows = []
    for membership in _members(target):
        channels = ResponderChannels.objects.filter(membership=membership).first()
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


def _tell(report: Report, target: Target, *, kind: str, purpose: str) -> bool:
    """Make ``target`` a recipient (dashboard), record why, and queue its notifications."""
    _, created = ReportRecipient.objects.get_or_create(
        report=report, organization=target.organization, defaults={"reason": target.reason[:200]}
    )
    if created:
        _event(report, kind, target.organization, target.reason)
    _queue(report, target, purpose)
    return created


# ----------------------------------------------------------------------- routing


@transaction.atomic
def report_route(*, report: Report) -> list[ReportRecipient]:
    """Record who receives ``report``, queue their notifications and its escalation, all in the
    caller's transaction (the report's own): once the reporter is told the answer was saved,
    the responders are certain to hear of it."""
    now = timezone.now()
    if policy_for_placement(placement=report.placement) is None:
        policy_create_default(organization=report.placement.organization)
    plan = routing_plan(report=report)
    for note in plan.notes:
        _event(report, EventKind.NOTE, None, note)
    state = RoutingState.objects.create(report=report, policy=plan.policy, tier_started_at=now)
    if plan.tiers:
        for target in plan.tiers[0].targets:
            _tell(report, target, kind=EventKind.ROUTED, purpose=DeliveryPurpose.REPORT)
        state.escalate_at = now + plan.tiers[0].acknowledge
    else:
        # Nothing in the policy applies (e.g. "not police" at a police-only place): the
        # fallback or hotline now rather than nobody.
        _to_fallback(report, state)
    state.save()
    _publish(report)
    return list(ReportRecipient.objects.filter(report=report))


def _to_fallback(report: Report, state: RoutingState) -> None:
    target = fallback_target(report=report)
    state.escalate_at = None
    if target is None:
        logger.error("Report %s has nobody left to escalate to: configure a fallback", report.pk)
        _event(report, EventKind.NOTE, None, _("No fallback organization is configured."))
        return
    _tell(report, target, kind=EventKind.FALLBACK, purpose=DeliveryPurpose.ESCALATION)


@transaction.atomic
def report_reroute(*, report: Report, changed: set[str] | None = None) -> None:
    """Apply a change in the report's priority or the reporter's choice to its recipients.

    "Not police" removes law enforcement that was told (the dashboard loses the report and
    unsent notifications are cancelled); "police" or "urgent" adds who the plan now names in
    the tiers already told, with every channel for urgent, and shortens the wait.
    """
    state = RoutingState.objects.select_for_update().filter(report=report).first()
    report.refresh_from_db()
    if state is None:
        report_route(report=report)
        return
    plan = routing_plan(report=report)
    removed: list[int] = []
    if report.recipient_preference == RecipientPreference.SERVICE:
        for recipient in ReportRecipient.objects.filter(
            report=report, organization__kind__in=POLICE_KINDS
        ).select_related("organization"):
            Delivery.objects.filter(
                report=report, organization=recipient.organization, status=DeliveryStatus.PENDING
            ).update(status=DeliveryStatus.CANCELLED, locked_until=None)
            sent = Delivery.objects.filter(
                report=report, organization=recipient.organization, status=DeliveryStatus.SENT
            ).exists()
            reason = _("The reporter asked for a service organization, not police.")
            if sent:
                reason += " " + _("A notification had already been sent.")
            _event(report, EventKind.REMOVED, recipient.organization, reason)
            removed.append(recipient.organization_id)
            recipient.delete()
    told = plan.tiers[: state.tier_index + 1]
    for tier in told:
        for target in tier.targets:
            _tell(report, target, kind=EventKind.ROUTED, purpose=DeliveryPurpose.REPORT)
    if (
        state.tier_index >= len(plan.tiers)
        or not ReportRecipient.objects.filter(report=report).exists()
    ):
        _to_fallback(report, state)
    elif state.escalate_at is not None and state.tier_index < len(plan.tiers):
        # Urgent: the shorter time counts from when this tier was told.
        state.escalate_at = min(
            state.escalate_at, state.tier_started_at + plan.tiers[state.tier_index].acknowledge
        )
    state.save()
    _publish(report, removed)


def on_report_facts_changed(
    sender: Any, report: Report, changed: set[str] | None = None, **kwargs: Any
) -> None:
    """Receiver of ``reports.signals.report_facts_changed`` (sent after commit)."""
    report_reroute(report=report, changed=set(changed or ()))


# ------------------------------------------------------------------- acknowledgement


ACKNOWLEDGING_ROLES = {Role.ADMIN, Role.SUPERVISOR, Role.RESPONDER}


@transaction.atomic
def report_acknowledge(*, report: Report, user: User) -> bool:
    """Acknowledge ``report`` for the user's organization; stops escalation. Returns whether
    this call acknowledged it (False: it already was)."""
    now = timezone.now()
    updated = Report.objects.filter(pk=report.pk, status=ReportStatus.NEW).update(
        status=ReportStatus.ACKNOWLEDGED
    )
    if not updated:
        return False
    RoutingState.objects.filter(report=report).update(
        escalate_at=None, acknowledged_at=now, acknowledged_by=user
    )
    membership = (
        Membership.objects.filter(user=user, organization__received_reports__report=report)
        .select_related("organization")
        .first()
    )
    organization = membership.organization if membership else None
    _event(
        report,
        EventKind.ACKNOWLEDGED,
        organization,
        _("Acknowledged by %(name)s.") % {"name": user.get_full_name() or user.email},
    )
    _publish(report)
    return True


# ----------------------------------------------------------------------- escalation


def _claim(model: Any, due: Q, order: str, limit: int) -> list[int]:
    """Claim due rows for this worker; safe with several workers side by side.

    PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED``, so workers take different rows. Elsewhere
    a conditional UPDATE per row that only succeeds if nobody else holds it.
    """
    now = timezone.now()
    free = Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    until = now + timedelta(seconds=settings.DELIVERY_CLAIM_SECONDS)
    if connection.vendor == "postgresql":
        with transaction.atomic():
            ids = list(
                model.objects.filter(free & due)
                .order_by(order)
                .select_for_update(skip_locked=True)
                .values_list("pk", flat=True)[:limit]
            )
            model.objects.filter(pk__in=ids).update(locked_until=until)
        return ids
    candidates = list(
        model.objects.filter(free & due).order_by(order).values_list("pk", flat=True)[:limit]
    )
    return [
        pk
        for pk in candidates
        if model.objects.filter(free & due, pk=pk).update(locked_until=until)
    ]


@transaction.atomic
def report_escalate(*, state_id: int) -> None:
    """Tell the next tier (or the fallback) about a report nobody acknowledged in time."""
    now = timezone.now()
    state = (
        RoutingState.objects.select_for_update()
        .select_related("report__placement__organization")
        .get(pk=state_id)
    )
    report = state.report
    state.locked_until = None
    if report.status != ReportStatus.NEW or state.acknowledged_at or state.escalate_at is None:
        state.escalate_at = None
        state.save()
        return
    if state.escalate_at > now:
        state.save()
        return
    plan = routing_plan(report=report)
    waited = now - state.tier_started_at
    state.tier_index += 1
    state.tier_started_at = now
    if state.tier_index < len(plan.tiers):
        tier = plan.tiers[state.tier_index]
        minutes = int(waited.total_seconds() // 60)
        for target in tier.targets:
            created = _tell(
                report, target, kind=EventKind.ESCALATED, purpose=DeliveryPurpose.ESCALATION
            )
            if not created:
                continue
        _event(
            report,
            EventKind.ESCALATED,
            None,
            _("Not acknowledged after %(minutes)s minutes: tier %(n)s is told.")
            % {"minutes": minutes, "n": state.tier_index + 1},
        )
        state.escalate_at = now + tier.acknowledge
    else:
        state.tier_index = len(plan.tiers)
        _to_fallback(report, state)
    state.save()
    _publish(report)


def escalations_process_due(*, limit: int = 50) -> int:
    """Escalate what is due, from the indexed due time. After a worker was down, everything
    overdue is due at once, so it catches up on start (one tier per round, each new tier then
    gets its full time)."""
    now = timezone.now()
    ids = _claim(RoutingState, Q(escalate_at__lte=now), "escalate_at", limit)
    for state_id in ids:
        try:
            report_escalate(state_id=state_id)
        except Exception:
            logger.exception("Escalation %s failed; it stays due", state_id)
    return len(ids)


# ----------------------------------------------------------------------- deliveries


def backoff_delay(attempts: int) -> timedelta:
    """Exponential backoff with jitter (between half and all of the doubling ceiling), so
    failing workers do not retry in lockstep."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))  # noqa: S311  # not crypto


def deliveries_claim(*, limit: int = 20) -> list[Delivery]:
    """Claim due deliveries for this worker. Safe with several workers running side by side."""
    ids = _claim(
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
    _event(
        report,
        EventKind.DELIVERY_FAILED,
        delivery.organization,
        _("A %(channel)s notification could not be delivered: %(error)s")
        % {"channel": delivery.get_channel_display(), "error": delivery.last_error[:150]},
    )
    if delivery.purpose == DeliveryPurpose.FAILURE_NOTICE:
        return  # a notice about a notice would never end
    admins = Membership.objects.filter(
        organization=delivery.organization, role=Role.ADMIN, user__is_active=True
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
    _publish(report)


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


# ------------------------------------------------------------------------ policies


def _tier(policy: RoutingPolicy, position: int, minutes: int, urgent_minutes: int) -> RoutingTier:
    return RoutingTier.objects.create(
        policy=policy,
        position=position,
        acknowledge_minutes=minutes,
        urgent_acknowledge_minutes=urgent_minutes,
    )


@transaction.atomic
def policy_create_default(*, organization: Organization) -> RoutingPolicy:
    """The organization's default policy, built from its sector if it has none yet.

    - school: its safety team (unit ``safety-team``) then the whole district organization;
      local law enforcement added when someone is in danger now;
    - hospital: its social work team (unit ``social-work``), then security (unit
      ``security``); law enforcement only when someone is in danger now (HIPAA-conscious),
      or when that team decides to refer the report;
    - public places (police, task forces, businesses): the law-enforcement agency whose area
      contains the place (or the owner when it is police) and the regional task force;
    - service organizations: themselves.
    """
    existing = RoutingPolicy.objects.filter(organization=organization, is_default=True).first()
    if existing:
        return existing
    sector = SECTOR_BY_KIND.get(organization.kind, Sector.PUBLIC_PLACE)
    policy = RoutingPolicy.objects.create(
        organization=organization,
        name=_("Default for %(sector)s") % {"sector": Sector(sector).label},
        sector=sector,
        is_default=True,
        police_when_urgent=sector in {Sector.SCHOOL, Sector.HOSPITAL},
    )
    units = {unit.slug: unit for unit in organization.units.all()}

    def add(
        tier: RoutingTier, *, unit: Unit | None = None, kind: str = TargetKind.ORGANIZATION
    ) -> None:
        TierRecipient.objects.create(
            tier=tier,
            kind=kind,
            organization=organization if kind == TargetKind.ORGANIZATION else None,
            unit=unit,
        )

    if sector == Sector.SCHOOL:
        first = _tier(policy, 1, 15, 5)
        safety = units.get(SCHOOL_SAFETY_UNIT)
        add(first, unit=safety)
        if safety:
            add(_tier(policy, 2, 30, 5))
    elif sector == Sector.HOSPITAL:
        first = _tier(policy, 1, 15, 5)
        add(first, unit=units.get(HOSPITAL_FIRST_UNIT))
        if units.get(HOSPITAL_FIRST_UNIT) and units.get(HOSPITAL_SECOND_UNIT):
            add(_tier(policy, 2, 15, 5), unit=units[HOSPITAL_SECOND_UNIT])
    elif sector == Sector.SERVICE:
        add(_tier(policy, 1, 30, 10))
    else:
        first = _tier(policy, 1, 15, 5)
        if organization.kind in POLICE_KINDS:
            add(first)
        else:
            add(first, kind=TargetKind.LOCAL_POLICE)
        add(first, kind=TargetKind.TASK_FORCE)
    return policy


@transaction.atomic
def placement_set_policy(*, placement: Any, policy: RoutingPolicy | None) -> PlacementRouting:
    if policy is not None and policy.organization_id != placement.organization_id:
        raise ValueError("A placement can only use a policy of its own organization.")
    routing, _ = PlacementRouting.objects.update_or_create(
        placement=placement, defaults={"policy": policy}
    )
    return routing


@transaction.atomic
def placement_set_location(
    *, placement: Any, latitude: float, longitude: float
) -> PlacementRouting:
    routing, _ = PlacementRouting.objects.update_or_create(
        placement=placement, defaults={"latitude": latitude, "longitude": longitude}
    )
    return routing


@transaction.atomic
def areas_import(
    *, organization: Organization, text: str | bytes, verified: bool, replace: bool = True
) -> list[OrganizationArea]:
    """Import an organization's areas from GeoJSON. All or nothing: any invalid polygon
    raises ValidationError and nothing is saved. Unverified areas wait for the operator."""
    from safepath.routing.areas import parse_areas

    parsed = parse_areas(text)
    if replace:
        OrganizationArea.objects.filter(organization=organization).delete()
    created = []
    for area in parsed:
        min_lon, min_lat, max_lon, max_lat = area.shape.bounds
        created.append(
            OrganizationArea.objects.create(
                organization=organization,
                name=area.name,
                geometry=area.geometry,
                size=area.shape.area,
                min_lon=min_lon,
                min_lat=min_lat,
                max_lon=max_lon,
                max_lat=max_lat,
                verified_at=timezone.now() if verified else None,
            )
        )
    return created


def areas_verify(*, organization: Organization) -> int:
    """The operator confirms an organization's pending areas; routing uses them from now on."""
    return OrganizationArea.objects.filter(
        organization=organization, verified_at__isnull=True
    ).update(verified_at=timezone.now())


@transaction.atomic
def webhook_create(*, organization: Organization, url: str) -> Webhook:
    from safepath.routing.webhooks import validate_webhook_url

    return Webhook.objects.create(organization=organization, url=validate_webhook_url(url))


@transaction.atomic
def responder_channels_set(
    *, membership: Membership, email: bool, phone: str, sms_always: bool
) -> ResponderChannels:
    channels, _ = ResponderChannels.objects.update_or_create(
        membership=membership, defaults={"email": email, "phone": phone, "sms_always": sms_always}
    )
    return channels


@transaction.atomic
def policy_update(
    *,
    policy: RoutingPolicy,
    name: str,
    tiers_text: str,
    police_when_urgent: bool,
    service_slugs: list[str],
) -> RoutingPolicy:
    """Replace a policy's settings and tiers. All or nothing: invalid tiers (a loop, a tier
    without a recipient, an unknown name) raise ValidationError and nothing is saved."""
    from django.core.exceptions import ValidationError

    from safepath.routing.policytext import parse_tiers

    name = name.strip()
    if not name:
        raise ValidationError(_("Give the policy a name."))
    tiers = parse_tiers(tiers_text)
    services = []
    for slug in service_slugs:
        organization = Organization.objects.filter(slug=slug).first()
        if organization is None or organization.kind in POLICE_KINDS:
            raise ValidationError(
                _("“%(slug)s” is not a service organization (police and task forces cannot be).")
                % {"slug": slug}
            )
        services.append(organization)
    policy.name = name[:120]
    policy.police_when_urgent = police_when_urgent
    policy.save()
    policy.service_organizations.set(services)
    policy.tiers.all().delete()
    for position, spec in enumerate(tiers, start=1):
        tier = _tier(policy, position, spec.minutes, spec.urgent_minutes)
        TierRecipient.objects.bulk_create(
            TierRecipient(tier=tier, kind=r.kind, organization=r.organization, unit=r.unit)
            for r in spec.recipients
        )
    return policy


@transaction.atomic
def policy_create(
    *, organization: Organization, name: str, sector: str, tiers_text: str
) -> RoutingPolicy:
    policy = RoutingPolicy(organization=organization, name=name[:120] or "-", sector=sector)
    policy.save()
    return policy_update(
        policy=policy, name=name, tiers_text=tiers_text, police_when_urgent=False, service_slugs=[]
    )
