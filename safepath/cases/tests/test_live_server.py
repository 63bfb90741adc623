"""Through a real server's WebSockets (uvicorn, as safepath.run serves them): a dashboard
whose network stopped reading is dropped, and the others get every event, in order."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from channels.db import database_sync_to_async
from websockets.asyncio.client import connect
from websockets.typing import Origin

from safepath.asgi import application
from safepath.cases import consumers
from safepath.cases.tests.test_live_socket import _session_cookie
from safepath.core import live
from safepath.core.live import organization_group
from safepath.core.testing import free_port

pytestmark = pytest.mark.django_db(transaction=True)

EVENTS = 1500
# ~8 KB an event: 12 MB in all, far more than the kernel buffers for a stopped socket (Linux
# lets a connection's send buffer grow to 4 MB by default).
PADDING = "x" * 8000


@pytest.fixture
async def server() -> AsyncIterator[str]:
    port = free_port()
    config = uvicorn.Config(
        application,
        host="127.0.0.1",
        port=port,
        ws="websockets-sansio",  # what safepath.run serves
        ws_per_message_deflate=False,
        lifespan="off",
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.05)
    assert server.started
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


async def _stopped_reader(address: str, cookie: str) -> tuple[Any, Any]:
    """A dashboard whose browser stopped reading: a tiny receive buffer, never drained."""
    host, port = address.split(":")
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect((host, int(port)))
    raw.setblocking(False)
    reader, writer = await asyncio.open_connection(sock=raw, limit=1024)
    writer.write(
        (
            f"GET /ws/dashboard/ HTTP/1.1\r\nHost: {address}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:8000\r\n"
            f"Cookie: {cookie}\r\n\r\n"
        ).encode()
    )
    assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 101")
    return reader, writer


async def _read_until_closed(reader: Any) -> list[str]:
    """The texts of the frames that reached a stopped dashboard before its connection ended."""
    data = await asyncio.wait_for(reader.read(), 30)  # to EOF: the server ended it
    texts, at = [], 0
    while at < len(data):
        opcode, length = data[at] & 0x0F, data[at + 1] & 0x7F
        at += 2
        if length == 126:
            length, at = int.from_bytes(data[at : at + 2], "big"), at + 2
        elif length == 127:
            length, at = int.from_bytes(data[at : at + 8], "big"), at + 8
        if opcode == 0x1:
            texts.append(data[at : at + length].decode())
        at += length
    return texts


async def test_a_stopped_dashboard_is_dropped_and_the_others_get_every_event_in_order(
    server: str, bob, bus_station, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consumers, "SLOW_DASHBOARD_BACKLOG", 200)
    cookie = await database_sync_to_async(_session_cookie)(bob)
    stopped_reader, stopped_writer = await _stopped_reader(server, cookie)
    healthy = [
        await connect(
            f"ws://{server}/ws/dashboard/",
            origin=Origin("http://127.0.0.1:8000"),
            additional_headers={"Cookie": cookie},
            compression=None,
            max_queue=None,  # this browser reads everything at once
        )
        for _ in range(2)
    ]
    group = organization_group(bus_station.organization_id)

    def burst() -> None:
        for index in range(EVENTS):
            live._send([group], {"kind": "report", "report": f"R{index}", "pad": PADDING})

    await database_sync_to_async(burst)()

    for dashboard in healthy:
        heard = [json.loads(await asyncio.wait_for(dashboard.recv(), 30)) for _ in range(EVENTS)]
        assert [event["report"] for event in heard] == [f"R{index}" for index in range(EVENTS)]
    # The stopped one was dropped: what reached it is the first events, in order, and then
    # its connection ended (its page reconnects and reloads the list, missing nothing).
    reached = [json.loads(text)["report"] for text in await _read_until_closed(stopped_reader)]
    assert len(reached) < EVENTS
    assert reached == [f"R{index}" for index in range(len(reached))]
    stopped_writer.close()
    for dashboard in healthy:
        await dashboard.close()
