"""A dashboard whose connection does not drain is dropped; the others hear every event."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.db import database_sync_to_async

from safepath.asgi import application
from safepath.cases import consumers
from safepath.cases.tests.test_live_socket import _session_cookie, _session_socket
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
