"""Keys for encryption at rest (see ``safepath.core.crypto``).

Each row holds one data key, wrapped (encrypted) by the master key from the environment. The
database alone therefore never holds a key that opens anything: an attacker needs both.
"""

from __future__ import annotations

from django.db import models


class WrappedKey(models.Model):
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
