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

from django.core.cache import cache
from django.db import connection, transaction
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


# Who receives a report from a place is asked by every scan's landing page, and working it
# out reads the policy, its tiers, recipients, organizations and jurisdiction areas (11
# queries, about 8 ms of a server's CPU): it was the costliest part of opening a code. The
# answer is kept in the cache, stamped with routing's generation, a number that every change
# to what the answer depends on moves on (after its commit; see ``routing_changed``): a
# stamp that is not the current generation is worked out again. The entry also expires
# after PLACE_RECIPIENTS_SECONDS, a bound for a change nothing announced (a bulk update
# outside routing's services; without Redis, a change made by another process).
PLACE_RECIPIENTS_SECONDS = 60


def _keys(placement_pk: int) -> tuple[str, str]:
    # Named after the database: deployments sharing one Redis never read each other's.
    database = connection.settings_dict["NAME"]
    return f"routing:generation:{database}", f"routing:place:{database}:{placement_pk}"


def _advance_generation() -> None:
    generation_key, _ = _keys(0)
    try:
        cache.incr(generation_key)
    except ValueError:  # no generation yet (or it was evicted): any new number will do
        if not cache.add(generation_key, 1, timeout=None):
            cache.incr(generation_key)


def routing_changed() -> None:
    """Something the landing page's "who receives" answer depends on changed: every place's
    answer is worked out again, once this transaction commits (before it, a page would work
    out and keep the old answer under the new generation)."""
    transaction.on_commit(_advance_generation)


def place_recipients(*, placement: Placement) -> PlaceRecipients:
    """``recipients_for_placement``, from the cache while routing has not changed."""
    generation_key, key = _keys(placement.pk)
    found = cache.get_many([generation_key, key])
    generation = found.get(generation_key, 0)
    kept = found.get(key)
    if kept is not None and kept[0] == generation:
        recipients: PlaceRecipients = kept[1]  # what was stored below
        return recipients
    recipients = recipients_for_placement(placement=placement)
    # Stamped with the generation read before working it out: a change committed meanwhile
    # has moved the generation on, so this entry is never taken for the newer answer.
    cache.set(key, (generation, recipients), PLACE_RECIPIENTS_SECONDS)
    return recipients


def on_placement_recipients_wanted(
    sender: Any, placement: Placement, **kwargs: Any
) -> PlaceRecipients:
    """Receiver of ``reports.signals.placement_recipients_wanted``."""
    return place_recipients(placement=placement)


def on_routing_input_changed(sender: Any, **kwargs: Any) -> None:
    """Receiver of post_save, post_delete and m2m_changed for every model the answer reads
    (connected in ``RoutingConfig.ready``)."""
    if kwargs.get("raw"):  # loading fixtures
        return
    routing_changed()


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
