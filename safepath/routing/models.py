"""Recipients of a report and the outbox of deliveries to them.

A delivery is a row written in the same transaction as the report. The worker claims due
rows, sends them, and retries with backoff; a crash of any process loses nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepath.accounts.models import Organization
from safepath.reports.models import Report


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


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", _("Email")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="deliveries")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True)
    channel = models.CharField(max_length=16, choices=DeliveryChannel.choices)
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A worker holds a claimed row until this time; a crashed worker's claim simply lapses.
    locked_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.channel} delivery {self.pk} ({self.status})"
