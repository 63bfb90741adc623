"""The analytics page's WebSocket: counter bumps of the organizations whose figures the member
may read. The events name a counter, an organization and an hour, nothing else.

It is the dashboard's socket (second factor, closed when the session or the membership ends)
listening to other groups.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async

from safepath.analytics.access import analytics_organizations
from safepath.cases.consumers import DashboardConsumer
from safepath.core.live import analytics_group


def _analytics_organization_ids(user: Any) -> list[int]:
    return list(analytics_organizations(user).values_list("pk", flat=True))


class AnalyticsConsumer(DashboardConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if (
            user is not None
            and user.is_authenticated
            and not await database_sync_to_async(_analytics_organization_ids)(user)
        ):
            await self.close(code=4403)
            return
        await super().connect()

    async def organization_groups(self, user: Any) -> list[str]:
        org_ids = await database_sync_to_async(_analytics_organization_ids)(user)
        return [analytics_group(o) for o in org_ids]
