"""What every app shares in the database: the audit log and the wrapped encryption keys.

The audit log is an append-only record of who opened or changed what, and when. Entries are
written through ``safepath.core.audit.audit_record`` and can never be edited or
deleted through the application: the model refuses it, and on PostgreSQL a trigger refuses
it in the database too.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit entry."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit entries cannot be changed.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, null=True, related_name="+"
    )
    # Users are deactivated, never deleted, while they have audit entries.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_email = models.CharField(max_length=254, blank=True)  # as it was at the time
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=40, blank=True)
    object_ref = models.CharField(max_length=64, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["organization", "-at"], name="audit_by_org")]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_email} {self.action} {self.object_ref}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit entries cannot be deleted.")


class WrappedKey(models.Model):
    """One data key for encryption at rest (see ``safepath.core.crypto``), wrapped (encrypted)
    by the master key from the environment: the database alone never holds a key that opens
    anything."""

    # "org:<id>" for an organization's data key; "receipt-lookup" for the key that narrows a
    # receipt lookup. A plain string rather than a foreign key so system keys fit the same rows.
    scope = models.CharField(max_length=40)
    version = models.PositiveIntegerField()
    # 12-byte nonce followed by the AES-GCM ciphertext of the 32-byte data key.
    wrapped = models.BinaryField()
    # Which master key wrapped it (a fingerprint, never the key), so rotation knows what to redo.
    master_key_id = models.CharField(max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "version"], name="one_key_per_scope_version")
        ]

    def __str__(self) -> str:
        return f"{self.scope} v{self.version}"
