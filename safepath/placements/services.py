"""Writes on placements, their codes, their scan counters and their poster batches.

Every change to a placement goes through a function here that also writes a line of the
placement's history, so "who moved this poster" always has an answer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from safepath.accounts.models import Organization, User
from safepath.core.codes import new_code, normalize_code
from safepath.core.jobs import claim_due
from safepath.core.live import publish_count, publish_to_organizations
from safepath.placements.models import (
    BatchStatus,
    Placement,
    PlacementEvent,
    PlacementStatus,
    PosterBatch,
    RetiredCode,
    ScanCount,
)

logger = logging.getLogger(__name__)

# What staff may set on a placement; code, status and organization have their own services.
EDITABLE_FIELDS = (
    "public_name",
    "internal_notes",
    "site_type",
    "address",
    "latitude",
    "longitude",
    "unit",
    "languages",
    "installed_on",
    "last_checked_on",
)


def _actor(user: User | None) -> User | None:
    return user if user is not None and user.is_authenticated else None


def _event(placement: Placement, kind: str, actor: User | None, detail: str = "") -> None:
    PlacementEvent.objects.create(
        placement=placement, kind=kind, actor=_actor(actor), detail=detail[:300]
    )


def _apply(placement: Placement, details: Mapping[str, Any]) -> list[str]:
    """Set the editable fields given; return the names of those that changed."""
    unknown = set(details) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable on a placement: {sorted(unknown)}")
    changed = []
    for name, value in details.items():
        if isinstance(value, str):
            value = value.strip()
        if getattr(placement, name) != value:
            setattr(placement, name, value)
            changed.append(name)
    return changed


@transaction.atomic
def placement_create(
    *,
    organization: Organization,
    public_name: str,
    actor: User | None = None,
    details: Mapping[str, Any] | None = None,
    imported: bool = False,
) -> Placement:
    placement = Placement(organization=organization, public_name=public_name.strip())
    _apply(placement, {k: v for k, v in (details or {}).items() if k != "public_name"})
    placement.full_clean()
    placement.save()
    _event(
        placement,
        PlacementEvent.Kind.IMPORTED if imported else PlacementEvent.Kind.CREATED,
        actor,
    )
    return placement


@transaction.atomic
def placement_update(
    *, placement: Placement, actor: User | None, changes: Mapping[str, Any]
) -> list[str]:
    """Apply ``changes`` (validated) and record which fields changed, not their values."""
    changed = _apply(placement, changes)
    if not changed:
        return []
    placement.full_clean()
    placement.save()
    labels = [
        str(getattr(Placement._meta.get_field(name), "verbose_name", name)) for name in changed
    ]
    _event(placement, PlacementEvent.Kind.EDITED, actor, ", ".join(labels))
    return changed


@transaction.atomic
def placement_set_status(*, placement: Placement, actor: User | None, status: str) -> bool:
    """Retire, mark lost or reactivate. Returns False when nothing changed."""
    if status not in PlacementStatus.values:
        raise ValueError(f"Unknown placement status: {status}")
    if placement.status == status:
        return False
    before = placement.get_status_display()
    placement.status = status
    placement.save(update_fields=["status"])
    _event(
        placement,
        PlacementEvent.Kind.STATUS,
        actor,
        f"{before} → {placement.get_status_display()}",
    )
    return True


def _unused_code() -> str:
    while True:
        code = new_code()
        taken = (
            Placement.objects.filter(code=code).exists()
            or RetiredCode.objects.filter(code=code).exists()
        )
        if not taken:
            return code


@transaction.atomic
def placement_replace_code(
    *, placement: Placement, actor: User | None, reason: str = ""
) -> RetiredCode:
    """Give the placement a new code at once; the old one leads to help and is counted.

    For a torn or tampered poster: print the new code, hang it, and any copy of the old one
    still out there stops opening reports for this place.
    """
    locked = Placement.objects.select_for_update().get(pk=placement.pk)
    retired = RetiredCode.objects.create(
        placement=locked, code=locked.code, reason=reason.strip()[:200], retired_by=_actor(actor)
    )
    locked.code = _unused_code()
    fields = ["code"]
    if locked.status == PlacementStatus.LOST:
        # A new poster goes up: the placement is back.
        locked.status = PlacementStatus.ACTIVE
        fields.append("status")
    locked.save(update_fields=fields)
    _event(
        locked,
        PlacementEvent.Kind.CODE_REPLACED,
        actor,
        f"{retired.code} → {locked.code}" + (f" ({retired.reason})" if retired.reason else ""),
    )
    placement.code, placement.status = locked.code, locked.status
    return retired


@transaction.atomic
def placement_mark_checked(*, placement: Placement, actor: User | None) -> None:
    """Someone on site saw the poster there and intact today."""
    placement.last_checked_on = timezone.localdate()
    fields = ["last_checked_on"]
    if placement.status == PlacementStatus.LOST:
        placement.status = PlacementStatus.ACTIVE  # found again, where it belongs
        fields.append("status")
    placement.save(update_fields=fields)
    _event(placement, PlacementEvent.Kind.CHECKED, actor)


# Scan counters -------------------------------------------------------------------------------

COUNTERS = frozenset(
    {"scans", "reports_started", "reports_answered", "followups", "retired_code_scans"}
)


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _count_now(placement_id: int, hour: datetime, counter: str) -> None:
    """One statement: insert this hour's row, or add one to it if it is there."""
    table = ScanCount._meta.db_table
    columns = sorted(COUNTERS)  # names from a fixed set, never from input
    values = [1 if column == counter else 0 for column in columns]
    quote = connection.ops.quote_name
    # Identifiers come from the model and COUNTERS, never from input; values are bound.
    names, column = ", ".join(map(quote, columns)), f"{quote(table)}.{quote(counter)}"
    holes = ", ".join(["%s"] * len(columns))
    sql = (
        f"INSERT INTO {quote(table)} (placement_id, hour, {names}) VALUES (%s, %s, {holes}) "  # noqa: S608
        f"ON CONFLICT (placement_id, hour) DO UPDATE SET {quote(counter)} = {column} + 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [placement_id, connection.ops.adapt_datetimefield_value(hour), *values],
        )


def placement_count(*, placement: Placement, counter: str) -> None:
    """Add one to this hour's ``counter`` for the placement: a number, nothing about a person.

    The hourly row is shared by every scan and report at the placement, and a transaction
    that touched it holds it until it commits: under load everyone queues on that one row.
    So the count is one statement (INSERT … ON CONFLICT DO UPDATE, no read first, no retry),
    and callers count as the LAST write of their transaction (see ``report_start``), so the
    row is held only while the transaction commits. A rolled-back report counts nothing.
    """
    if counter not in COUNTERS:
        raise ValueError(f"Unknown placement counter: {counter}")
    hour = _hour(timezone.now())
    _count_now(placement.pk, hour, counter)
    # Open analytics pages add one to the hour's square. The event names the counter and
    # the hour only: no place, no minute.
    publish_count(
        placement.organization_id,
        {"kind": "count", "counter": counter, "hour": hour.isoformat()},
    )


def placement_record_scan(*, placement: Placement) -> None:
    """Count one scan and tell the organization's dashboards that the code was scanned."""
    with transaction.atomic():
        placement_count(placement=placement, counter="scans")
        publish_to_organizations(
            [placement.organization_id],
            # The hour, not the moment: a minute-exact time of a scan at an exam room or a
            # counseling office would tell who was there. Dashboards show the hour only.
            {
                "kind": "scan",
                "placement": placement.public_name,
                "code": placement.code,
                "hour": _hour(timezone.now()).isoformat(),
            },
        )


def placement_record_retired_scan(*, code: str) -> bool:
    """Count a scan of a code that no longer opens reports (replaced, or its place retired).

    The person sees the neutral help page either way; the count tells staff that an old
    poster is still up somewhere. Returns whether the code belonged to a placement.
    """
    normalized = normalize_code(code)
    if normalized is None:
        return False
    retired = RetiredCode.objects.filter(code=normalized).select_related("placement").first()
    placement = (
        retired.placement
        if retired
        else Placement.objects.filter(code=normalized, status=PlacementStatus.RETIRED).first()
    )
    if placement is None:
        return False
    placement_count(placement=placement, counter="retired_code_scans")
    return True


# Poster batches ----------------------------------------------------------------------------

BATCH_CLAIM_SECONDS = 10 * 60
BATCH_MAX_ATTEMPTS = 3
PROGRESS_EVERY = 10  # pages between progress writes: cheap, and the bar still moves


@transaction.atomic
def poster_batch_create(
    *,
    organization: Organization,
    actor: User | None,
    placements: Sequence[Placement],
    paper: str,
) -> PosterBatch:
    if any(p.organization_id != organization.pk for p in placements):
        raise ValueError("A poster batch holds one organization's placements only.")
    batch = PosterBatch(
        organization=organization,
        requested_by=_actor(actor),
        placement_ids=[p.pk for p in placements],
        paper=paper,
        total=len(placements),
    )
    batch.full_clean()
    batch.save()
    return batch


def poster_batch_claim() -> PosterBatch | None:
    """Take the oldest waiting batch (or one whose worker died) with a conditional UPDATE."""
    due = Q(status=BatchStatus.PENDING) | Q(status=BatchStatus.RUNNING)
    ids = claim_due(
        PosterBatch,
        due=due,
        order="created_at",
        limit=1,
        hold_seconds=BATCH_CLAIM_SECONDS,
        status=BatchStatus.RUNNING,
        attempts=F("attempts") + 1,
    )
    return PosterBatch.objects.get(pk=ids[0]) if ids else None


def poster_batch_run(*, batch: PosterBatch) -> None:
    """Make the batch's PDF and store it; on failure record why (retried a few times)."""
    from safepath.placements.posters import PosterSpec, posters_pdf

    by_pk = {
        p.pk: p
        for p in Placement.objects.filter(
            pk__in=batch.placement_ids, organization_id=batch.organization_id
        )
    }
    specs = [PosterSpec.of(by_pk[pk]) for pk in batch.placement_ids if pk in by_pk]

    def progress(done: int) -> None:
        if done % PROGRESS_EVERY == 0 or done == len(specs):
            PosterBatch.objects.filter(pk=batch.pk).update(done=done)

    try:
        pdf = posters_pdf(specs, paper=batch.paper, progress=progress)
    except Exception as error:
        gave_up = batch.attempts >= BATCH_MAX_ATTEMPTS
        PosterBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED if gave_up else BatchStatus.PENDING,
            locked_until=None,
            error=str(error)[:300],
        )
        logger.warning("Poster batch %s failed (attempt %s): %s", batch.pk, batch.attempts, error)
        return
    PosterBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.DONE,
        pdf=pdf,
        total=len(specs),
        done=len(specs),
        locked_until=None,
        error="",
        finished_at=timezone.now(),
    )


def poster_batches_process_due() -> int:
    """The worker's processor: make one waiting batch per call so other work is not starved."""
    batch = poster_batch_claim()
    if batch is None:
        return 0
    poster_batch_run(batch=batch)
    return 1
