"""The dashboard's WebSocket: forwards live events of the member's organizations."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from safepath.accounts.mfa import needs_second_factor, session_passed_second_factor
from safepath.cases.live_sessions import seconds_left, session_group
from safepath.cases.selectors import content_organizations
from safepath.core import live
from safepath.core.live import organization_group, user_group

logger = logging.getLogger(__name__)


def _content_organization_ids(user: Any) -> list[int]:
    # Live events name reports and places: only roles that may read reports receive them.
    return list(content_organizations(user).values_list("pk", flat=True))


def _second_factor_ok(user: Any, session: Any) -> bool:
    return not needs_second_factor(user) or session_passed_second_factor(user, session)


# A dashboard that cannot take an event within this many seconds (its network or browser is
# stuck), or that has this many events waiting, is dropped rather than allowed to hold events
# back; it reconnects and reloads its list, so it misses nothing, and the other dashboards
# never wait for it: the fan-out only writes each event's frame to the sockets that can take
# it at once, and queues it on the others.
SLOW_DASHBOARD_SECONDS = 5.0
SLOW_DASHBOARD_BACKLOG = 1000


class _Ear:
    """What a socket hears on a person's or a session's group (``core.live.watch``): that
    group's signal ends the socket."""

    __slots__ = ("consumer", "reason")

    def __init__(self, consumer: DashboardConsumer, reason: str) -> None:
        self.consumer, self.reason = consumer, reason

    def deliver(self, text: str) -> None:
        self.consumer.end_soon(self.reason)

    def drop(self) -> None:
        self.consumer.drop()


def _sessions_left(sessions: list[Any]) -> list[float | Exception]:
    """``seconds_left`` of each session, or what went wrong reading it."""
    results: list[float | Exception] = []
    for session in sessions:
        try:
            results.append(seconds_left(session))
        except Exception as error:
            results.append(error)
    return results


class _SessionSweeper:
    """One per event loop: ends the sockets whose session ended by idling (a socket is not
    activity), checking each open session when its idle timeout comes due.

    One task and one database round of checks for every socket due at once, instead of a
    watcher task per socket sleeping on its own."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.sockets: dict[str, tuple[Any, set[DashboardConsumer]]] = {}  # by session key
        self.due: dict[str, float] = {}  # session key: when to check it (loop time)
        self.task: asyncio.Task[None] | None = None
        self.wake: asyncio.Future[None] | None = None

    def add(self, session: Any, socket: DashboardConsumer) -> None:
        key = session.session_key
        entry = self.sockets.get(key)
        if entry is None:
            self.sockets[key] = (session, {socket})
            self.due[key] = self.loop.time()  # checked at once, as the socket opens
        else:
            entry[1].add(socket)
        if self.task is None or self.task.done():
            self.task = self.loop.create_task(self._run())
        elif self.wake is not None and not self.wake.done():
            self.wake.set_result(None)

    def remove(self, session: Any, socket: DashboardConsumer) -> None:
        key = session.session_key
        entry = self.sockets.get(key)
        if entry is not None:
            entry[1].discard(socket)
            if not entry[1]:
                del self.sockets[key]
                self.due.pop(key, None)

    async def _run(self) -> None:
        try:
            while self.sockets:
                now = self.loop.time()
                due = [key for key, at in self.due.items() if at <= now]
                if not due:
                    self.wake = self.loop.create_future()
                    timer = self.loop.call_at(min(self.due.values()), self._wake)
                    try:
                        await self.wake
                    finally:
                        timer.cancel()
                        self.wake = None
                    continue
                for key in due:
                    self.due[key] = math.inf  # being checked
                sessions = [self.sockets[key][0] for key in due]
                results = await database_sync_to_async(_sessions_left)(sessions)
                for key, left in zip(due, results, strict=True):
                    entry = self.sockets.get(key)
                    if entry is None:  # its sockets closed meanwhile
                        continue
                    if isinstance(left, Exception) or left <= 0:
                        if isinstance(left, Exception):
                            # Close rather than keep sockets whose session nobody checks (the
                            # page reconnects, and its new socket's session is checked afresh).
                            logger.error(
                                "The live socket's session watcher failed; closing the socket",
                                exc_info=left,
                            )
                        del self.sockets[key]
                        del self.due[key]
                        for socket in entry[1]:
                            socket.end_soon("failed" if isinstance(left, Exception) else "session")
                    else:
                        self.due[key] = self.loop.time() + min(max(left + 0.5, 1.0), 60.0)
        finally:
            if _sweepers.get(self.loop) is self and not self.sockets:
                del _sweepers[self.loop]

    def _wake(self) -> None:
        if self.wake is not None and not self.wake.done():
            self.wake.set_result(None)


_sweepers: dict[asyncio.AbstractEventLoop, _SessionSweeper] = {}


def _sweeper() -> _SessionSweeper:
    loop = asyncio.get_running_loop()
    sweeper = _sweepers.get(loop)
    if sweeper is None:
        sweeper = _sweepers[loop] = _SessionSweeper(loop)
    return sweeper


class DashboardConsumer(AsyncJsonWebsocketConsumer):
    # No channel layer: events and the person signals come through core.live, so a socket
    # needs no channel (and no task waiting on it) of its own.
    channel_layer_alias = None

    live_groups: list[str]
    ears: dict[str, _Ear]
    outbox: list[str]
    write_frame: Any = None
    writer: asyncio.Future[None] | None = None
    ending: asyncio.Future[None] | None = None
    main_task: asyncio.Task[Any] | None = None
    swept: Any = None  # the session the sweeper watches for this socket
    accepted = False
    pending_end: str | None = None
    dropped = False

    async def connect(self) -> None:
        self.live_groups = []
        self.ears = {}
        self.outbox = []
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        if not await database_sync_to_async(_second_factor_ok)(user, self.scope.get("session")):
            await self.close(code=4403)
            return
        session = self.scope["session"]
        # The person's own group: leaving an organization closes their sockets at once; the
        # session's group: signing out closes them too (in every server process).
        self.ears = {
            user_group(user.pk): _Ear(self, "account"),
            session_group(session.session_key): _Ear(self, "session"),
        }
        for group, ear in self.ears.items():
            await live.watch(ear, [group])
        self.write_frame = self.scope.get(live.WRITE_FRAME)
        self.live_groups = await self.organization_groups(user)
        await live.listen(self, self.live_groups)
        await self.accept()
        self.accepted = True
        self.swept = session
        _sweeper().add(session, self)
        if self.pending_end is not None:  # signalled while the socket opened
            self.end_soon(self.pending_end)
        elif self.outbox:  # events that came while the socket opened
            self.writer = asyncio.ensure_future(self._write_events())

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # However the consumer ends (a clean close, a drop, an error), what it listens to and
        # its tasks end with it instead of running on alone.
        self.main_task = asyncio.current_task()
        try:
            await super().__call__(scope, receive, send)
        except asyncio.CancelledError:
            if not self.dropped:
                raise
            # Dropped as too slow (or the live subscription broke): end quietly; the page
            # reconnects and catches up.
            if self.main_task is not None:
                self.main_task.uncancel()
        finally:
            self._leave()
            await self._stop_task("writer")
            await self._stop_task("ending")

    # core.live's side: called on this socket's loop, never waits. ---------------------------

    def deliver(self, text: str) -> None:
        if self.dropped or self.ending is not None:
            return
        if not self.outbox and self.writer is None and self.accepted:
            write = self.write_frame
            if write is not None and write(live.text_frame(text)):
                return  # written: the connection's buffer had room
        if len(self.outbox) >= SLOW_DASHBOARD_BACKLOG:
            self.drop()
            return
        self.outbox.append(text)
        if self.writer is None and self.accepted:
            self.writer = asyncio.ensure_future(self._write_events())

    def drop(self) -> None:
        if self.dropped:
            return
        self.dropped = True
        self._leave()
        if self.main_task is not None and not self.main_task.done():
            self.main_task.cancel()

    def end_soon(self, reason: str) -> None:
        """A signal or the sweeper ended this socket's membership ("account"), session
        ("session") or the check of its session ("failed"): close it."""
        if self.ending is not None or self.dropped:
            return
        if not self.accepted:  # ended once accepted: what it says needs an open socket
            self.pending_end = self.pending_end or reason
            return
        self._leave()
        if reason == "session":
            self.ending = asyncio.ensure_future(self.session_ended({}))
        else:
            self.ending = asyncio.ensure_future(
                self.close(code=4403 if reason == "account" else 1011)
            )

    async def _write_events(self) -> None:
        """Send the waiting events in order; one that cannot be sent in time drops the socket."""
        try:
            while self.outbox and not self.dropped:
                texts, self.outbox = self.outbox, []
                for text in texts:
                    try:
                        async with asyncio.timeout(SLOW_DASHBOARD_SECONDS):
                            await self.send(text_data=text)
                    except TimeoutError:
                        self.drop()
                        return
        finally:
            if self.writer is asyncio.current_task():
                self.writer = None

    def _leave(self) -> None:
        groups, self.live_groups = getattr(self, "live_groups", []), []
        live.stop_listening(self, groups)
        ears, self.ears = getattr(self, "ears", {}), {}
        for group, ear in ears.items():
            live.unwatch(ear, [group])
        swept, self.swept = self.swept, None
        if swept is not None:
            sweeper = _sweepers.get(asyncio.get_running_loop())
            if sweeper is not None:
                sweeper.remove(swept, self)

    async def organization_groups(self, user: Any) -> list[str]:
        """The live groups this socket hears (analytics' socket hears counts instead)."""
        org_ids = await database_sync_to_async(_content_organization_ids)(user)
        return [organization_group(o) for o in org_ids]

    async def _stop_task(self, name: str) -> None:
        task = getattr(self, name, None)
        setattr(self, name, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def disconnect(self, code: int) -> None:
        self._leave()

    async def session_ended(self, message: dict[str, Any]) -> None:
        """The staff session ended (sign-out in any tab, idle timeout): say so, then close."""
        self._leave()
        with contextlib.suppress(Exception):
            await self.send_json({"kind": "session_ended"})
        await self.close(code=4401)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # The dashboard sends nothing; whatever arrives (not JSON, binary) is ignored rather
        # than crashing the connection.
        if text_data:
            with contextlib.suppress(ValueError):
                json.loads(text_data)
