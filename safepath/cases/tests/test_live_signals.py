"""A dashboard socket ends with its member's membership and with its session, in every server
process, without the channel layer: the person signals go through core.live, and one
sweeper per process checks the open sessions."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
import redis
from channels.db import database_sync_to_async
from channels.layers import BaseChannelLayer

from safepath.cases.live_sessions import session_group
from safepath.cases.tests.test_live_socket import _session_socket, _socket_for_client
from safepath.core import live
from safepath.core.live import user_group
from safepath.placements.models import Placement
from safepath.placements.services import placement_record_scan

pytestmark = pytest.mark.django_db(transaction=True)


class UnreachableLayer(BaseChannelLayer):
    """A channel layer whose server cannot be reached: every call fails."""

    extensions = ["groups"]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    async def new_channel(self, prefix: str = "specific.") -> str:
        raise ConnectionError("channel layer unreachable")

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        raise ConnectionError("channel layer unreachable")

    async def receive(self, channel: str) -> dict[str, Any]:
        raise ConnectionError("channel layer unreachable")

    async def group_add(self, group: str, channel: str) -> None:
        raise ConnectionError("channel layer unreachable")

    async def group_discard(self, group: str, channel: str) -> None:
        raise ConnectionError("channel layer unreachable")

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        raise ConnectionError("channel layer unreachable")


async def test_the_dashboard_needs_no_channel_layer(
    alice, bob, bus_station: Placement, settings
) -> None:
    # A socket used to hold a channel of its own (and a task waiting on it) for the person
    # signals: events, sign-out and deactivation now all reach it through core.live.
    from safepath.accounts.services import membership_deactivate
    from safepath.conftest import logged_in

    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "safepath.cases.tests.test_live_signals.UnreachableLayer"}
    }
    client = await database_sync_to_async(logged_in)(bob)
    signing_out = await _socket_for_client(client)
    leaving = await _session_socket(bob)

    await database_sync_to_async(placement_record_scan)(placement=bus_station)
    assert (await signing_out.receive_json_from(timeout=5))["kind"] == "scan"
    assert (await leaving.receive_json_from(timeout=5))["kind"] == "scan"

    await database_sync_to_async(client.post)("/accounts/logout/")
    assert await signing_out.receive_json_from(timeout=5) == {"kind": "session_ended"}
    assert await signing_out.receive_output(timeout=5) == {
        "type": "websocket.close",
        "code": 4401,
    }
    assert await leaving.receive_nothing(timeout=0.3)  # another session: still open

    membership = await database_sync_to_async(lambda: bob.memberships.get())()
    await database_sync_to_async(membership_deactivate)(membership=membership, actor=alice)
    assert await leaving.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}
    await signing_out.disconnect()
    await leaving.disconnect()


async def test_a_signal_reaches_sockets_on_another_event_loop(bob) -> None:
    # A server process may serve sockets on more than one loop (and tests do): a signal
    # sent from any thread reaches each socket on its own loop.
    socket = await _session_socket(bob)

    await asyncio.get_running_loop().run_in_executor(None, live.close_user_sockets, bob.pk)

    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}
    await socket.disconnect()


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")
async def test_a_signal_published_by_another_process_closes_the_socket(bob) -> None:
    # Another server process (or the worker) signs the person out: one publish on the signals
    # channel, heard by every process's subscription.
    from safepath.conftest import logged_in

    client = await database_sync_to_async(logged_in)(bob)
    socket = await _socket_for_client(client)
    elsewhere = redis.Redis.from_url(os.environ["REDIS_URL"])
    key = client.cookies["sessionid"].value

    listeners = elsewhere.publish(live._channel_prefix() + live.SIGNALS, session_group(key))

    assert listeners >= 1
    assert await socket.receive_json_from(timeout=5) == {"kind": "session_ended"}
    assert await socket.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
    elsewhere.publish(live._channel_prefix() + live.SIGNALS, user_group(bob.pk))  # no socket
    await socket.disconnect()


async def test_each_socket_ends_with_its_own_session_when_it_idles_out(
    bob, bus_station: Placement, settings
) -> None:
    # One sweeper checks every open session: an idle one ends its sockets (both of them),
    # and a session still in use keeps its socket and its events.
    from safepath.conftest import logged_in

    settings.SESSION_IDLE_SECONDS = 2
    idle = await database_sync_to_async(logged_in)(bob)
    await database_sync_to_async(idle.get)("/dashboard/")  # its last request: now idle
    idle_sockets = [await _socket_for_client(idle) for _ in range(2)]
    busy_socket = await _session_socket(bob)  # a session that has not idled (no request yet)

    for socket in idle_sockets:
        assert await socket.receive_json_from(timeout=10) == {"kind": "session_ended"}
        assert await socket.receive_output(timeout=5) == {
            "type": "websocket.close",
            "code": 4401,
        }
    await database_sync_to_async(placement_record_scan)(placement=bus_station)
    assert (await busy_socket.receive_json_from(timeout=5))["kind"] == "scan"
    for socket in [*idle_sockets, busy_socket]:
        await socket.disconnect()
