"""Demo counters and reports, so `make run` shows real pictures on /analytics/.

Four months of hourly counters for every demo placement, shaped like a city's week (quiet
nights, busy evenings, a livelier weekend at transit stops), a cluster of busy stops around
the Riverside bus station that the hotspot statistic finds, and one stop whose scans jumped
in the last week. A few dozen past reports give response times, escalations and outcomes.

Idempotent: counters are added only where a placement has none older than two days, and
reports only while the organization has fewer than the demo number of past reports.
"""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from safepath.accounts.models import Organization, Unit, User
from safepath.cases.models import Outcome
from safepath.cases.services import report_set_status
from safepath.placements.models import Placement, ScanCount, SiteType
from safepath.reports.models import Report, ReportPriority
from safepath.reports.services import report_start
from safepath.routing.models import Delivery, EventKind, RoutingEvent, RoutingState

DAYS = 120
DEMO_REPORTS = 40
# Around the Riverside bus station: stops that make a map worth looking at.
STOP_NAMES = (
    "Light rail stop, 7th and K",
    "Light rail stop, 8th and O",
    "Greyhound waiting area",
    "Amtrak concourse restroom",
    "Truck stop, I-5 exit 519",
    "Motel 6, lobby",
    "Capitol Inn, restroom",
    "Riverside mall, food court restroom",
    "Public library, ground floor",
    "Laundromat, Broadway",
    "Gas station, Richards Blvd",
    "Youth center, lobby",
    "Urgent care, waiting room",
    "Community college, student union",
    "Park and ride, Watt Ave",
    "Old Town bus shelter",
    "Ferry landing restroom",
    "Nail salon row, bus stop",
    "Airport shuttle stop",
    "Fairgrounds gate 2",
)
# Weight of each local hour of the day: quiet at night, busy in the evening.
HOUR_SHAPE = [
    0.2, 0.15, 0.1, 0.1, 0.1, 0.2, 0.5, 0.9, 1.0, 0.8, 0.7, 0.8,
    1.0, 0.9, 0.8, 0.9, 1.1, 1.4, 1.6, 1.7, 1.5, 1.2, 0.8, 0.4,
]  # fmt: skip


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _extra_stops(organization: Organization) -> list[Placement]:
    anchor = Placement.objects.filter(
        organization=organization, public_name="Riverside bus station, restroom by gate 4"
    ).first()
    if anchor is None or anchor.latitude is None or anchor.longitude is None:
        return []
    import h3  # imported when used: a server holds it only then

    unit, _ = Unit.objects.get_or_create(
        organization=organization, slug="transit", defaults={"name": "Transit unit"}
    )
    centre = h3.latlng_to_cell(float(anchor.latitude), float(anchor.longitude), 8)
    # The first six stops ring the bus station's hexagon (the busy cluster); the rest are
    # spread over the hexagons up to four rings out.
    rng = random.Random(1414)
    near = sorted(h3.grid_ring(centre, 1))
    far = sorted(set(h3.grid_disk(centre, 4)) - set(h3.grid_disk(centre, 1)))
    rng.shuffle(far)
    cells = near + far
    stops = []
    kinds = (SiteType.TRANSIT, SiteType.RESTROOM, SiteType.LOBBY, SiteType.WAITING_ROOM)
    for i, name in enumerate(STOP_NAMES):
        lat, lon = h3.cell_to_latlng(cells[i])
        # "Stop: …" sorts after the seeded "Riverside …" placements, which other seeders and
        # tests take as the organization's first.
        name = f"Stop: {name}"
        placement = Placement.objects.filter(organization=organization, public_name=name).first()
        if placement is None:
            placement = Placement.objects.create(
                organization=organization,
                public_name=name,
                site_type=kinds[i % len(kinds)],
                latitude=round(lat + rng.uniform(-0.001, 0.001), 6),
                longitude=round(lon + rng.uniform(-0.001, 0.001), 6),
                unit=unit if i % 3 else None,
                address="Riverside",
            )
        stops.append(placement)
    return stops


def _seed_counters(placement: Placement, *, busy: float, jump: bool, now: datetime) -> None:
    if ScanCount.objects.filter(placement=placement, hour__lt=now - timedelta(days=2)).exists():
        return
    zone = placement.organization.zone
    rng = random.Random(placement.code)
    rows = []
    start = now - timedelta(days=DAYS)
    hour = start.replace(minute=0, second=0, microsecond=0)
    transit = placement.site_type == SiteType.TRANSIT
    existing = set(ScanCount.objects.filter(placement=placement).values_list("hour", flat=True))
    while hour < now - timedelta(hours=1):
        local = hour.astimezone(zone)
        weekend = local.weekday() >= 5
        mean = 0.1 * busy * HOUR_SHAPE[local.hour] * (1.5 if weekend and transit else 1.0)
        if jump and hour > now - timedelta(days=7):
            mean *= 4
        scans = _poisson(rng, mean)
        if scans and hour not in existing:
            started = sum(1 for _ in range(scans) if rng.random() < 0.04)
            answered = sum(1 for _ in range(started) if rng.random() < 0.8)
            rows.append(
                ScanCount(
                    placement=placement,
                    hour=hour,
                    scans=scans,
                    reports_started=started,
                    reports_answered=answered,
                    followups=sum(1 for _ in range(answered) if rng.random() < 0.25),
                )
            )
        hour += timedelta(hours=1)
    ScanCount.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)


def _move_report_counters(placement: Placement, *, to: datetime) -> None:
    """Count a back-dated demo report in its own hour, not in the hour it was made."""
    current = timezone.now().replace(minute=0, second=0, microsecond=0)
    ScanCount.objects.filter(placement=placement, hour=current).update(
        reports_started=F("reports_started") - 1, reports_answered=F("reports_answered") - 1
    )
    hour = to.replace(minute=0, second=0, microsecond=0)
    row, _created = ScanCount.objects.get_or_create(placement=placement, hour=hour)
    ScanCount.objects.filter(pk=row.pk).update(
        scans=F("scans") + 1,
        reports_started=F("reports_started") + 1,
        reports_answered=F("reports_answered") + 1,
    )


def _seed_reports(organization: Organization, placements: list[Placement], now: datetime) -> None:
    past = Report.objects.filter(
        placement__organization=organization, created_at__lt=now - timedelta(days=1)
    ).count()
    responder = User.objects.filter(memberships__organization=organization).order_by("pk").first()
    if responder is None or not placements:
        return
    rng = random.Random(f"reports:{organization.slug}")
    outcomes = [o for o, _label in Outcome.choices]
    for i in range(past, DEMO_REPORTS):
        placement = placements[i % len(placements)]
        created = now - timedelta(days=rng.uniform(1.5, DAYS - 1))
        urgent = rng.random() < 0.2
        report, _token = report_start(
            placement=placement, step="about", choices=["other"], language="en"
        )
        _move_report_counters(placement, to=created)
        # Back-dated history, not news: nobody is to be told of it now.
        Delivery.objects.filter(report=report).delete()
        minutes = rng.lognormvariate(2.3 if urgent else 3.0, 0.8)
        escalated = minutes > (5 if urgent else 30)
        if i % 9 != 0:  # most are acknowledged; a few are still waiting
            report_set_status(
                report=report,
                status="closed" if i % 3 == 0 else "in_progress",
                actor=responder,
                organization=organization,
                outcome=outcomes[i % len(outcomes)] if i % 3 == 0 else "",
            )
            RoutingState.objects.filter(report=report).update(
                acknowledged_at=created + timedelta(minutes=minutes),
                tier_index=1 if escalated else 0,
                escalate_at=None,
            )
            report.workflow_events.update(at=created + timedelta(minutes=minutes * 6))
        else:
            RoutingState.objects.filter(report=report).update(escalate_at=None)
        if escalated:
            RoutingEvent.objects.create(
                report=report,
                kind=EventKind.ESCALATED,
                reason="Demo: not acknowledged in time.",
                at=created + timedelta(minutes=5 if urgent else 30),
            )
        Report.objects.filter(pk=report.pk).update(
            created_at=created,
            last_activity_at=created,
            priority=ReportPriority.URGENT if urgent else ReportPriority.NORMAL,
        )


@transaction.atomic
def seed_analytics(summary: dict[str, Any] | None = None) -> None:
    """Seed the counters and reports; adds nothing to seed_demo's JSON summary."""
    now = timezone.now().astimezone(UTC)
    for organization in Organization.objects.filter(
        slug__in=["riverside-pd", "st-brigid-hospital"]
    ):
        stops = _extra_stops(organization) if organization.slug == "riverside-pd" else []
        # The bus station and the six stops around it are the busy cluster.
        hot = {p.pk for p in stops[:6]}
        if stops:
            hot |= set(
                Placement.objects.filter(
                    organization=organization, public_name__contains="bus station"
                ).values_list("pk", flat=True)
            )
        placements = list(Placement.objects.filter(organization=organization))
        for placement in placements:
            busy = 6.0 if placement.pk in hot else 1.0
            jump = placement.public_name == "Stop: Public library, ground floor"
            _seed_counters(placement, busy=busy, jump=jump, now=now)
        # Reports only at the extra stops: the seeded placements keep the one demo report that
        # the follow-up and inbox walkthroughs (and their tests) expect.
        _seed_reports(organization, stops, now)
