"""Who should receive a report, tier by tier: the routing plan (reads only).

Deciding who receives a report, telling them, and escalating when nobody answers.

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
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _

from safepath.accounts.models import (
    Organization,
    OrganizationKind,
    Unit,
    kinds_in_family,
)
from safepath.reports.models import RecipientPreference, Report, ReportPriority
from safepath.routing.models import (
    RoutingPolicy,
    RoutingTier,
    Sector,
    TargetKind,
    TierRecipient,
)
from safepath.routing.selectors import (
    jurisdiction_for,
    placement_coordinates,
    policy_for_placement,
)

logger = logging.getLogger(__name__)

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


def _tiers(policy: RoutingPolicy) -> list[RoutingTier]:
    """The policy's tiers with their recipients, read once per policy object: the landing
    page plans four times (normal and urgent, with and without police) from one policy."""
    if "tiers" not in getattr(policy, "_prefetched_objects_cache", {}):
        prefetch_related_objects(
            [policy], "tiers__recipients__organization", "tiers__recipients__unit"
        )
    return list(policy.tiers.all())


def routing_plan(*, report: Report) -> Plan:
    """Who should receive ``report``, tier by tier, given its current facts. Reads only."""
    return plan_with_policy(report=report, policy=policy_for_placement(placement=report.placement))


def plan_with_policy(*, report: Report, policy: RoutingPolicy | None) -> Plan:
    """``routing_plan`` with the placement's policy (``policy_for_placement``) already read."""
    urgent = report.priority == ReportPriority.URGENT
    services_only = report.recipient_preference == RecipientPreference.SERVICE
    plan = Plan(policy=policy, tiers=[])
    tiers = _tiers(policy) if policy else []
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

    # A recipient is told once, in the first tier that names it, so a policy cannot loop.
    # A recipient is an organization's unit or the whole organization: a later tier naming
    # another unit of an organization already told (social work, then security; a school's
    # safety team, then the whole district) is an escalation, not a repeat. Once the whole
    # organization was named, its units add nobody new.
    seen: set[tuple[int, int | None]] = set()
    for plan_tier in plan.tiers:
        unique = []
        for target in plan_tier.targets:
            organization_id = target.organization.pk
            key = (organization_id, target.unit.pk if target.unit else None)
            if key in seen or (organization_id, None) in seen:
                continue
            seen.add(key)
            unique.append(target)
        plan_tier.targets = unique
    owner = report.placement.organization
    if report.is_drill:
        # A drill never leaves the organization that runs it.
        for plan_tier in plan.tiers:
            plan_tier.targets = [t for t in plan_tier.targets if t.organization.pk == owner.pk]
    plan.tiers = [plan_tier for plan_tier in plan.tiers if plan_tier.targets]
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
    if report.is_drill:
        return None  # a drill never leaves its organization
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
