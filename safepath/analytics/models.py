"""Analytics keeps no figures of its own: they are read from counters and report metadata.

It keeps only who asked for the weekly digest, the digests to send (an outbox the worker
works through like every other), and which organizations share their aggregates with a
regional organization.
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
