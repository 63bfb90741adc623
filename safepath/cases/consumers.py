"""The dashboard's WebSocket: forwards live events of the member's organizations."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
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
# never wait for it: the fan-out only puts each event on each socket's own queue.
SLOW_DASHBOARD_SECONDS = 5.0
SLOW_DASHBOARD_BACKLOG = 1000


class DashboardConsumer(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]
    live_groups: list[str]
    watcher: asyncio.Future[None] | None = None
    writer: asyncio.Future[None] | None = None
    main_task: asyncio.Task[Any] | None = None
    dropped = False

    async def connect(self) -> None:
        self.groups_joined = []
        self.live_groups = []
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        if not await database_sync_to_async(_second_factor_ok)(user, self.scope.get("session")):
            await self.close(code=4403)
            return
        session = self.scope["session"]
        # The person's own group: leaving an organization closes their sockets at once; the
        # session's group: signing out or timing out closes them too. Both are rare and go
        # through the channel layer; the organizations' events come through core.live.
        for group in (user_group(user.pk), session_group(session.session_key)):
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        # Events waiting for this socket, and the writer's wake-up: a list and a future cost a
        # fraction of an asyncio.Queue's three deques, times 1,000 sockets.
        self.outbox: list[str] = []
        self.wake: asyncio.Future[None] | None = None
        self.live_groups = await self.organization_groups(user)
        await live.listen(self, self.live_groups)
        await self.accept()
        self.writer = asyncio.ensure_future(self._write_events())
        self.watcher = asyncio.ensure_future(self._watch_session())

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # However the consumer ends (a clean close or an error in the channel layer, which
        # skips disconnect), its session watcher ends with it instead of running on alone.
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
            await self._leave_groups()
        finally:
            self._stop_listening()
            await self._stop_task("writer")
            await self._stop_watcher()

    # core.live's side: called on this socket's loop, never waits. ---------------------------

    def deliver(self, text: str) -> None:
        if self.dropped:
            return
        if len(self.outbox) >= SLOW_DASHBOARD_BACKLOG:
            self.drop()
            return
        self.outbox.append(text)
        if self.wake is not None and not self.wake.done():
            self.wake.set_result(None)

    def drop(self) -> None:
        if self.dropped:
            return
        self.dropped = True
        self._stop_listening()
        if self.main_task is not None and not self.main_task.done():
            self.main_task.cancel()

    async def _write_events(self) -> None:
        """Send this socket's events in order; one that cannot be sent in time drops it."""
        loop = asyncio.get_running_loop()
        while True:
            if not self.outbox:
                self.wake = loop.create_future()
                await self.wake
                self.wake = None
            texts, self.outbox = self.outbox, []
            for text in texts:
                try:
                    async with asyncio.timeout(SLOW_DASHBOARD_SECONDS):
                        await self.send(text_data=text)
                except TimeoutError:
                    self.drop()
                    return

    def _stop_listening(self) -> None:
        groups, self.live_groups = getattr(self, "live_groups", []), []
        live.stop_listening(self, groups)

    async def _leave_groups(self) -> None:
        groups, self.groups_joined = getattr(self, "groups_joined", []), []
        for group in groups:
            with contextlib.suppress(Exception):
                await self.channel_layer.group_discard(group, self.channel_name)

    async def organization_groups(self, user: Any) -> list[str]:
        """The live groups this socket hears (analytics' socket hears counts instead)."""
        org_ids = await database_sync_to_async(_content_organization_ids)(user)
        return [organization_group(o) for o in org_ids]

    async def _watch_session(self) -> None:
        """End the socket when its session ends by idling: the socket is not activity."""
        session = self.scope["session"]
        try:
            while True:
                left = await database_sync_to_async(seconds_left)(session)
                if left <= 0:
                    await self.session_ended({})
                    return
                await asyncio.sleep(min(max(left + 0.5, 1.0), 60.0))
        except asyncio.CancelledError:
            raise
        except Exception:
            # A task started with ensure_future fails silently: say so, and close rather
            # than keep a socket whose session nobody checks (the page reconnects, and the
            # new socket checks its session afresh).
            logger.exception("The live socket's session watcher failed; closing the socket")
            with contextlib.suppress(Exception):
                await self.close(code=1011)

    async def _stop_watcher(self) -> None:
        await self._stop_task("watcher")

    async def _stop_task(self, name: str) -> None:
        task = getattr(self, name, None)
        setattr(self, name, None)
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def disconnect(self, code: int) -> None:
        self._stop_listening()
        await self._stop_watcher()
        await self._leave_groups()

    async def session_ended(self, message: dict[str, Any]) -> None:
        """The staff session ended (sign-out in any tab, idle timeout): say so, then close."""
        if getattr(self, "ended", False):
            return
        self.ended = True
        self._stop_listening()
        await self._leave_groups()
        with contextlib.suppress(Exception):
            await self.send_json({"kind": "session_ended"})
        await self.close(code=4401)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # The dashboard sends nothing; whatever arrives (not JSON, binary) is ignored rather
        # than crashing the connection.
        if text_data:
            with contextlib.suppress(ValueError):
                json.loads(text_data)

    async def account_ended(self, message: dict[str, Any]) -> None:
        await self.close(code=4403)
