"""A placement is one printed code in one place, owned by one organization."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from safepath.accounts.models import Organization
from safepath.core.codes import new_code


class PlacementStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class Placement(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="placements"
    )
    code = models.CharField(max_length=16, unique=True, default=new_code, editable=False)
    # Shown to the person who scans, so they can tell a pasted fake sticker from the real one.
    public_name = models.CharField(max_length=120)
    status = models.CharField(
        max_length=16, choices=PlacementStatus.choices, default=PlacementStatus.ACTIVE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["public_name"]

    def __str__(self) -> str:
        return f"{self.public_name} ({self.code})"

    @property
    def is_active(self) -> bool:
        return self.status == PlacementStatus.ACTIVE


class ScanCount(models.Model):
    """What happened at one placement in one hour, as numbers. Never a record of a person."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="scan_counts")
    hour = models.DateTimeField()
    scans = models.PositiveIntegerField(default=0)
    reports_started = models.PositiveIntegerField(default=0)
    reports_answered = models.PositiveIntegerField(default=0)  # with at least one answer
    followups = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["placement", "hour"], name="one_scan_count_per_hour")
        ]
        indexes = [models.Index(fields=["hour"])]

    def __str__(self) -> str:
        return f"{self.placement_id} @ {self.hour:%Y-%m-%d %H}:00: {self.scans}"
