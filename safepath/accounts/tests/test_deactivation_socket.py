"""Deactivating a member closes their open dashboard sockets at once."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from safepath.accounts.models import User
from safepath.accounts.services import membership_deactivate
from safepath.cases.tests.test_live_socket import _session_socket

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_deactivated_members_socket_is_closed(alice: User, bob: User) -> None:
    socket = await _session_socket(bob)
    membership = await database_sync_to_async(lambda: bob.memberships.get())()

    await database_sync_to_async(membership_deactivate)(membership=membership, actor=alice)

    closed = await socket.receive_output(timeout=2)
    assert closed["type"] == "websocket.close"
    await socket.disconnect()
