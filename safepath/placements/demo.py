"""Demo details for the seeded placements, so `make run` shows what placements can do.

Idempotent like the rest of seed_demo: details are set to the same values every time, a
unit is created once, one placement has its code replaced once (its old code then shows the
"retired code scanned" count) and past hourly scan counts are added once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from safepath.accounts.demo import DEMO_ORGANIZATIONS
from safepath.accounts.models import Organization, Unit
from safepath.placements.models import Placement, ScanCount, SiteType
from safepath.placements.services import placement_count, placement_replace_code


@dataclass(frozen=True)
class DemoDetails:
    site_type: str
    address: str
    latitude: str
    longitude: str
    languages: tuple[str, ...]
    unit: tuple[str, str] | None = None  # (slug, name)
    replace_code: bool = False
    checked_days_ago: int | None = 7


DEMO_DETAILS: dict[str, DemoDetails] = {
    "Riverside bus station, restroom by gate 4": DemoDetails(
        SiteType.TRANSIT,
        "400 Depot Street, Riverside",
        "38.581572",
        "-121.494400",
        ("en", "es", "ar"),
        unit=("transit", "Transit unit"),
    ),
    "Riverside Inn, lobby restroom": DemoDetails(
        SiteType.RESTROOM,
        "12 River Road, Riverside",
        "38.574100",
        "-121.480200",
        ("en", "vi", "zh-hans"),
        unit=("transit", "Transit unit"),
        replace_code=True,
        checked_days_ago=120,  # overdue: shows on the "due for a check" list
    ),
    "Emergency department, waiting room restroom": DemoDetails(
        SiteType.WAITING_ROOM,
        "1 Hospital Drive, Riverside",
        "38.560300",
        "-121.450900",
        ("en", "es"),
        unit=("emergency", "Emergency department social work"),
    ),
    "Women's clinic, exam room 3": DemoDetails(
        SiteType.EXAM_ROOM,
        "1 Hospital Drive, Building C, Riverside",
        "38.561000",
        "-121.449800",
        ("es", "ar", "en"),
        checked_days_ago=None,
    ),
    "Lincoln High, counseling office": DemoDetails(
        SiteType.COUNSELING_OFFICE,
        "1200 Lincoln Avenue, Maple",
        "44.931000",
        "-93.120000",
        ("en", "es"),
        unit=("lincoln-high", "Lincoln High School"),
    ),
    "Washington Middle, restroom by the gym": DemoDetails(
        SiteType.RESTROOM,
        "85 Washington Street, Maple",
        "44.925000",
        "-93.130000",
        ("en", "es"),
        unit=("washington-middle", "Washington Middle School"),
    ),
}


def _past_hour(hours_ago: int) -> datetime:
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    return now - timedelta(hours=hours_ago)


@transaction.atomic
def seed_placement_details(*, placement: Placement, organization: Organization) -> None:
    details = DEMO_DETAILS.get(placement.public_name)
    if details is None:
        return
    unit = None
    if details.unit:
        unit, _ = Unit.objects.get_or_create(
            organization=organization, slug=details.unit[0], defaults={"name": details.unit[1]}
        )
    today = timezone.localdate()
    Placement.objects.filter(pk=placement.pk).update(
        site_type=details.site_type,
        address=details.address,
        latitude=details.latitude,
        longitude=details.longitude,
        languages=list(details.languages),
        unit=unit,
        installed_on=date(today.year - 1, 9, 1),
        last_checked_on=(
            today - timedelta(days=details.checked_days_ago)
            if details.checked_days_ago is not None
            else None
        ),
    )
    placement.refresh_from_db()
    if details.replace_code and not placement.retired_codes.exists():
        placement_replace_code(placement=placement, actor=None, reason="demo: torn poster")
        placement_count(placement=placement, counter="retired_code_scans")
    if not ScanCount.objects.filter(placement=placement).exists():
        # A plausible day of numbers in past hours (never the current one, which live scans use).
        for hours_ago in range(1, 25):
            scans = (placement.pk * 7 + hours_ago * 3) % 5
            if scans:
                ScanCount.objects.create(
                    placement=placement,
                    hour=_past_hour(hours_ago),
                    scans=scans,
                    reports_started=1 if scans >= 4 else 0,
                    reports_answered=1 if scans >= 4 else 0,
                )


def seed_placements(summary: dict[str, list[dict[str, Any]]]) -> None:
    """The demo organizations' placements with their details (registered with core.demo)."""
    for spec in DEMO_ORGANIZATIONS:
        organization = Organization.objects.get(slug=spec.slug)
        for public_name in spec.placements:
            placement = Placement.objects.filter(
                organization=organization, public_name=public_name
            ).first() or Placement.objects.create(
                organization=organization, public_name=public_name
            )
            seed_placement_details(placement=placement, organization=organization)
            placement.refresh_from_db()
            summary["placements"].append(
                {
                    "code": placement.code,
                    "public_name": placement.public_name,
                    "scan_url": f"{settings.BASE_URL}/Q/{placement.code}",
                    "organization": organization.slug,
                }
            )
