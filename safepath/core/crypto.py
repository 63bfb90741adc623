"""Envelope encryption at rest for report contents (answers, messages, photos).

Every organization that owns placements has its own random 256-bit data key. Data keys are
stored in ``WrappedKey`` rows, encrypted with AES-GCM under the master key that comes from the
``SAFEPATH_MASTER_KEY`` environment variable and is never stored in the database. Contents are
sealed with AES-GCM under the owning organization's data key, with "associated data" that
binds a ciphertext to its scope and purpose, so a sealed answer cannot be moved to another
report or organization and still open.

Rotation:
- master key: put the new key in ``SAFEPATH_MASTER_KEY``, the old one in
  ``SAFEPATH_OLD_MASTER_KEYS``, and run ``manage.py rotate_master_key``: it rewraps every data
  key under the new master key (contents are untouched). Then drop the old key.
- data keys: ``rotate_master_key --new-data-keys`` also starts a new data key version for
  every scope; new contents use it, older contents keep opening with the version they name.

A sealed value is ``0x01 | key version (4 bytes, big endian) | nonce (12) | ciphertext+tag``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
import time

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max

from safepath.core.models import WrappedKey

FORMAT = b"\x01"
NONCE_BYTES = 12
KEY_BYTES = 32
RECEIPT_LOOKUP_SCOPE = "receipt-lookup"
# A process keeps the current version of a scope this long before asking the database again,
# so a data-key rotation done elsewhere is picked up without a restart.
CURRENT_VERSION_TTL_SECONDS = 60.0


class CryptoError(Exception):
    """A sealed value that cannot be opened: wrong key, wrong scope, or tampered with."""


_lock = threading.Lock()
_unwrapped: dict[tuple[str, int], bytes] = {}
_current: dict[str, tuple[int, float]] = {}
# Keys created inside a transaction that has not committed yet. They are never cached: if the
# transaction rolls back, the row is gone, and a cached key would seal data nobody can open.
_pending: set[tuple[str, int]] = set()


def decode_master_key(value: str) -> bytes:
    key = base64.b64decode(value.strip(), validate=True)
    if len(key) != KEY_BYTES:
        raise ValueError("A master key must be 32 bytes, base64-encoded.")
    return key


def master_key_id(key: bytes) -> str:
    """A fingerprint that names a master key without revealing it."""
    return hmac.new(key, b"safepath master key id", hashlib.sha256).hexdigest()[:16]


def _master_keys() -> tuple[str, dict[str, bytes]]:
    current = decode_master_key(settings.SAFEPATH_MASTER_KEY)
    keys = {master_key_id(current): current}
    for old in settings.SAFEPATH_OLD_MASTER_KEYS:
        key = decode_master_key(old)
        keys.setdefault(master_key_id(key), key)
    return master_key_id(current), keys


def _wrap_aad(scope: str, version: int) -> bytes:
    return f"safepath-key:{scope}:{version}".encode()


def _wrap(key: bytes, *, scope: str, version: int) -> tuple[bytes, str]:
    current_id, keys = _master_keys()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(keys[current_id]).encrypt(nonce, key, _wrap_aad(scope, version))
    return nonce + sealed, current_id


def _unwrap(row: WrappedKey) -> bytes:
    _, keys = _master_keys()
    master = keys.get(row.master_key_id)
    if master is None:
        raise CryptoError(
            f"The data key {row} was wrapped by master key {row.master_key_id}, which is not "
            "configured: put it in SAFEPATH_OLD_MASTER_KEYS and run rotate_master_key."
        )
    blob = bytes(row.wrapped)
    try:
        return AESGCM(master).decrypt(
            blob[:NONCE_BYTES], blob[NONCE_BYTES:], _wrap_aad(row.scope, row.version)
        )
    except Exception as error:
        raise CryptoError(f"Cannot unwrap the data key {row}.") from error


def _create_version(scope: str, version: int) -> None:
    wrapped, master_id = _wrap(os.urandom(KEY_BYTES), scope=scope, version=version)
    try:
        with transaction.atomic():
            WrappedKey.objects.create(
                scope=scope, version=version, wrapped=wrapped, master_key_id=master_id
            )
    except IntegrityError:
        return  # another process created this version first: use theirs
    if connection.in_atomic_block:
        with _lock:
            _pending.add((scope, version))
        transaction.on_commit(lambda: _pending.discard((scope, version)))


def _key(scope: str, version: int) -> bytes:
    cached = _unwrapped.get((scope, version))
    if cached is not None:
        return cached
    row = WrappedKey.objects.filter(scope=scope, version=version).first()
    if row is None:
        raise CryptoError(f"No data key {scope} v{version}.")
    key = _unwrap(row)
    if (scope, version) not in _pending:
        with _lock:
            _unwrapped[(scope, version)] = key
    return key


def current_version(scope: str) -> int:
    """The version new contents of ``scope`` are sealed with; creates version 1 on first use."""
    cached = _current.get(scope)
    if cached is not None and cached[1] > time.monotonic():
        return cached[0]
    version = WrappedKey.objects.filter(scope=scope).aggregate(v=Max("version"))["v"]
    if version is None:
        _create_version(scope, 1)
        version = WrappedKey.objects.filter(scope=scope).aggregate(v=Max("version"))["v"]
    if (scope, version) not in _pending:
        with _lock:
            _current[scope] = (int(version), time.monotonic() + CURRENT_VERSION_TTL_SECONDS)
    return int(version)


def organization_scope(organization_id: int) -> str:
    return f"org:{organization_id}"


def _aad(scope: str, context: str) -> bytes:
    return f"{scope}|{context}".encode()


def seal(*, scope: str, context: str, plaintext: bytes) -> bytes:
    """Encrypt ``plaintext`` under the scope's current data key, bound to ``context``."""
    version = current_version(scope)
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key(scope, version)).encrypt(nonce, plaintext, _aad(scope, context))
    return FORMAT + version.to_bytes(4, "big") + nonce + sealed


def unseal(*, scope: str, context: str, sealed: bytes | memoryview) -> bytes:
    blob = bytes(sealed)
    if len(blob) < 1 + 4 + NONCE_BYTES + 16 or blob[:1] != FORMAT:
        raise CryptoError("Not a sealed value.")
    version = int.from_bytes(blob[1:5], "big")
    nonce, ciphertext = blob[5 : 5 + NONCE_BYTES], blob[5 + NONCE_BYTES :]
    try:
        return AESGCM(_key(scope, version)).decrypt(nonce, ciphertext, _aad(scope, context))
    except CryptoError:
        raise
    except Exception as error:
        raise CryptoError("The sealed value does not open with this key and context.") from error


def seal_text(*, scope: str, context: str, text: str) -> bytes:
    return seal(scope=scope, context=context, plaintext=text.encode("utf-8"))


def unseal_text(*, scope: str, context: str, sealed: bytes | memoryview) -> str:
    return unseal(scope=scope, context=context, sealed=sealed).decode("utf-8")


def lookup_key() -> bytes:
    """A secret for keyed lookups (receipts). Never rotated as data: lookups must stay stable."""
    return _key(RECEIPT_LOOKUP_SCOPE, _first_version(RECEIPT_LOOKUP_SCOPE))


def _first_version(scope: str) -> int:
    if not WrappedKey.objects.filter(scope=scope, version=1).exists():
        _create_version(scope, 1)
    return 1


def forget_cached_keys() -> None:
    """Drop unwrapped keys held in this process (after a rotation, and between tests)."""
    with _lock:
        _unwrapped.clear()
        _current.clear()
        _pending.clear()


@transaction.atomic
def master_key_rotate(*, new_data_keys: bool = False) -> dict[str, int]:
    """Rewrap every data key under the current master key; optionally start new data keys.

    Data keys wrapped by an old master key are opened with the matching key from
    ``SAFEPATH_OLD_MASTER_KEYS``; contents sealed with them are untouched and keep opening.
    """
    current_id, _ = _master_keys()
    rewrapped = 0
    for row in WrappedKey.objects.select_for_update().exclude(master_key_id=current_id):
        key = _unwrap(row)
        row.wrapped, row.master_key_id = _wrap(key, scope=row.scope, version=row.version)
        row.save(update_fields=["wrapped", "master_key_id"])
        rewrapped += 1
    created = 0
    if new_data_keys:
        latest = WrappedKey.objects.values("scope").annotate(v=Max("version"))
        for item in latest:
            if item["scope"] == RECEIPT_LOOKUP_SCOPE:
                continue  # lookups must stay stable; rewrapping above is all it needs
            _create_version(item["scope"], item["v"] + 1)
            created += 1
    transaction.on_commit(forget_cached_keys)
    return {"rewrapped": rewrapped, "new_data_keys": created}
