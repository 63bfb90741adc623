"""Routing a report, re-routing it when its facts change, acknowledgement and escalation.

Everything here writes rows inside the caller's transaction (the report's own): the
reporter's answer, its recipients, its escalation time and its notifications commit together.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from safepath.accounts.models import (
    Membership,
    User,
)
from safepath.accounts.permissions import Capability, roles_with
from safepath.reports.models import RecipientPreference, Report, ReportStatus
from safepath.routing.models import (
    Delivery,
    DeliveryPurpose,
    DeliveryStatus,
    EventKind,
    ReportRecipient,
    RoutingState,
)
from safepath.routing.plan import POLICE_KINDS, fallback_target, routing_plan
from safepath.routing.policies import policy_create_default
from safepath.routing.telling import claim_rows, publish_report, tell_target, timeline_event

logger = logging.getLogger(__name__)

# ----------------------------------------------------------------------- routing


@transaction.atomic
def report_route(*, report: Report, fresh: bool = False) -> None:
    """Record who receives ``report``, queue their notifications and its escalation, all in the
    caller's transaction (the report's own): once the reporter is told the answer was saved,
    the responders are certain to hear of it.

    ``fresh``: the report was created in this transaction (its first answer), so it has no
    recipients or deliveries yet, and routing does not read for them."""
    now = timezone.now()
    plan = routing_plan(report=report)
    if plan.policy is None:
        # The organization's first report: its sector's default policy, then its plan.
        policy_create_default(organization=report.placement.organization)
        plan = routing_plan(report=report)
    for note in plan.notes:
        timeline_event(report, EventKind.NOTE, None, note)
    # Its escalation time is known now: one INSERT, not an INSERT and an UPDATE.
    state = RoutingState.objects.create(
        report=report,
        policy=plan.policy,
        tier_started_at=now,
        escalate_at=now + plan.tiers[0].acknowledge if plan.tiers else None,
    )
    if plan.tiers:
        told: set[int] = set()
        for target in plan.tiers[0].targets:
            # An organization named twice in a tier (two of its units) is new only once.
            first = fresh and target.organization.pk not in told
            told.add(target.organization.pk)
            tell_target(
                report, target, kind=EventKind.ROUTED, purpose=DeliveryPurpose.REPORT, fresh=first
            )
    else:
        # Nothing in the policy applies (e.g. "not police" at a police-only place): the
        # fallback or hotline now rather than nobody.
        _to_fallback(report, state)
        state.save()
    publish_report(report)


def _to_fallback(report: Report, state: RoutingState) -> None:
    target = fallback_target(report=report)
    state.escalate_at = None
    if target is None:
        logger.error("Report %s has nobody left to escalate to: configure a fallback", report.pk)
        timeline_event(report, EventKind.NOTE, None, _("No fallback organization is configured."))
        return
    tell_target(report, target, kind=EventKind.FALLBACK, purpose=DeliveryPurpose.ESCALATION)


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
            timeline_event(report, EventKind.REMOVED, recipient.organization, reason)
            removed.append(recipient.organization_id)
            recipient.delete()
    told = plan.tiers[: state.tier_index + 1]
    for tier in told:
        for target in tier.targets:
            tell_target(report, target, kind=EventKind.ROUTED, purpose=DeliveryPurpose.REPORT)
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
    publish_report(report, removed)


def on_report_started(sender: Any, report: Report, **kwargs: Any) -> None:
    """Receiver of ``reports.signals.report_started`` (sent inside the report's transaction)."""
    report_route(report=report, fresh=True)


def on_report_facts_changed(
    sender: Any, report: Report, changed: set[str] | None = None, **kwargs: Any
) -> None:
    """Receiver of ``reports.signals.report_facts_changed``, sent inside the answer's own
    transaction: the re-route commits with the answer or not at all."""
    report_reroute(report=report, changed=set(changed or ()))


# ------------------------------------------------------------------- acknowledgement


# Kept under its old name for callers; the roles come from the permission table.
ACKNOWLEDGING_ROLES = roles_with(Capability.REPORT_ACT)


def on_report_acknowledged(sender: Any, report: Report, user: User, **kwargs: Any) -> None:
    """Receiver of ``reports.signals.report_acknowledged`` (sent inside the acknowledging
    transaction): stop escalating and record it on the routing timeline."""
    now = timezone.now()
    RoutingState.objects.filter(report=report).update(
        escalate_at=None, acknowledged_at=now, acknowledged_by=user
    )
    membership = (
        Membership.objects.filter(user=user, organization__received_reports__report=report)
        .select_related("organization")
        .first()
    )
    organization = membership.organization if membership else None
    timeline_event(
        report,
        EventKind.ACKNOWLEDGED,
        organization,
        _("Acknowledged by %(name)s.") % {"name": user.get_full_name() or user.email},
    )


# ----------------------------------------------------------------------- escalation


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
            created = tell_target(
                report, target, kind=EventKind.ESCALATED, purpose=DeliveryPurpose.ESCALATION
            )
            if not created:
                continue
        timeline_event(
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
    publish_report(report)


def escalations_process_due(*, limit: int = 50) -> int:
    """Escalate what is due, from the indexed due time. After a worker was down, everything
    overdue is due at once, so it catches up on start (one tier per round, each new tier then
    gets its full time)."""
    now = timezone.now()
    ids = claim_rows(RoutingState, Q(escalate_at__lte=now), "escalate_at", limit)
    for state_id in ids:
        try:
            report_escalate(state_id=state_id)
        except Exception:
            logger.exception("Escalation %s failed; it stays due", state_id)
    return len(ids)
