"""What analytics keeps: who asked for the weekly digest, the digests to send (an outbox the
worker works through like every other), which organizations share their aggregates with a
regional organization, and the summaries of the scan counters.

The summaries (``OrganizationHour``, ``PlacementPeriod``) are derived, never written by
application code: a database trigger on ``placements.ScanCount`` appends every change of a
counter row, whoever made it, to ``ScanDelta``; ``analytics.summaries.fold`` adds the
pending changes into the summaries (before each read, and in the worker). So the summaries
plus the pending changes always equal the raw counters. See docs/analytics.md, "Speed".
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from safepath.accounts.models import Organization


class DigestSubscription(models.Model):
    """An administrator who wants the weekly digest of one organization."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_digest_per_member")
        ]

    def __str__(self) -> str:
        return f"digest {self.organization_id} -> {self.user_id}"


class DigestEmail(models.Model):
    """One weekly digest to send: a row in the outbox, claimed and sent by the worker."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    week_start = models.DateField()  # the Monday (organization's time zone) of the week told
    created_at = models.DateTimeField(default=timezone.now)
    locked_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "week_start"], name="one_digest_per_week"
            )
        ]

    def __str__(self) -> str:
        return f"digest {self.organization_id} week {self.week_start} -> {self.user_id}"


class RegionalSharing(models.Model):
    """An organization shares its aggregates (never contents) with a regional organization."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="regional_sharing"
    )
    region = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.organization_id} shares aggregates with {self.region_id}"


# Summaries of placements.ScanCount ------------------------------------------------------------
# Plain integer ids rather than foreign keys: these rows are derived from the counters by the
# database (triggers and ``summaries.fold``), and must not stop a placement or an
# organization from being deleted. Counts are signed: a pending change may subtract.


class ScanDelta(models.Model):
    """One change to a counter row, written by the trigger on ``placements_scancount`` and
    removed when ``summaries.fold`` has added it into the summaries."""

    organization_id = models.BigIntegerField()
    placement_id = models.BigIntegerField()
    hour = models.DateTimeField()
    scans = models.BigIntegerField(default=0)
    reports_started = models.BigIntegerField(default=0)
    reports_answered = models.BigIntegerField(default=0)
    followups = models.BigIntegerField(default=0)
    rows = models.BigIntegerField(default=0)  # +1 a counter row appeared, -1 one went

    def __str__(self) -> str:
        return f"delta {self.placement_id} @ {self.hour:%Y-%m-%d %H}:00"


class OrganizationHour(models.Model):
    """An organization's counters, added over its placements, for one UTC hour."""

    organization_id = models.BigIntegerField()
    hour = models.DateTimeField()
    scans = models.BigIntegerField(default=0)
    reports_started = models.BigIntegerField(default=0)
    reports_answered = models.BigIntegerField(default=0)
    followups = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization_id", "hour"], name="one_organization_hour"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} @ {self.hour:%Y-%m-%d %H}:00: {self.scans}"


class Span(models.TextChoices):
    DAY = "d", "day"
    WEEK = "w", "week"  # Monday to Sunday
    MONTH = "m", "month"


class SummaryZone(models.Model):
    """The time zone an organization's ``PlacementPeriod`` rows are keyed in: its own zone
    (``Organization.zone``), so that any window of whole local days is whole rows. Kept
    apart from ``Organization.time_zone`` because the rows stay keyed in the old zone until
    ``summaries.rezone`` has rebuilt them after a change; readers cut windows in this zone,
    so they are right in between too."""

    organization_id = models.BigIntegerField(unique=True)
    time_zone = models.CharField(max_length=64)
    # A fresh random number whenever a summary row of a day before today (local) changes,
    # or the rows are made again: the cache of the days before yesterday is keyed by it
    # (``selectors``), so a backdated change can never be read from a stale copy.
    history = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"summaries of {self.organization_id} in {self.time_zone}"


class PlacementPeriod(models.Model):
    """A placement's counters over one local day, week (Monday to Sunday) or calendar month
    in its organization's summary zone (``SummaryZone``; ``start`` is its first day);
    ``hours`` is the number of hourly counter rows added in (a row belongs to the local day
    its hour starts in)."""

    placement_id = models.BigIntegerField()
    organization_id = models.BigIntegerField()
    span = models.CharField(max_length=1, choices=Span.choices)
    start = models.DateField()
    scans = models.BigIntegerField(default=0)
    reports_started = models.BigIntegerField(default=0)
    reports_answered = models.BigIntegerField(default=0)
    followups = models.BigIntegerField(default=0)
    hours = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["placement_id", "span", "start"], name="one_placement_period"
            )
        ]
        indexes = [
            # Covering on PostgreSQL: a window's rows come from the index alone.
            models.Index(
                fields=["organization_id", "span", "start"],
                include=[
                    "placement_id",
                    "scans",
                    "reports_started",
                    "reports_answered",
                    "followups",
                    "hours",
                ],
                name="placement_period_by_org",
            )
        ]

    def __str__(self) -> str:
        return f"{self.placement_id} {self.span} {self.start}: {self.scans}"


# Summary of response times ------------------------------------------------------------------


class ResponseDirty(models.Model):
    """A UTC day of an organization's reports whose response figures must be recomputed (the
    one or two local days it overlaps):
    written by triggers on the tables those figures come from (reports, routing state and
    events, handling, workflow events, a placement's unit), removed by
    ``responses.refresh``."""

    organization_id = models.BigIntegerField()
    day = models.DateField()

    def __str__(self) -> str:
        return f"response day {self.day} of {self.organization_id} to recompute"


class ResponseDay(models.Model):
    """Response figures of the reports started at an organization's placements on one local
    day, week (Monday to Sunday) or calendar month of its summary zone (``SummaryZone``;
    ``span``; ``day`` is its first day), for
    one group: ``dimension`` is "all", "tier", "unit" (a unit id, "" for none), "priority"
    or "outcome". Times to acknowledge and to close are histograms (``{"minutes": count}``,
    minutes rounded as ``responses.bucket`` says). Weeks and months are the sums of their
    days, made again whenever one of their days is."""

    organization_id = models.BigIntegerField()
    span = models.CharField(max_length=1, choices=Span.choices, default=Span.DAY)
    day = models.DateField()
    dimension = models.CharField(max_length=10)
    key = models.CharField(max_length=40, blank=True)
    reports = models.IntegerField(default=0)
    acknowledged = models.IntegerField(default=0)
    escalated = models.IntegerField(default=0)
    past_limit = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    waiting = models.IntegerField(default=0)
    ack = models.JSONField(default=dict)
    close = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization_id", "span", "day", "dimension", "key"],
                name="one_response_day",
            )
        ]
        indexes = [
            models.Index(fields=["organization_id", "span", "day"], name="response_day_by_org")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.day} {self.dimension}={self.key}: {self.reports}"
