"""Routing's answers to the reporter's side: who receives a report from a place (asked by
the landing page), and telling every recipient again when the reporter writes on a closed
or quiet report.

"Who receives" is computed from the same plan routing follows (``plan_with_policy`` and
``fallback_target``), so the page cannot promise less than routing does: every organization
any tier, an urgent answer, escalation or the deployment's fallback may tell. The reports
app asks through ``reports.signals.placement_recipients_wanted`` (it may not import routing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from safepath.accounts.models import Organization
from safepath.placements.models import Placement
from safepath.reports.models import RecipientPreference, Report, ReportPriority
from safepath.routing.models import (
    DeliveryPurpose,
    EventKind,
    ReportRecipient,
    RoutingEvent,
    RoutingPolicy,
)
from safepath.routing.plan import POLICE_KINDS, Target, fallback_target, plan_with_policy
from safepath.routing.selectors import policy_for_placement
from safepath.routing.telling import _queue, publish_report, timeline_event


@dataclass(frozen=True)
class PlaceRecipients:
    everyone: list[Organization]  # who may be told when the reporter lets anyone read it
    without_police: list[Organization]  # who may be told when she chooses "not police"

    @property
    def police_among(self) -> bool:
        return any(o.kind in POLICE_KINDS for o in self.everyone)


def _told(
    placement: Placement, preference: str, policy: RoutingPolicy | None
) -> list[Organization]:
    found: dict[int, Organization] = {}
    for priority in (ReportPriority.NORMAL, ReportPriority.URGENT):
        # An unsaved report with the facts to try: routing only reads them.
        probe = Report(placement=placement, priority=priority, recipient_preference=preference)
        for tier in plan_with_policy(report=probe, policy=policy).tiers:
            for target in tier.targets:
                found.setdefault(target.organization.pk, target.organization)
        fallback = fallback_target(report=probe)
        if fallback is not None:
            found.setdefault(fallback.organization.pk, fallback.organization)
    return list(found.values())


def recipients_for_placement(*, placement: Placement) -> PlaceRecipients:
    # One policy (and its tiers, read once) for the four plans the page needs.
    policy = policy_for_placement(placement=placement)
    return PlaceRecipients(
        everyone=_told(placement, RecipientPreference.EITHER, policy),
        without_police=_told(placement, RecipientPreference.SERVICE, policy),
    )


def on_placement_recipients_wanted(
    sender: Any, placement: Placement, **kwargs: Any
) -> PlaceRecipients:
    """Receiver of ``reports.signals.placement_recipients_wanted``."""
    return recipients_for_placement(placement=placement)


@transaction.atomic
def report_notify_reporter_wrote(*, report: Report, reopened: bool) -> int:
    """Tell every recipient again, like a new report (notifications carry no contents), and
    say so on the routing timeline."""
    timeline_event(
        report,
        EventKind.NOTE,
        None,
        _("The reporter wrote on a closed report: it is open again.")
        if reopened
        else _("The reporter wrote on a quiet report: recipients were told again."),
    )
    queued = 0
    for recipient in ReportRecipient.objects.filter(report=report).select_related("organization"):
        target = Target(recipient.organization, None, recipient.reason)
        queued += _queue(report, target, DeliveryPurpose.REPORT, again=True)
    publish_report(report)
    return queued


def on_report_reporter_wrote(sender: Any, report: Report, reopened: bool, **kwargs: Any) -> None:
    """Receiver of ``reports.signals.report_reporter_wrote`` (inside the reporter's write)."""
    report_notify_reporter_wrote(report=report, reopened=reopened)


def report_withdrawn_from(*, reference: str, organization_ids: list[int]) -> bool:
    """Whether the reporter took this report away from one of these organizations (she chose
    "not police" after they had received it). Only an organization that received it learns
    this; anyone else still gets a plain 404."""
    return RoutingEvent.objects.filter(
        report__reference=reference,
        kind=EventKind.REMOVED,
        organization_id__in=organization_ids,
    ).exists()
