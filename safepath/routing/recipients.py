"""Who receives a report from a place, as the reporter's landing page tells it.

Read only, and computed from the same plan routing follows (``routing_plan`` and
``fallback_target``), so the page cannot promise less than routing does: every organization
any tier, an urgent answer, escalation or the deployment's fallback may tell. Kept apart
from ``services`` (which writes) so the reporter's side only reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from safepath.accounts.models import Organization
from safepath.placements.models import Placement
from safepath.reports.models import RecipientPreference, Report, ReportPriority
from safepath.routing.services import POLICE_KINDS, fallback_target, routing_plan


@dataclass(frozen=True)
class PlaceRecipients:
    everyone: list[Organization]  # who may be told when the reporter lets anyone read it
    without_police: list[Organization]  # who may be told when she chooses "not police"

    @property
    def police_among(self) -> bool:
        return any(o.kind in POLICE_KINDS for o in self.everyone)


def _told(placement: Placement, preference: str) -> list[Organization]:
    found: dict[int, Organization] = {}
    for priority in (ReportPriority.NORMAL, ReportPriority.URGENT):
        # An unsaved report with the facts to try: routing only reads them.
        probe = Report(placement=placement, priority=priority, recipient_preference=preference)
        for tier in routing_plan(report=probe).tiers:
            for target in tier.targets:
                found.setdefault(target.organization.pk, target.organization)
        fallback = fallback_target(report=probe)
        if fallback is not None:
            found.setdefault(fallback.organization.pk, fallback.organization)
    return list(found.values())


def recipients_for_placement(*, placement: Placement) -> PlaceRecipients:
    return PlaceRecipients(
        everyone=_told(placement, RecipientPreference.EITHER),
        without_police=_told(placement, RecipientPreference.SERVICE),
    )


def report_withdrawn_from(*, reference: str, organization_ids: list[int]) -> bool:
    """Whether the reporter took this report away from one of these organizations (she chose
    "not police" after they had received it). Only an organization that received it learns
    this; anyone else still gets a plain 404."""
    from safepath.routing.models import EventKind, RoutingEvent

    return RoutingEvent.objects.filter(
        report__reference=reference,
        kind=EventKind.REMOVED,
        organization_id__in=organization_ids,
    ).exists()
