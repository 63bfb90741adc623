"""Reads on placements, always scoped to the member's organizations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from safepath.accounts.access import memberships_for, organizations_for
from safepath.accounts.models import Organization, Unit, User
from safepath.accounts.permissions import Capability, roles_with
from safepath.core.codes import normalize_code
from safepath.placements.models import (
    Placement,
    PlacementStatus,
    PosterBatch,
    ScanCount,
)

# Roles that may create, edit, retire and import placements. Everyone else in the
# organization may look, print and confirm a poster is still there.
MANAGER_ROLES = roles_with(Capability.PLACEMENT_MANAGE)

# Placements (internal notes, exact places, codes) are for the roles that pass the second
# factor; analysts and auditors do not see them.
PLACEMENT_ROLES = roles_with(Capability.PLACEMENT_VIEW)


def placements_for_member(*, user: User | AnonymousUser) -> QuerySet[Placement]:
    return Placement.objects.filter(
        organization__in=organizations_for(user, roles=PLACEMENT_ROLES)
    ).select_related("organization", "unit")


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
    return (
        Placement.objects.filter(code=normalized)
        .exclude(status=PlacementStatus.RETIRED)
        .select_related("organization")
        .first()
    )


def recent_scans_for_member(*, user: User | AnonymousUser, hours: int = 24) -> QuerySet[ScanCount]:
    since = timezone.now() - timedelta(hours=hours)
    return (
        ScanCount.objects.filter(
            placement__organization__in=organizations_for(user, roles=PLACEMENT_ROLES),
            hour__gte=since,
        )
        .select_related("placement")
        .order_by("-hour", "placement__public_name")
    )


# Permissions -------------------------------------------------------------------------------


def organizations_managed_by(*, user: User | AnonymousUser) -> QuerySet[Organization]:
    """The organizations whose placements this user may create, edit, retire and import."""
    if not user.is_authenticated or not user.is_active:
        return Organization.objects.none()
    # One filter() call, so both conditions apply to the same membership row.
    return Organization.objects.filter(
        memberships__user_id=user.pk, memberships__role__in=MANAGER_ROLES
    )


def can_manage_placements(*, user: User | AnonymousUser, organization_id: int) -> bool:
    return any(
        m.organization_id == organization_id and m.role in MANAGER_ROLES
        for m in memberships_for(user)
    )


def require_placement_manager(*, user: User | AnonymousUser, placement: Placement) -> None:
    """Raise 403 for a member who may look but not change (a 404 was already given to others)."""
    if not can_manage_placements(user=user, organization_id=placement.organization_id):
        raise PermissionDenied(_("Only administrators and supervisors can change placements."))


def units_for_member(*, user: User | AnonymousUser) -> QuerySet[Unit]:
    return Unit.objects.filter(
        organization__in=organizations_for(user, roles=PLACEMENT_ROLES)
    ).select_related("organization")


# Lists -------------------------------------------------------------------------------------


def check_cutoff(today: date | None = None) -> date:
    return (today or timezone.localdate()) - timedelta(days=settings.PLACEMENT_CHECK_DAYS)


def placements_due_for_check(*, user: User | AnonymousUser) -> QuerySet[Placement]:
    """Hanging placements nobody has confirmed within PLACEMENT_CHECK_DAYS (never: by install)."""
    cutoff = check_cutoff()
    stale = (
        Q(last_checked_on__lt=cutoff)
        | Q(last_checked_on__isnull=True, installed_on__lt=cutoff)
        | Q(
            last_checked_on__isnull=True,
            installed_on__isnull=True,
            created_at__date__lt=cutoff,
        )
    )
    return (
        placements_for_member(user=user)
        .exclude(status=PlacementStatus.RETIRED)
        .filter(stale)
        .order_by("last_checked_on", "public_name")
    )


def is_due_for_check(placement: Placement) -> bool:
    if placement.status == PlacementStatus.RETIRED:
        return False
    seen = placement.last_checked_on or placement.installed_on or placement.created_at.date()
    return seen < check_cutoff()


@dataclass(frozen=True)
class ScanTotals:
    scans: int
    reports_started: int
    reports_answered: int
    followups: int
    retired_code_scans: int


def scan_totals(*, placement: Placement, days: int = 30) -> ScanTotals:
    since = timezone.now() - timedelta(days=days)
    sums = ScanCount.objects.filter(placement=placement, hour__gte=since).aggregate(
        scans=Sum("scans"),
        reports_started=Sum("reports_started"),
        reports_answered=Sum("reports_answered"),
        followups=Sum("followups"),
        retired_code_scans=Sum("retired_code_scans"),
    )
    return ScanTotals(**{key: value or 0 for key, value in sums.items()})


def recent_hours(*, placement: Placement, limit: int = 48) -> QuerySet[ScanCount]:
    return ScanCount.objects.filter(placement=placement).order_by("-hour")[:limit]


# Batches -----------------------------------------------------------------------------------


def batches_for_member(*, user: User | AnonymousUser) -> QuerySet[PosterBatch]:
    # The PDF itself can be large: never load it for a list.
    return (
        PosterBatch.objects.filter(organization__in=organizations_for(user, roles=PLACEMENT_ROLES))
        .defer("pdf")
        .select_related("organization", "requested_by")
    )


def get_batch_for_member(*, user: User | AnonymousUser, pk: int) -> PosterBatch:
    try:
        return batches_for_member(user=user).get(pk=pk)
    except PosterBatch.DoesNotExist:
        raise Http404 from None
