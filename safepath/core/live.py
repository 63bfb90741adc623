"""Live updates to staff dashboards over the Channels layer.

Services publish small events ("a report changed", "a code was scanned") to one group per
organization. Events name objects and places, never report contents: the dashboard fetches
what it shows through authenticated, tenant-scoped views. Events are sent after the database
transaction commits, so a dashboard never sees something that is later rolled back.

Inside the ASGI server the save does not wait for the fan-out: the event is encoded once and
handed to one publisher task on the server's event loop (in order), and the request goes on.
Elsewhere (the worker, management commands, tests without a server) it is sent at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

DASHBOARD_EVENT = "dashboard.event"


def organization_group(organization_id: int) -> str:
    return f"org.{organization_id}"


def event_message(event: dict[str, Any]) -> dict[str, Any]:
    """The layer message for ``event``: encoded to JSON once here, not once per dashboard."""
    return {
        "type": DASHBOARD_EVENT,
        "event": event,
        "text": json.dumps(event, separators=(",", ":"), ensure_ascii=False),
    }


class _Publisher:
    """One queue and one task on the server's event loop that send events to the layer."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[tuple[list[str], dict[str, Any]]] = asyncio.Queue()
        self.task = loop.create_task(self.run())

    async def run(self) -> None:
        layer = get_channel_layer()
        while True:
            groups, message = await self.queue.get()
            for group in groups:
                try:
                    await layer.group_send(group, message)
                except Exception:
                    logger.exception("Could not publish a live event to %s", group)


_publisher: _Publisher | None = None


def bind_event_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Called by the ASGI application from its event loop: publish from this loop from now."""
    global _publisher
    if _publisher is None or _publisher.loop is not loop or _publisher.task.done():
        _publisher = _Publisher(loop)


def analytics_group(organization_id: int) -> str:
    """Analytics pages listen here: counter bumps only, never a place or a report."""
    return f"analytics.{organization_id}"


def _send(groups: list[str], event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = event_message(event)
    publisher = _publisher
    if publisher is not None and publisher.loop.is_running() and not publisher.loop.is_closed():
        try:
            publisher.loop.call_soon_threadsafe(publisher.queue.put_nowait, (groups, message))
            return
        except RuntimeError:  # the loop closed meanwhile: send it here instead
            pass
    for group in groups:
        try:
            async_to_sync(layer.group_send)(group, message)
        except Exception:
            # A live update is a convenience on top of durable rows: the dashboard catches up
            # on reconnect. Never fail a reporter's save because the layer is unavailable.
            logger.exception("Could not publish a live event to %s", group)


ASGIApp = Callable[
    [MutableMapping[str, Any], Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]],
    Awaitable[None],
]


class PublishFromServerLoop:
    """ASGI middleware: binds the live-event publisher to the server's event loop."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(
        self,
        scope: MutableMapping[str, Any],
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        bind_event_loop(asyncio.get_running_loop())
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


ACCOUNT_ENDED = "account.ended"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def close_user_sockets(user_id: int) -> None:
    """Close every live socket of this person now (they left, or their access changed)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(user_group(user_id), {"type": ACCOUNT_ENDED})
    except Exception:
        logger.exception("Could not close the live sockets of user %s", user_id)
