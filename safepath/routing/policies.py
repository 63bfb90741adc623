"""Configuring routing: policies and their tiers, placements' routing and location,
jurisdiction areas, webhooks and responders' channels.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safepath.accounts.models import (
    Membership,
    Organization,
    Unit,
)
from safepath.placements.services import placement_update
from safepath.routing.models import (
    OrganizationArea,
    PlacementRouting,
    ResponderChannels,
    RoutingPolicy,
    RoutingTier,
    Sector,
    TargetKind,
    TierRecipient,
    Webhook,
)
from safepath.routing.plan import (
    HOSPITAL_FIRST_UNIT,
    HOSPITAL_SECOND_UNIT,
    POLICE_KINDS,
    SCHOOL_SAFETY_UNIT,
    SECTOR_BY_KIND,
)
from safepath.routing.recipients import routing_changed

logger = logging.getLogger(__name__)

# ------------------------------------------------------------------------ policies


def _tier(policy: RoutingPolicy, position: int, minutes: int, urgent_minutes: int) -> RoutingTier:
    return RoutingTier.objects.create(
        policy=policy,
        position=position,
        acknowledge_minutes=minutes,
        urgent_acknowledge_minutes=urgent_minutes,
    )


@transaction.atomic
def police_when_urgent_by_default(sector: str) -> bool:
    """Whether a new policy of ``sector`` adds police when someone is in danger now.

    Schools and hospitals route to their own teams first and add police only for urgent
    reports; public places route to police anyway. Every way of making a policy (the
    organization's default, the New policy form) starts from this same rule.
    """
    return sector in {Sector.SCHOOL, Sector.HOSPITAL}


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
        police_when_urgent=police_when_urgent_by_default(sector),
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
    *, placement: Any, latitude: float, longitude: float, actor: Any = None
) -> None:
    """Set where a placement is: on the placement itself, the one copy routing reads."""
    placement_update(
        placement=placement,
        actor=actor,
        changes={
            "latitude": Decimal(f"{latitude:.6f}"),
            "longitude": Decimal(f"{longitude:.6f}"),
        },
    )


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


def area_verify(*, area: OrganizationArea) -> OrganizationArea:
    """The operator confirms one area; routing uses it from now on."""
    if area.verified_at is None:
        area.verified_at = timezone.now()
        area.save(update_fields=["verified_at"])
    return area


def area_refuse(*, area: OrganizationArea) -> None:
    """The operator refuses an area (wrong place, too wide): it is removed, never used."""
    area.delete()


def areas_verify(*, organization: Organization) -> int:
    """The operator confirms an organization's pending areas; routing uses them from now on."""
    verified = OrganizationArea.objects.filter(
        organization=organization, verified_at__isnull=True
    ).update(verified_at=timezone.now())
    routing_changed()  # an update sends no post_save
    return verified


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
    routing_changed()  # bulk_create sends no post_save
    return policy


@transaction.atomic
def policy_create(
    *, organization: Organization, name: str, sector: str, tiers_text: str
) -> RoutingPolicy:
    policy = RoutingPolicy(organization=organization, name=name[:120] or "-", sector=sector)
    policy.save()
    return policy_update(
        policy=policy,
        name=name,
        tiers_text=tiers_text,
        police_when_urgent=police_when_urgent_by_default(sector),
        service_slugs=[],
    )
