"""Live events leave the request without waiting for the fan-out, encoded once, in order."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator

import pytest

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
        asyncio.run_coroutine_threadsafe(live.close_subscriptions(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        # Closed from a thread of its own: the Redis layer flushes itself on close with
        # run_until_complete, which refuses to run where another loop (the test runner's) is.
        closer = threading.Thread(target=loop.close)
        closer.start()
        closer.join(timeout=10)
        live._publisher = None


class Recorder:
    """A socket as core.live sees it: records what it is handed."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.dropped = False

    def deliver(self, text: str) -> None:
        self.texts.append(text)

    def drop(self) -> None:
        self.dropped = True


def test_a_save_hands_its_event_over_without_waiting_for_the_fan_out(
    server_loop: asyncio.AbstractEventLoop,
) -> None:
    sockets = [Recorder() for _ in range(3)]
    for socket in sockets:
        asyncio.run_coroutine_threadsafe(live.listen(socket, ["org.7"]), server_loop).result(10)
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
    deadline = time.monotonic() + 10
    while any(len(s.texts) < 3 for s in sockets) and time.monotonic() < deadline:
        time.sleep(0.05)
    for socket in sockets:
        # In order, and encoded once: every socket is handed the very same text object.
        assert [json.loads(t)["report"] for t in socket.texts] == ["R0", "R1", "R2"]
        assert all(t is first for t, first in zip(socket.texts, sockets[0].texts, strict=True))
    for socket in sockets:
        asyncio.run_coroutine_threadsafe(_stop(socket), server_loop).result(10)


async def _stop(socket: Recorder) -> None:
    live.stop_listening(socket, ["org.7"])


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536])
def test_an_events_frame_is_what_a_websocket_client_reads(size: int) -> None:
    from websockets.frames import Frame, Opcode
    from websockets.streams import StreamReader

    text = live.encode_event({"kind": "report", "note": "é" * (size // 2) + "x" * (size % 2)})
    frame = live.text_frame(text)

    reader = StreamReader()
    reader.feed_data(frame)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=False)
    with pytest.raises(StopIteration) as parsed:
        next(parser)
    assert parsed.value.value == Frame(Opcode.TEXT, text.encode(), fin=True)
    assert reader.at_eof() is not False  # nothing left over
    assert live.text_frame(text) is frame  # built once per event, not once per socket


class Marker(Recorder):
    """The first socket of a large organization: when it is handed an event, it asks the
    loop to note how many events the last socket has by the time the loop runs again."""

    def __init__(self, last: Recorder) -> None:
        super().__init__()
        self.last = last
        self.last_had: list[int] = []

    def deliver(self, text: str) -> None:
        super().deliver(text)
        asyncio.get_running_loop().call_soon(lambda: self.last_had.append(len(self.last.texts)))


def test_a_large_organization_is_handed_each_event_in_order_letting_the_loop_run_between(
    server_loop: asyncio.AbstractEventLoop,
) -> None:
    last = Recorder()
    sockets: list[Recorder] = [Marker(last)]
    sockets += [Recorder() for _ in range(2 * live.FANOUT_CHUNK)]
    sockets.append(last)
    for socket in sockets:
        asyncio.run_coroutine_threadsafe(live.listen(socket, ["org.7"]), server_loop).result(10)

    async def bind() -> None:
        live.bind_event_loop(server_loop)

    asyncio.run_coroutine_threadsafe(bind(), server_loop).result(10)

    for i in range(3):
        live._send(["org.7"], {"kind": "report", "report": f"R{i}"})

    deadline = time.monotonic() + 10
    while len(last.texts) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    for socket in sockets:
        assert [json.loads(t)["report"] for t in socket.texts] == ["R0", "R1", "R2"]
    # The loop ran other work while the first event was still on its way to the last socket
    # (a request waiting meanwhile is served, instead of waiting for every socket).
    marker = sockets[0]
    assert isinstance(marker, Marker)
    assert marker.last_had[0] == 0
    for socket in sockets:
        asyncio.run_coroutine_threadsafe(_stop(socket), server_loop).result(10)
