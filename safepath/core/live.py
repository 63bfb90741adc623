"""Live updates to staff dashboards over the Channels layer.

Services publish small events ("a report changed", "a code was scanned") to one group per
organization. Events name objects and places, never report contents: the dashboard fetches
what it shows through authenticated, tenant-scoped views. Events are sent after the database
transaction commits, so a dashboard never sees something that is later rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

DASHBOARD_EVENT = "dashboard.event"


def organization_group(organization_id: int) -> str:
    return f"org.{organization_id}"


def analytics_group(organization_id: int) -> str:
    """Analytics pages listen here: counter bumps only, never a place or a report."""
    return f"analytics.{organization_id}"


def _send(groups: list[str], event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": DASHBOARD_EVENT, "event": event}
    for group in groups:
        try:
            async_to_sync(layer.group_send)(group, message)
        except Exception:
            # A live update is a convenience on top of durable rows: the dashboard catches up
            # on reconnect. Never fail a reporter's save because the layer is unavailable.
            logger.exception("Could not publish a live event to %s", group)


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
