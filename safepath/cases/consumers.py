"""The dashboard's WebSocket: forwards live events of the member's organizations."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from safepath.accounts.mfa import needs_second_factor, session_passed_second_factor
from safepath.cases.live_sessions import seconds_left, session_group
from safepath.cases.selectors import content_organizations
from safepath.core.live import organization_group, user_group

logger = logging.getLogger(__name__)


def _content_organization_ids(user: Any) -> list[int]:
    # Live events name reports and places: only roles that may read reports receive them.
    return list(content_organizations(user).values_list("pk", flat=True))


def _second_factor_ok(user: Any, session: Any) -> bool:
    return not needs_second_factor(user) or session_passed_second_factor(user, session)


# A dashboard that cannot take an event within this many seconds (its network or browser is
# stuck) is dropped rather than allowed to hold events back; it reconnects and reloads its
# list, so it misses nothing, and the other dashboards never wait for it.
SLOW_DASHBOARD_SECONDS = 5.0


class DashboardConsumer(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]
    watcher: asyncio.Future[None] | None = None

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        if not await database_sync_to_async(_second_factor_ok)(user, self.scope.get("session")):
            await self.close(code=4403)
            return
        session = self.scope["session"]
        # The person's own group: leaving an organization closes their sockets at once; the
        # session's group: signing out or timing out closes them too.
        groups = [user_group(user.pk), *await self.organization_groups(user)]
        groups.append(session_group(session.session_key))
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        await self.accept()
        self.watcher = asyncio.ensure_future(self._watch_session())

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # However the consumer ends (a clean close or an error in the channel layer, which
        # skips disconnect), its session watcher ends with it instead of running on alone.
        try:
            await super().__call__(scope, receive, send)
        finally:
            await self._stop_watcher()

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
        watcher = getattr(self, "watcher", None)
        self.watcher = None
        if watcher is not None and watcher is not asyncio.current_task():
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watcher

    async def disconnect(self, code: int) -> None:
        await self._stop_watcher()
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = []

    async def session_ended(self, message: dict[str, Any]) -> None:
        """The staff session ended (sign-out in any tab, idle timeout): say so, then close."""
        if getattr(self, "ended", False):
            return
        self.ended = True
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_joined = []
        with contextlib.suppress(Exception):
            await self.send_json({"kind": "session_ended"})
        await self.close(code=4401)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # The dashboard sends nothing; whatever arrives (not JSON, binary) is ignored rather
        # than crashing the connection.
        if text_data:
            with contextlib.suppress(ValueError):
                json.loads(text_data)

    async def dashboard_event(self, message: dict[str, Any]) -> None:
        # Encoded once by the publisher, not once per dashboard.
        text = message.get("text") or json.dumps(message["event"])
        try:
            await asyncio.wait_for(self.send(text_data=text), SLOW_DASHBOARD_SECONDS)
        except TimeoutError:
            await self.disconnect(code=4008)
            raise StopConsumer() from None

    async def account_ended(self, message: dict[str, Any]) -> None:
        await self.close(code=4403)
