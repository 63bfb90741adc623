"""A dashboard whose connection does not drain is dropped; the others hear every event, and
only their own organization's."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
import redis
from channels.db import database_sync_to_async

from safepath.asgi import application
from safepath.cases import consumers
from safepath.cases.tests.test_live_socket import _session_cookie, _session_socket
from safepath.core import live
from safepath.core.live import organization_group
from safepath.placements.models import Placement
from safepath.reports.services import report_start

pytestmark = pytest.mark.django_db(transaction=True)


class StuckDashboard:
    """A real dashboard connection through the whole ASGI stack whose network stopped
    draining: once accepted, every frame sent to it waits forever (as a full TCP buffer
    makes the server wait)."""

    def __init__(self, cookie: str) -> None:
        self.inbound: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.accepted = asyncio.Event()
        self.never = asyncio.Event()
        self.closed_with: list[dict[str, Any]] = []
        self.scope = {
            "type": "websocket",
            "path": "/ws/dashboard/",
            "raw_path": b"/ws/dashboard/",
            "query_string": b"",
            "root_path": "",
            "headers": [(b"origin", b"http://127.0.0.1:8000"), (b"cookie", cookie.encode())],
            "subprotocols": [],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }

    async def receive(self) -> dict[str, Any]:
        return await self.inbound.get()

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "websocket.accept":
            self.accepted.set()
        elif message["type"] == "websocket.send":
            await self.never.wait()
        elif message["type"] == "websocket.close":
            self.closed_with.append(message)

    async def connect(self) -> asyncio.Task[None]:
        await self.inbound.put({"type": "websocket.connect"})
        task = asyncio.create_task(application(self.scope, self.receive, self.send))
        await asyncio.wait_for(self.accepted.wait(), 10)
        return task


async def test_a_stuck_dashboard_is_dropped_and_the_others_get_every_event(
    bob, bus_station: Placement, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consumers, "SLOW_DASHBOARD_SECONDS", 0.5, raising=False)
    stuck = StuckDashboard(await database_sync_to_async(_session_cookie)(bob))
    stuck_task = await stuck.connect()
    healthy = await _session_socket(bob)

    references = []
    for index in range(3):
        report, _ = await database_sync_to_async(report_start)(
            placement=bus_station, step="details", value=f"answer {index}"
        )
        references.append(report.reference)

    # The healthy dashboard hears every event, in order, while the stuck one is still stuck.
    # (A new report may be announced more than once: routed, then answered.)
    heard: list[str] = []
    while len(heard) < len(references):
        reference = (await healthy.receive_json_from(timeout=5))["report"]
        if reference not in heard:
            heard.append(reference)
    assert heard == references
    # The stuck one is dropped (its consumer ends) instead of holding events back; its page
    # reconnects and reloads the list, which has every report (test_inbox covers the list).
    await asyncio.wait_for(stuck_task, 10)
    assert stuck_task.done()
    await healthy.disconnect()


async def test_a_burst_larger_than_a_channel_holds_reaches_every_dashboard_in_order(
    bob, bus_station: Placement
) -> None:
    # The channel layer kept at most 100 messages per socket and dropped the rest silently;
    # a busy hour (or a slow second) must not cost a dashboard events.
    sockets = [await _session_socket(bob) for _ in range(3)]
    group = organization_group(bus_station.organization_id)

    def burst() -> None:
        for index in range(300):
            live._send([group], {"kind": "report", "report": f"R{index}"})

    await database_sync_to_async(burst)()

    for socket in sockets:
        heard = [(await socket.receive_json_from(timeout=5))["report"] for _ in range(300)]
        assert heard == [f"R{index}" for index in range(300)]
    for socket in sockets:
        await socket.disconnect()


async def test_a_stuck_dashboard_holds_back_no_organization_and_events_keep_to_their_own(
    bob, charlie, st_brigid, bus_station: Placement, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consumers, "SLOW_DASHBOARD_SECONDS", 0.5, raising=False)
    stuck = StuckDashboard(await database_sync_to_async(_session_cookie)(bob))
    stuck_task = await stuck.connect()
    ours = [await _session_socket(bob) for _ in range(2)]
    theirs = await _session_socket(charlie)
    charlie_org = st_brigid.pk

    def publish() -> None:
        for index in range(5):
            live._send([organization_group(bus_station.organization_id)], {"n": f"ours {index}"})
            live._send([organization_group(charlie_org)], {"n": f"theirs {index}"})

    await database_sync_to_async(publish)()

    for socket in ours:
        heard = [(await socket.receive_json_from(timeout=5))["n"] for _ in range(5)]
        assert heard == [f"ours {index}" for index in range(5)]
        assert await socket.receive_nothing(timeout=0.3)  # nothing of the other organization
    heard = [(await theirs.receive_json_from(timeout=5))["n"] for _ in range(5)]
    assert heard == [f"theirs {index}" for index in range(5)]
    assert await theirs.receive_nothing(timeout=0.3)
    await asyncio.wait_for(stuck_task, 10)  # dropped; its page reconnects and catches up
    for socket in [*ours, theirs]:
        await socket.disconnect()


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL")
async def test_a_broken_subscription_drops_the_sockets_so_they_catch_up(
    bob, bus_station: Placement
) -> None:
    # An event published while this process was not subscribed would be lost without a word;
    # dropping the sockets makes the pages reconnect and reload instead.
    socket = await _session_socket(bob)
    subscriber = live._subscribers[asyncio.get_running_loop()]

    # Redis ends the subscription (a restart, a failover): kill this very connection there.
    port = subscriber.connection._writer.get_extra_info("sockname")[1]
    server = redis.Redis.from_url(os.environ["REDIS_URL"])
    ids = [c["id"] for c in server.client_list() if c["addr"].endswith(f":{port}")]
    assert len(ids) == 1
    server.client_kill_filter(_id=ids[0])

    await asyncio.wait_for(asyncio.shield(socket.future), 10)  # the socket's consumer ended
    fresh = await _session_socket(bob)  # a reconnect subscribes afresh and hears events
    await database_sync_to_async(live._send)(
        [organization_group(bus_station.organization_id)], {"n": "after"}
    )
    assert (await fresh.receive_json_from(timeout=5))["n"] == "after"
    await fresh.disconnect()
