"""Live events leave the request without waiting for the fan-out, encoded once, in order."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator

import pytest
from channels.layers import get_channel_layer

from safepath.core import live


@pytest.fixture
def server_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop in its own thread, standing in for the ASGI server's."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield loop
    finally:
        publisher = live._publisher
        if publisher is not None and publisher.loop is loop:

            async def stop_publisher() -> None:
                publisher.task.cancel()
                await asyncio.gather(publisher.task, return_exceptions=True)

            asyncio.run_coroutine_threadsafe(stop_publisher(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        # Closed from a thread of its own: the Redis layer flushes itself on close with
        # run_until_complete, which refuses to run where another loop (the test runner's) is.
        closer = threading.Thread(target=loop.close)
        closer.start()
        closer.join(timeout=10)
        live._publisher = None


def test_a_save_hands_its_event_over_without_waiting_for_the_fan_out(
    server_loop: asyncio.AbstractEventLoop,
) -> None:
    layer = get_channel_layer()
    assert layer is not None
    channel = asyncio.run_coroutine_threadsafe(layer.new_channel(), server_loop).result(10)
    asyncio.run_coroutine_threadsafe(
        layer.group_add(live.organization_group(7), channel), server_loop
    ).result(10)
    server_loop.call_soon_threadsafe(live.bind_event_loop, server_loop)

    # The server's loop is busy (1,000 dashboards, say): the save must not wait for it.
    busy, release = threading.Event(), threading.Event()

    def hold_the_loop() -> None:
        busy.set()
        release.wait(30)

    server_loop.call_soon_threadsafe(hold_the_loop)
    assert busy.wait(10)

    def save_three() -> None:
        for i in range(3):
            live._send(["org.7"], {"kind": "report", "report": f"R{i}"})

    sent = threading.Thread(target=save_three)
    sent.start()
    sent.join(timeout=10)
    handed_over = not sent.is_alive()
    release.set()

    assert handed_over  # returned while the loop was still busy
    received = [
        asyncio.run_coroutine_threadsafe(layer.receive(channel), server_loop).result(10)
        for _ in range(3)
    ]
    assert [m["event"]["report"] for m in received] == ["R0", "R1", "R2"]  # in order
    # Encoded once, by the publisher: every dashboard forwards the same text.
    assert [json.loads(m["text"]) for m in received] == [m["event"] for m in received]
