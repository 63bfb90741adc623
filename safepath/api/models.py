"""Personal API tokens with scopes, for agency systems that read and work reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    REPORTS_READ = "reports:read", _("Read reports and their timelines")
    REPORTS_WRITE = "reports:write", _("Acknowledge reports and change their status")
    CASES_READ = "cases:read", _("Read cases")


class ApiToken(models.Model):
    """A token acts as its user, limited to its scopes. Only a hash of it is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    # SHA-256 of the whole token: tokens are 256 random bits, so a fast hash is enough.
    key_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def has_scope(self, scope: str) -> bool:
        return self.revoked_at is None and scope in self.scopes
