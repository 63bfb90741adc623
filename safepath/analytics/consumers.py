"""The analytics page's WebSocket: counter bumps of the organizations whose figures the member
may read. The events name a counter and an hour, nothing else."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from safepath.accounts.mfa import needs_second_factor, session_passed_second_factor
from safepath.analytics.access import analytics_organizations
from safepath.core.live import analytics_group

# The handler below is named after DASHBOARD_EVENT ("dashboard.event"), which _send uses.


def _allowed(user: Any, session: Any) -> list[int] | None:
    if needs_second_factor(user) and not session_passed_second_factor(user, session):
        return None
    return list(analytics_organizations(user).values_list("pk", flat=True))


class AnalyticsConsumer(AsyncJsonWebsocketConsumer):
    groups_joined: list[str]

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        org_ids = await database_sync_to_async(_allowed)(user, self.scope.get("session"))
        if not org_ids:
            await self.close(code=4403)
            return
        for org_id in org_ids:
            group = analytics_group(org_id)
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.append(group)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def dashboard_event(self, message: dict[str, Any]) -> None:
        event = message["event"]
        # One page shows one organization; the event says which, so the page can ignore others.
        await self.send_json(event)
