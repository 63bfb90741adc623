"""Envelope encryption: sealed values open only with the right key and context; rotation."""

from __future__ import annotations

import base64
import os

import pytest
from django.core.management import call_command

from safepath.core.crypto import (
    CryptoError,
    current_version,
    forget_cached_keys,
    seal_text,
    unseal_text,
)
from safepath.core.models import WrappedKey

pytestmark = pytest.mark.django_db

OLD = base64.b64encode(b"o" * 32).decode()
NEW = base64.b64encode(b"n" * 32).decode()


def test_sealed_text_opens_with_its_scope_and_context_only() -> None:
    sealed = seal_text(scope="org:1", context="r1:entry:what", text="passport taken")

    assert b"passport" not in sealed
    assert unseal_text(scope="org:1", context="r1:entry:what", sealed=sealed) == "passport taken"
    with pytest.raises(CryptoError):
        unseal_text(scope="org:1", context="r2:entry:what", sealed=sealed)
    with pytest.raises(CryptoError):
        unseal_text(scope="org:2", context="r1:entry:what", sealed=sealed)


def test_each_organization_gets_its_own_wrapped_key() -> None:
    seal_text(scope="org:1", context="c", text="a")
    seal_text(scope="org:2", context="c", text="b")

    rows = WrappedKey.objects.order_by("scope")
    assert [r.scope for r in rows] == ["org:1", "org:2"]
    assert bytes(rows[0].wrapped) != bytes(rows[1].wrapped)
    assert all(len(bytes(r.wrapped)) == 12 + 32 + 16 for r in rows)  # nonce, key, tag


def test_a_tampered_value_does_not_open() -> None:
    sealed = bytearray(seal_text(scope="org:1", context="c", text="hello"))
    sealed[-1] ^= 1

    with pytest.raises(CryptoError):
        unseal_text(scope="org:1", context="c", sealed=bytes(sealed))


def test_the_wrong_master_key_opens_nothing(settings) -> None:
    settings.SAFEPATH_MASTER_KEY = OLD
    sealed = seal_text(scope="org:1", context="c", text="hello")
    forget_cached_keys()
    settings.SAFEPATH_MASTER_KEY = NEW

    with pytest.raises(CryptoError, match="not configured"):
        unseal_text(scope="org:1", context="c", sealed=sealed)


def test_rotating_the_master_key_rewraps_data_keys_and_old_values_still_open(settings) -> None:
    settings.SAFEPATH_MASTER_KEY = OLD
    before = seal_text(scope="org:1", context="c", text="sealed under the old master key")
    old_wrapped = bytes(WrappedKey.objects.get().wrapped)
    forget_cached_keys()
    settings.SAFEPATH_MASTER_KEY, settings.SAFEPATH_OLD_MASTER_KEYS = NEW, [OLD]

    call_command("rotate_master_key", stdout=open(os.devnull, "w"))  # noqa: SIM115

    row = WrappedKey.objects.get()
    assert bytes(row.wrapped) != old_wrapped
    # The old master key can now be dropped: everything opens with the new one alone.
    forget_cached_keys()
    settings.SAFEPATH_OLD_MASTER_KEYS = []
    assert unseal_text(scope="org:1", context="c", sealed=before) == (
        "sealed under the old master key"
    )


def test_rotation_is_safe_to_run_again(settings) -> None:
    seal_text(scope="org:1", context="c", text="x")

    call_command("rotate_master_key", stdout=open(os.devnull, "w"))  # noqa: SIM115
    wrapped = bytes(WrappedKey.objects.get().wrapped)
    call_command("rotate_master_key", stdout=open(os.devnull, "w"))  # noqa: SIM115

    assert bytes(WrappedKey.objects.get().wrapped) == wrapped


def test_new_data_keys_seal_new_values_and_old_values_keep_opening() -> None:
    before = seal_text(scope="org:1", context="c", text="version one")

    call_command("rotate_master_key", "--new-data-keys", stdout=open(os.devnull, "w"))  # noqa: SIM115
    forget_cached_keys()
    after = seal_text(scope="org:1", context="c", text="version two")

    assert current_version("org:1") == 2
    assert int.from_bytes(before[1:5], "big") == 1 and int.from_bytes(after[1:5], "big") == 2
    assert unseal_text(scope="org:1", context="c", sealed=before) == "version one"
    assert unseal_text(scope="org:1", context="c", sealed=after) == "version two"


def test_a_key_created_in_a_rolled_back_transaction_is_not_reused() -> None:
    from django.db import transaction

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        seal_text(scope="org:9", context="c", text="lost")
        raise Boom

    assert not WrappedKey.objects.filter(scope="org:9").exists()
    sealed = seal_text(scope="org:9", context="c", text="kept")
    forget_cached_keys()
    assert unseal_text(scope="org:9", context="c", sealed=sealed) == "kept"
