"""Writes on placements and their scan counters."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from safepath.accounts.models import Organization
from safepath.core.live import publish_to_organizations
from safepath.placements.models import Placement, ScanCount


@transaction.atomic
def placement_create(*, organization: Organization, public_name: str) -> Placement:
    placement = Placement(organization=organization, public_name=public_name.strip())
    placement.full_clean()
    placement.save()
    return placement


COUNTERS = frozenset({"scans", "reports_started", "reports_answered", "followups"})


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def placement_count(*, placement: Placement, counter: str) -> None:
    """Add one to this hour's ``counter`` for the placement: a number, nothing about a person."""
    if counter not in COUNTERS:
        raise ValueError(f"Unknown placement counter: {counter}")
    hour = _hour(timezone.now())
    with transaction.atomic():
        updated = ScanCount.objects.filter(placement=placement, hour=hour).update(
            **{counter: F(counter) + 1}
        )
        if not updated:
            try:
                with transaction.atomic():
                    ScanCount.objects.create(placement=placement, hour=hour, **{counter: 1})
            except IntegrityError:
                # Another request created this hour's row first: count on top of it.
                ScanCount.objects.filter(placement=placement, hour=hour).update(
                    **{counter: F(counter) + 1}
                )


def placement_record_scan(*, placement: Placement) -> None:
    """Count one scan and tell the organization's dashboards that the code was scanned."""
    with transaction.atomic():
        placement_count(placement=placement, counter="scans")
        publish_to_organizations(
            [placement.organization_id],
            {"kind": "scan", "placement": placement.public_name, "code": placement.code},
        )
