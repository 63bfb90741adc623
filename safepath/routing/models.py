"""Who receives a report, how they are told, and what happens when nobody answers.

- A **routing policy** belongs to an organization and lists ordered **tiers**; each tier names
  its recipients (organizations, units inside them, or "the law-enforcement agency / task
  force whose area contains the placement") and how long it has to acknowledge.
- A placement gets its policy through ``PlacementRouting``; without one, the owner's default
  policy for its sector applies.
- **Areas** are GeoJSON polygons of an organization's jurisdiction.
- A report's recipients (``ReportRecipient``), its escalation state (``RoutingState``, with an
  indexed ``escalate_at``) and its timeline (``RoutingEvent``) are rows; so is every
  notification to send (``Delivery``, the outbox), written in the same transaction as the
  report. The worker claims due rows, sends them, retries with backoff; a crash of any process
  loses nothing.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepath.accounts.models import Membership, Organization, Unit
from safepath.placements.models import Placement
from safepath.reports.models import Report


class Sector(models.TextChoices):
    SCHOOL = "school", _("School")
    HOSPITAL = "hospital", _("Hospital (HIPAA-conscious)")
    PUBLIC_PLACE = "public_place", _("Public place (transit, hotel, business)")
    SERVICE = "service", _("Service organization")


class RoutingPolicy(models.Model):
    """Ordered tiers of recipients for the placements that use it. Owned by one organization."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="routing_policies"
    )
    name = models.CharField(max_length=120)
    sector = models.CharField(max_length=20, choices=Sector.choices)
    # The owner's default for placements without an explicit policy (one per organization).
    is_default = models.BooleanField(default=False)
    # Add the place's law-enforcement agency to the first tier when someone is in danger now
    # (schools, hospitals). A reporter who asked for "a service organization, not police"
    # still never reaches law enforcement.
    police_when_urgent = models.BooleanField(default=False)
    # Service organizations that receive reports whose reporter asked for "not police"; none
    # configured: the national hotline organization (SAFEPATH_HOTLINE_ORGANIZATION).
    service_organizations = models.ManyToManyField(
        Organization, blank=True, related_name="serving_policies"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organization_id", "name"]
        verbose_name_plural = "routing policies"
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(is_default=True),
                name="one_default_policy_per_org",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.name}"


class RoutingTier(models.Model):
    policy = models.ForeignKey(RoutingPolicy, on_delete=models.CASCADE, related_name="tiers")
    position = models.PositiveSmallIntegerField()
    acknowledge_minutes = models.PositiveIntegerField(default=30)
    # Someone in danger now or under 18: a much shorter time before the next tier is told.
    urgent_acknowledge_minutes = models.PositiveIntegerField(default=5)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "position"], name="one_tier_per_position")
        ]

    def __str__(self) -> str:
        return f"{self.policy} · tier {self.position}"


class TargetKind(models.TextChoices):
    ORGANIZATION = "organization", _("An organization or one of its units")
    LOCAL_POLICE = "local_police", _("The law-enforcement agency whose area contains the place")
    TASK_FORCE = "task_force", _("The task force whose area contains the place")


class TierRecipient(models.Model):
    tier = models.ForeignKey(RoutingTier, on_delete=models.CASCADE, related_name="recipients")
    kind = models.CharField(max_length=20, choices=TargetKind.choices)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.tier}: {self.kind} {self.organization_id or ''}"


class PlacementRouting(models.Model):
    """A placement's routing policy (none: the owner's default). Where the placement is lives
    on the placement itself (``Placement.latitude``/``longitude``)."""

    placement = models.OneToOneField(Placement, on_delete=models.CASCADE, related_name="routing")
    policy = models.ForeignKey(
        RoutingPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="placements"
    )

    def __str__(self) -> str:
        return f"{self.placement_id} -> {self.policy_id}"


class OrganizationArea(models.Model):
    """One polygon of an organization's jurisdiction, from an imported GeoJSON file."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="areas")
    name = models.CharField(max_length=200)
    # GeoJSON geometry (Polygon or MultiPolygon), longitude/latitude (WGS 84).
    geometry = models.JSONField()
    # Planar area in square degrees: only compared between areas, to pick the most specific.
    size = models.FloatField()
    # Bounding box, so a lookup asks the database for candidates before testing polygons.
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    # Areas decide who receives other organizations' reports, so an organization cannot make
    # its own count: routing uses an area only once the deployment's operator verified it
    # (areas imported with manage.py import_areas are verified on import).
    verified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["min_lon", "max_lon", "min_lat", "max_lat"])]

    def __str__(self) -> str:
        return f"{self.organization} · {self.name}"


class ResponderChannels(models.Model):
    """How one member wants to be told. Email is on by default; a phone number enables SMS
    for urgent reports (and for every report with ``sms_always``)."""

    membership = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="channels")
    email = models.BooleanField(default=True)
    phone = models.CharField(max_length=20, blank=True)
    sms_always = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "responder channels"

    def __str__(self) -> str:
        return f"channels of {self.membership_id}"


class Webhook(models.Model):
    """An agency system that receives signed notifications for its organization.

    The signing secret is not stored: it is derived from SAFEPATH_WEBHOOK_KEY, the webhook's
    id and ``secret_version`` (rotating bumps the version), see ``webhooks.webhook_secret``.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(max_length=500)
    secret_version = models.PositiveIntegerField(default=1)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.organization} -> {self.url}"


class ReportRecipient(models.Model):
    """An organization that receives a report, and why. Staff see reports through this."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="recipients")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="received_reports"
    )
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["report", "organization"], name="one_recipient_row")
        ]

    def __str__(self) -> str:
        return f"{self.report_id} -> {self.organization_id}"


class RoutingState(models.Model):
    """Where a report is in its policy's tiers, and when it escalates if nobody answers."""

    report = models.OneToOneField(Report, on_delete=models.CASCADE, related_name="routing_state")
    policy = models.ForeignKey(RoutingPolicy, on_delete=models.SET_NULL, null=True, blank=True)
    # 0-based index of the tier told last; len(tiers) means the fallback organization was told.
    tier_index = models.PositiveSmallIntegerField(default=0)
    tier_started_at = models.DateTimeField(default=timezone.now)
    # Indexed due time: the escalation processor reads only rows that are due, never scans
    # every report. None: nothing left to escalate (acknowledged, or past the fallback).
    escalate_at = models.DateTimeField(null=True, blank=True, db_index=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.report_id} tier {self.tier_index}"


class EventKind(models.TextChoices):
    ROUTED = "routed", _("Routed")
    REMOVED = "removed", _("Recipient removed")
    ESCALATED = "escalated", _("Escalated")
    FALLBACK = "fallback", _("Sent to the fallback organization")
    DELIVERY_FAILED = "delivery_failed", _("Delivery failed")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    NOTE = "note", _("Note")


class RoutingEvent(models.Model):
    """One step on a report's routing timeline, with the reason in words."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="routing_events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    organization = models.ForeignKey(
        Organization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=300)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.kind} {self.organization_id}"


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    WEBHOOK = "webhook", _("Webhook")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


class DeliveryPurpose(models.TextChoices):
    REPORT = "report", _("A report arrived")
    ESCALATION = "escalation", _("A report escalated to you")
    FAILURE_NOTICE = "failure_notice", _("A notification could not be delivered")


class Delivery(models.Model):
    """One notification to send (the outbox). Its ``uid`` goes out with it, so a receiver can
    drop a duplicate: delivery is at least once."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="deliveries")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, null=True, blank=True)
    channel = models.CharField(max_length=16, choices=DeliveryChannel.choices)
    purpose = models.CharField(
        max_length=20, choices=DeliveryPurpose.choices, default=DeliveryPurpose.REPORT
    )
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A worker holds a claimed row until this time; a crashed worker's claim simply lapses.
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.channel} delivery {self.pk} ({self.status})"
