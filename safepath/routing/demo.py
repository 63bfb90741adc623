"""Demo routing for ``seed_demo``: policies, a service organization, a task force, an area.

Idempotent: run again, it updates the same rows.
"""

from __future__ import annotations

import json
from typing import Any

from safepath.accounts.models import Organization, Unit
from safepath.placements.models import Placement
from safepath.routing.models import OrganizationArea
from safepath.routing.services import (
    areas_import,
    placement_set_location,
    policy_create_default,
    policy_update,
)

# Riverside's city limits and the task force's region, as squares (lon, lat) around the
# made-up city where the demo placements stand (placements/demo.py); they sit inside both.
CITY = (-121.47, 38.57, 0.08)
REGION = (-121.47, 38.57, 0.60)


def _square(lon: float, lat: float, half: float) -> dict:
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def _areas(organization: Organization, name: str, box: tuple[float, float, float]) -> None:
    geometry = _square(*box)
    if OrganizationArea.objects.filter(organization=organization, geometry=geometry).exists():
        return
    document = {"type": "Feature", "properties": {"name": name}, "geometry": geometry}
    areas_import(organization=organization, text=json.dumps(document), verified=True)


def seed_routing() -> None:
    riverside = Organization.objects.get(slug="riverside-pd")
    hospital = Organization.objects.get(slug="st-brigid-hospital")
    task_force = Organization.objects.get(slug="metro-task-force")
    shelter = Organization.objects.get(slug="harbor-shelter")

    _areas(riverside, "City of Riverside", CITY)
    _areas(task_force, "Metro region", REGION)
    # Riverside placements the placements demo gave no coordinates: somewhere in the city.
    for index, placement in enumerate(
        Placement.objects.filter(organization=riverside, latitude__isnull=True).order_by("pk")
    ):
        placement_set_location(
            placement=placement, latitude=38.57 + 0.005 * index, longitude=-121.47
        )

    police = policy_create_default(organization=riverside)
    district = Organization.objects.filter(slug="maple-county-schools").first()
    if district is not None:
        # Tier 1 the district safety team, tier 2 the whole district (the sector default).
        policy_create_default(organization=district)

    for slug, name in (("social-work", "Social work"), ("security", "Security")):
        Unit.objects.update_or_create(organization=hospital, slug=slug, defaults={"name": name})
    clinic = policy_create_default(organization=hospital)
    policy_update(
        policy=clinic,
        name="Hospital (HIPAA-conscious)",
        tiers_text="15/5: st-brigid-hospital/social-work\n15/5: st-brigid-hospital/security",
        police_when_urgent=True,
        service_slugs=[shelter.slug],
    )
    policy_update(
        policy=police,
        name="Public places",
        tiers_text="15/5: riverside-pd\n30/10: @task-force",
        police_when_urgent=False,
        service_slugs=[shelter.slug],
    )


def seed_routing_demo(summary: dict[str, list[dict[str, Any]]]) -> None:
    """Registered with core.demo: areas, locations and policies of the demo organizations."""
    seed_routing()
