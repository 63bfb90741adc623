"""Reads on placements, always scoped to the member's organizations."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from safepath.accounts.access import organizations_for
from safepath.accounts.models import User
from safepath.core.codes import normalize_code
from safepath.placements.models import Placement, ScanCount


def placements_for_member(*, user: User | AnonymousUser) -> QuerySet[Placement]:
    return Placement.objects.filter(organization__in=organizations_for(user)).select_related(
        "organization"
    )


def get_placement_for_member(*, user: User | AnonymousUser, code: str) -> Placement:
    """The member's placement with this code; 404 if it is missing or another tenant's."""
    normalized = normalize_code(code)
    if normalized is None:
        raise Http404
    try:
        return placements_for_member(user=user).get(code=normalized)
    except Placement.DoesNotExist:
        raise Http404 from None


def get_placement_for_scan(*, code: str) -> Placement | None:
    """The placement a public scan refers to, or None for an unknown or retired code."""
    normalized = normalize_code(code)
    if normalized is None:
        return None
    return Placement.objects.filter(code=normalized).select_related("organization").first()


def recent_scans_for_member(*, user: User | AnonymousUser, hours: int = 24) -> QuerySet[ScanCount]:
    since = timezone.now() - timedelta(hours=hours)
    return (
        ScanCount.objects.filter(
            placement__organization__in=organizations_for(user), hour__gte=since
        )
        .select_related("placement")
        .order_by("-hour", "placement__public_name")
    )
