"""A report and the answers it is made of.

A report exists from its first committed answer. Each answer is its own row, written the
moment it is given, so a report cut short is still a report.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from safepath.core.codes import new_code
from safepath.placements.models import Placement


def new_report_reference() -> str:
    return new_code(12)


class ReportStatus(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    REFERRED = "referred", _("Referred")
    CLOSED = "closed", _("Closed")


class ReportPriority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    # Someone is in danger now or under 18: shorter acknowledgement times, every channel.
    URGENT = "urgent", _("Urgent")


class RecipientPreference(models.TextChoices):
    """Who the reporter wants to receive the report. Routing must respect it."""

    EITHER = "either", _("Either")
    SERVICE = "service", _("A service organization, not police")
    POLICE = "police", _("Police")


class Report(models.Model):
    # Random, so report addresses cannot be enumerated.
    reference = models.CharField(
        max_length=16, unique=True, default=new_report_reference, editable=False
    )
    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="reports")
    status = models.CharField(max_length=20, choices=ReportStatus.choices, default=ReportStatus.NEW)
    # Routing metadata derived from the reporter's choices; kept in the clear so that routing
    # and the inbox can filter on it. Free-text answers never go here.
    priority = models.CharField(
        max_length=10, choices=ReportPriority.choices, default=ReportPriority.NORMAL, db_index=True
    )
    recipient_preference = models.CharField(
        max_length=10, choices=RecipientPreference.choices, default=RecipientPreference.EITHER
    )
    # SHA-256 of the random value in the reporter's browser cookie, so the same browser can keep
    # adding to its report. Not a credential worth a slow hash: it is 256 random bits.
    browser_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    last_activity_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference


class ReportEntry(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="entries")
    step = models.CharField(max_length=40)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "report entries"

    def __str__(self) -> str:
        return f"{self.report_id}/{self.step}"
