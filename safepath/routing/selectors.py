"""Reads on routing: a placement's policy and place, jurisdictions, timelines, staff views."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from safepath.accounts.access import memberships_for, organizations_for
from safepath.accounts.models import Organization, User
from safepath.accounts.permissions import Capability, roles_with
from safepath.routing.models import (
    OrganizationArea,
    PlacementRouting,
    ReportRecipient,
    RoutingEvent,
    RoutingPolicy,
    Webhook,
)

if TYPE_CHECKING:
    from safepath.placements.models import Placement
    from safepath.reports.models import Report


def recipient_organization_ids(*, report: Report) -> list[int]:
    return list(
        ReportRecipient.objects.filter(report=report).values_list("organization_id", flat=True)
    )


def placement_coordinates(*, placement: Placement) -> tuple[float, float] | None:
    """Where a placement is, as (latitude, longitude), or None when nobody said.

    The placement holds its own coordinates, edited on the placement page and on the
    Routing page alike: there is no second copy for routing to disagree with.
    """
    latitude, longitude = placement.latitude, placement.longitude
    if latitude is not None and longitude is not None:
        return float(latitude), float(longitude)
    return None


def jurisdiction_for(
    *, latitude: float, longitude: float, kinds: Iterable[str]
) -> tuple[Organization, OrganizationArea] | None:
    """The organization of one of ``kinds`` whose area contains the point, the most specific
    area winning. "Most specific" is the smallest area: a city inside a county inside a state
    wins over both without anyone having to label levels."""
    candidates = OrganizationArea.objects.filter(
        verified_at__isnull=False,
        organization__kind__in=list(kinds),
        min_lon__lte=longitude,
        max_lon__gte=longitude,
        min_lat__lte=latitude,
        max_lat__gte=latitude,
    ).select_related("organization")
    areas = list(candidates.order_by("size", "pk"))
    if not areas:
        return None
    # Here, not at the top: shapely and numpy are 20 MB that a server process holds only once
    # a report is routed by area (issue 16: at most 150 MB per process).
    from shapely.geometry import Point, shape

    point = Point(longitude, latitude)
    best: OrganizationArea | None = None
    for area in areas:
        if shape(area.geometry).covers(point):
            best = area
            break
    return (best.organization, best) if best else None


def policy_for_placement(*, placement: Placement) -> RoutingPolicy | None:
    """The placement's explicit policy, else its owner's default (None if it has none yet)."""
    routing = PlacementRouting.objects.filter(placement=placement).select_related("policy").first()
    if routing and routing.policy_id:
        return routing.policy
    return RoutingPolicy.objects.filter(
        organization_id=placement.organization_id, is_default=True
    ).first()


def routing_timeline(*, report: Report) -> QuerySet[RoutingEvent]:
    return RoutingEvent.objects.filter(report=report).select_related("organization")


def admin_organization_ids(*, user: User | AnonymousUser) -> set[int]:
    managers = roles_with(Capability.ROUTING_MANAGE)
    return {m.organization_id for m in memberships_for(user) if m.role in managers}


def policies_for_member(*, user: User | AnonymousUser) -> QuerySet[RoutingPolicy]:
    return (
        RoutingPolicy.objects.filter(organization__in=organizations_for(user))
        .select_related("organization")
        .prefetch_related("tiers__recipients__organization", "tiers__recipients__unit")
    )


def get_policy_for_member(*, user: User | AnonymousUser, pk: int) -> RoutingPolicy:
    """A policy of one of the user's organizations; 404 if missing or another tenant's."""
    try:
        return policies_for_member(user=user).get(pk=pk)
    except RoutingPolicy.DoesNotExist:
        raise Http404 from None


def webhooks_for_member(*, user: User | AnonymousUser) -> QuerySet[Webhook]:
    return Webhook.objects.filter(organization__in=organizations_for(user)).select_related(
        "organization"
    )


def areas_for_member(*, user: User | AnonymousUser) -> QuerySet[OrganizationArea]:
    return OrganizationArea.objects.filter(organization__in=organizations_for(user)).select_related(
        "organization"
    )
