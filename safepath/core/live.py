"""Live updates to staff dashboards and analytics pages.

Services publish small events ("a report changed", "a code was scanned") to one group per
organization. Events name objects and places, never report contents: the dashboard fetches
what it shows through authenticated, tenant-scoped views. Events are sent after the database
transaction commits, so a dashboard never sees something that is later rolled back.

Fan-out is per process, not per socket. Each server process keeps its open sockets by group
(:data:`_local`) and hands every event, encoded to JSON once, straight to each local socket:
under uvicorn (``safepath.run``) the event's WebSocket frame is built once too and written as
is to each connection that has room (:func:`text_frame`, :func:`_frame_writer`); a socket
whose connection is backed up queues it instead. A chunk of sockets at a time: between
chunks, and between events, the loop serves whatever else waits (the next answer's request).
Nothing per socket is copied, serialized or sent through the channel layer. With
Redis, an event is published once on the group's pub/sub channel, and each process holds one
subscription per group that has a socket on it there, then delivers locally. The channel
layer's ``group_send`` cost one message per member (one Redis list push each, 1,000 per event
for 1,000 dashboards) and dropped what did not fit a channel's capacity of 100 without a word;
this costs one publish per event and one delivery per process.

Handing an event over never makes the publisher wait: a socket that cannot keep up is dropped (see
``cases.consumers``) and catches up when it reconnects. If the subscription itself breaks,
every local socket is dropped the same way, so nothing published meanwhile is silently lost.

Inside the ASGI server the save does not wait for the fan-out: the event is handed to one
publisher task on the server's event loop (in order), and the request goes on. Elsewhere (the
worker, management commands, tests without a server) it is sent at once.

The person signals (``close_user_sockets``: a membership ended; ``cases.live_sessions``: a
session ended) are rare and addressed to one person or session: :func:`signal` names the
group, and every socket :func:`watch`-ing it, in every process, is told. With Redis that is
one publish on one channel that every process subscribes to once (a subscription per person
would cost a round trip per socket opened). Dashboard sockets use no channel layer at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any, Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)


def organization_group(organization_id: int) -> str:
    return f"org.{organization_id}"


def analytics_group(organization_id: int) -> str:
    """Analytics pages listen here: counter bumps only, never a place or a report."""
    return f"analytics.{organization_id}"


def encode_event(event: dict[str, Any]) -> str:
    """The text frame for ``event``: encoded once here, not once per socket."""
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


class Listener(Protocol):
    """An open socket as the fan-out sees it. Both methods are called on the socket's own
    event loop and must return at once."""

    def deliver(self, text: str) -> None: ...

    def drop(self) -> None:
        """Close the socket: it missed or may miss events, and catches up on reconnect."""


class _LocalFanout:
    """This process's open sockets, by group and by the event loop each one runs on."""

    def __init__(self) -> None:
        self.groups: dict[str, dict[Listener, asyncio.AbstractEventLoop]] = {}

    def add(self, group: str, listener: Listener, loop: asyncio.AbstractEventLoop) -> bool:
        """Add ``listener``; True when it is the first on this loop to hear ``group``."""
        members = self.groups.setdefault(group, {})
        first = loop not in members.values()
        members[listener] = loop
        return first

    def remove(self, group: str, listener: Listener) -> bool:
        """Remove ``listener``; True when no other socket on its loop hears ``group``."""
        members = self.groups.get(group)
        if not members or listener not in members:
            return False
        loop = members.pop(listener)
        if not members:
            del self.groups[group]
        return loop not in members.values()

    def on_loop(self, loop: asyncio.AbstractEventLoop) -> list[Listener]:
        return list(
            {
                listener
                for members in list(self.groups.values())
                for listener, its_loop in list(members.items())
                if its_loop is loop
            }
        )

    def deliver(
        self, group: str, text: str, *, only: asyncio.AbstractEventLoop | None = None
    ) -> list[Listener]:
        """Hand ``text`` to every local socket of ``group`` (on loop ``only``, if given).

        Sockets on other loops get it through their loop; those on the running loop are
        returned, for the caller to hand it to (:func:`_deliver_here`)."""
        members = self.groups.get(group)
        if not members:
            return []
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        here: list[Listener] = []
        elsewhere: dict[asyncio.AbstractEventLoop, list[Listener]] = {}
        for listener, loop in list(members.items()):  # a copy: sockets come and go meanwhile
            if only is not None and loop is not only:
                continue
            if loop is running:
                here.append(listener)
            else:
                elsewhere.setdefault(loop, []).append(listener)
        for loop, listeners in elsewhere.items():
            with contextlib.suppress(RuntimeError):  # that loop closed: its sockets are gone
                loop.call_soon_threadsafe(_deliver_each, listeners, text)
        return here


def _deliver_each(listeners: list[Listener], text: str) -> None:
    for listener in listeners:
        listener.deliver(text)


# Sockets handed an event between two turns of the event loop. Handing one to a socket writes
# its frame to the connection (a system call, ~25 µs): 1,000 sockets of one organization in a
# row held the loop ~100 ms, and the next answer's request waited behind them.
FANOUT_CHUNK = 100


async def _deliver_here(
    group: str, text: str, *, only: asyncio.AbstractEventLoop | None = None
) -> None:
    """Hand ``text`` to the local sockets of ``group``, a chunk at a time, letting the loop
    serve requests in between. The caller awaits this before the next event: order holds."""
    listeners = _local.deliver(group, text, only=only)
    for start in range(0, len(listeners), FANOUT_CHUNK):
        if start:
            await asyncio.sleep(0)
        for listener in listeners[start : start + FANOUT_CHUNK]:
            listener.deliver(text)


def text_frame(text: str) -> bytes:
    """The WebSocket frame (server to client: unmasked, unfragmented, uncompressed) carrying
    ``text``: built once per event and written as is to every socket that can take it now."""
    global _last_frame
    cached = _last_frame
    if cached is not None and cached[0] is text:
        return cached[1]
    payload = text.encode()
    length = len(payload)
    if length < 126:
        header = bytes((0x81, length))
    elif length < 1 << 16:
        header = bytes((0x81, 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + length.to_bytes(8, "big")
    frame = header + payload
    _last_frame = (text, frame)
    return frame


_last_frame: tuple[str, bytes] | None = None


_local = _LocalFanout()


# Redis: one publish per event, one subscription per process (and loop) per group. ----------


def _redis_url() -> str:
    return str(getattr(settings, "REDIS_URL", "") or "")


# The one pub/sub channel of the person signals; its messages name the group.
SIGNALS = "signals"


def _channel_prefix() -> str:
    # Pub/sub channels are shared by every database of a Redis server: name the database so
    # two deployments on one server (a developer's and CI's) never hear each other.
    database = urlsplit(_redis_url()).path.strip("/") or "0"
    return f"safepath:{database}:live:"


class _RedisSubscriber:
    """One pub/sub connection on one event loop: subscribed to each group that has a socket
    on this loop, delivering what arrives to those sockets."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.prefix = _channel_prefix().encode()
        self.connection: Any = None
        self.ready: asyncio.Future[None] | None = None
        self.confirmations: dict[bytes, list[asyncio.Future[None]]] = {}
        self.reader: asyncio.Task[None] | None = None
        self.broken = False

    async def _connect(self) -> None:
        if self.ready is None:
            self.ready = self.loop.create_future()
            try:
                from redis.asyncio import Connection
                from redis.asyncio.connection import parse_url

                # Waits between events are long: no read timeout; keepalive finds a dead peer.
                options: dict[str, Any] = {**parse_url(_redis_url()), "socket_keepalive": True}
                self.connection = Connection(**options)
                await self.connection.connect()
                self.reader = self.loop.create_task(self._read())
                # Every loop hears the person signals (few, and addressed by name).
                await self._subscribe(self.prefix + SIGNALS.encode())
                self.ready.set_result(None)
            except BaseException as error:
                self.ready.set_exception(error)
                self.ready.exception()  # retrieved: the caller gets it below
                raise
        await asyncio.shield(self.ready)

    async def subscribe(self, group: str) -> None:
        await self._connect()
        await self._subscribe(self.prefix + group.encode())

    async def _subscribe(self, channel: bytes) -> None:
        confirmed = self.loop.create_future()
        self.confirmations.setdefault(channel, []).append(confirmed)
        await self.connection.send_command("SUBSCRIBE", channel, check_health=False)
        # Accepted only once subscribed: an event published after the socket opened arrives.
        await asyncio.wait_for(asyncio.shield(confirmed), 10)

    async def unsubscribe(self, group: str) -> None:
        if self.connection is not None and not self.broken:
            with contextlib.suppress(Exception):
                await self.connection.send_command(
                    "UNSUBSCRIBE", self.prefix + group.encode(), check_health=False
                )

    async def _read(self) -> None:
        try:
            while True:
                reply = await self.connection.read_response(timeout=math.inf, push_request=True)
                kind = reply[0]
                if kind == b"message":
                    group = reply[1][len(self.prefix) :].decode()
                    if group == SIGNALS:  # a person's or a session's group, named in the message
                        group = reply[2].decode()
                        _deliver_each(_local.deliver(group, group, only=self.loop), group)
                    else:
                        await _deliver_here(group, reply[2].decode(), only=self.loop)
                        await asyncio.sleep(0)  # see _Publisher.run
                elif kind == b"subscribe":
                    for confirmed in self.confirmations.pop(reply[1], []):
                        if not confirmed.done():
                            confirmed.set_result(None)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("The live events subscription broke; dropping this loop's sockets")
            self._break()

    def _break(self) -> None:
        self.broken = True
        if _subscribers.get(self.loop) is self:
            del _subscribers[self.loop]
        for waiting in self.confirmations.values():
            for confirmed in waiting:
                if not confirmed.done():
                    confirmed.set_exception(ConnectionError("live subscription lost"))
                    confirmed.exception()
        self.confirmations.clear()
        for listener in _local.on_loop(self.loop):
            listener.drop()
        if self.connection is not None:
            _in_background(self.loop, self._disconnect())

    async def _disconnect(self) -> None:
        with contextlib.suppress(Exception):
            await self.connection.disconnect()


_subscribers: dict[asyncio.AbstractEventLoop, _RedisSubscriber] = {}
_sync_redis: Any = None
_background: set[asyncio.Task[None]] = set()  # held until done: the loop keeps weak references


def _in_background(loop: asyncio.AbstractEventLoop, work: Awaitable[None]) -> None:
    async def run() -> None:
        await work

    task = loop.create_task(run())
    _background.add(task)
    task.add_done_callback(_background.discard)


def _subscriber(loop: asyncio.AbstractEventLoop) -> _RedisSubscriber:
    subscriber = _subscribers.get(loop)
    if subscriber is None:
        subscriber = _subscribers[loop] = _RedisSubscriber(loop)
    return subscriber


async def listen(listener: Listener, groups: Iterable[str]) -> None:
    """Deliver the events of ``groups`` to ``listener`` (on the running loop) from now on."""
    loop = asyncio.get_running_loop()
    for group in groups:
        first = _local.add(group, listener, loop)
        if first and _redis_url():
            try:
                await _subscriber(loop).subscribe(group)
            except BaseException:
                stop_listening(listener, [group])
                raise


def stop_listening(listener: Listener, groups: Iterable[str]) -> None:
    """Stop delivering to ``listener``; a group's subscription ends with its last socket."""
    for group in groups:
        last = _local.remove(group, listener)
        if last and _redis_url():
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                continue
            subscriber = _subscribers.get(loop)
            if subscriber is not None:
                _in_background(loop, subscriber.unsubscribe(group))


async def watch(listener: Listener, groups: Iterable[str]) -> None:
    """Signal ``listener`` (on the running loop) when :func:`signal` names one of ``groups``:
    a person's or a session's group. Unlike an organization's, these groups take no
    subscription of their own: every process hears every signal on one channel."""
    loop = asyncio.get_running_loop()
    groups = list(groups)
    for group in groups:
        _local.add(group, listener, loop)
    if _redis_url():
        try:
            await _subscriber(loop)._connect()
        except BaseException:
            unwatch(listener, groups)
            raise


def unwatch(listener: Listener, groups: Iterable[str]) -> None:
    for group in groups:
        _local.remove(group, listener)


def signal(group: str) -> None:
    """Call ``deliver`` of every listener watching ``group``, in every server process, now.

    For what is rare and addressed to one person (their membership ended, their session
    ended): one publish on the signals channel with Redis, else to this process's loops."""
    if not _redis_url():
        _deliver_each(_local.deliver(group, group), group)
        return
    global _sync_redis
    try:
        if _sync_redis is None:
            import redis

            _sync_redis = redis.Redis.from_url(_redis_url(), socket_timeout=5)
        _sync_redis.publish(_channel_prefix() + SIGNALS, group)
    except Exception:
        logger.exception("Could not send the live signal for %s", group.split(".")[0])


async def close_subscriptions() -> None:
    """End this loop's subscription (tests, shutdown): its sockets are dropped."""
    subscriber = _subscribers.pop(asyncio.get_running_loop(), None)
    if subscriber is not None and subscriber.reader is not None:
        subscriber.reader.cancel()
        with contextlib.suppress(BaseException):
            await subscriber.reader
        await subscriber._disconnect()


def _publish_now(groups: list[str], text: str) -> None:
    """Send from a thread with no server loop (the worker, a command, a test)."""
    global _sync_redis
    if not _redis_url():
        for group in groups:
            _deliver_each(_local.deliver(group, text), text)
        return
    if _sync_redis is None:
        import redis

        _sync_redis = redis.Redis.from_url(_redis_url(), socket_timeout=5)
    prefix = _channel_prefix()
    for group in groups:
        try:
            _sync_redis.publish(prefix + group, text)
        except Exception:
            # A live update is a convenience on top of durable rows: the dashboard catches up
            # on reconnect. Never fail a reporter's save because Redis is unavailable.
            logger.exception("Could not publish a live event to %s", group)


class _Publisher:
    """One queue and one task on the server's event loop that publish events, in order."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[tuple[list[str], str]] = asyncio.Queue()
        self.task = loop.create_task(self.run())

    async def run(self) -> None:
        client: Any = None
        prefix = _channel_prefix()
        while True:
            groups, text = await self.queue.get()
            for group in groups:
                try:
                    if not _redis_url():
                        await _deliver_here(group, text)
                        # One turn of the loop between events: in a burst (the queue holds
                        # many) the sockets read what they were written meanwhile, instead
                        # of their buffers filling until they look stuck.
                        await asyncio.sleep(0)
                        continue
                    if client is None:
                        from redis.asyncio import Redis

                        client = Redis.from_url(_redis_url(), socket_timeout=5)
                    await client.publish(prefix + group, text)
                except Exception:
                    logger.exception("Could not publish a live event to %s", group)


_publisher: _Publisher | None = None


def bind_event_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Called by the ASGI application from its event loop: publish from this loop from now."""
    global _publisher
    if _publisher is None or _publisher.loop is not loop or _publisher.task.done():
        _publisher = _Publisher(loop)


def _send(groups: list[str], event: dict[str, Any]) -> None:
    text = encode_event(event)
    publisher = _publisher
    if publisher is not None and publisher.loop.is_running() and not publisher.loop.is_closed():
        try:
            publisher.loop.call_soon_threadsafe(publisher.queue.put_nowait, (groups, text))
            return
        except RuntimeError:  # the loop closed meanwhile: send it here instead
            pass
    _publish_now(groups, text)


ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
    Awaitable[None],
]


WRITE_FRAME = "safepath.write_frame"


def _frame_writer(send: Callable[[Any], Awaitable[None]]) -> Callable[[bytes], bool] | None:
    """A way to write a ready frame straight to this socket's connection, when the server is
    uvicorn's sans-I/O WebSocket protocol (``safepath.run``); None under any other server.

    The ASGI ``send`` of each event costs the socket a task wake-up, an ASGI message, the
    session middleware's check and a frame built anew; writing the event's one frame is
    all it needs. The writer says False when the connection cannot take a frame now (its
    buffer is full, or it is closing): the socket then sends through ASGI as before, which
    waits and, if it waits too long, drops the socket."""
    protocol = getattr(send, "__self__", None)
    if protocol is None or type(protocol).__name__ != "WebSocketsSansIOProtocol":
        return None
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    from websockets.protocol import State

    if not isinstance(protocol, WebSocketsSansIOProtocol):
        return None
    conn, writable = protocol.conn, protocol.writable

    def write(frame: bytes) -> bool:
        if (
            conn.state is not State.OPEN
            or protocol.close_sent
            or not protocol.handshake_complete
            or not writable.is_set()
            or conn.extensions
        ):
            return False
        transport = protocol.transport
        if transport.is_closing():
            return False
        transport.write(frame)
        return True

    return write


class PublishFromServerLoop:
    """ASGI middleware: binds the live-event publisher to the server's event loop, and gives
    each WebSocket's scope a direct frame writer where the server allows one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        bind_event_loop(asyncio.get_running_loop())
        if scope["type"] == "websocket":
            writer = _frame_writer(send)
            if writer is not None:
                # Into the server's own scope of this one connection: every middleware below
                # copies the scope again, so a copy here would be one more per open socket.
                scope[WRITE_FRAME] = writer
        await self.app(scope, receive, send)


def publish_to_organizations(organization_ids: Iterable[int], event: dict[str, Any]) -> None:
    """Send ``event`` to the dashboards of these organizations once the transaction commits."""
    groups = sorted({organization_group(org_id) for org_id in organization_ids})
    if groups:
        transaction.on_commit(lambda: _send(groups, event))


def publish_count(organization_id: int, event: dict[str, Any]) -> None:
    """Tell open analytics pages that a counter moved, once the transaction commits."""
    group = analytics_group(organization_id)
    payload = {**event, "organization": organization_id}
    transaction.on_commit(lambda: _send([group], payload))


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def close_user_sockets(user_id: int) -> None:
    """Close every live socket of this person now (they left, or their access changed)."""
    signal(user_group(user_id))
