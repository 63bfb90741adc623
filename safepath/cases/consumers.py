"""The dashboard's WebSocket: forwards live events of the member's organizations."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from safepath.accounts.mfa import needs_second_factor, session_passed_second_factor
from safepath.cases.selectors import content_organizations
from safepath.core.live import organization_group


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

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        if not await database_sync_to_async(_second_factor_ok)(user, self.scope.get("session")):
            await self.close(code=4403)
            return
        org_ids = await database_sync_to_async(_content_organization_ids)(user)
        for org_id in org_ids:
            group = organization_group(org_id)
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def dashboard_event(self, message: dict[str, Any]) -> None:
        # Encoded once by the publisher, not once per dashboard.
        text = message.get("text") or json.dumps(message["event"])
        try:
            await asyncio.wait_for(self.send(text_data=text), SLOW_DASHBOARD_SECONDS)
        except TimeoutError:
            await self.disconnect(code=4008)
            raise StopConsumer() from None
