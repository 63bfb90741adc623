"""Live counts reach open analytics pages; the dashboard's scan event carries the hour only."""

from __future__ import annotations

from datetime import datetime

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from safepath.asgi import application
from safepath.cases.tests.test_live_socket import _session_cookie, _session_socket
from safepath.placements.models import Placement
from safepath.placements.services import placement_record_scan

pytestmark = pytest.mark.django_db(transaction=True)


async def _analytics_socket(user) -> WebsocketCommunicator:
    cookie = await database_sync_to_async(_session_cookie)(user)
    communicator = WebsocketCommunicator(
        application,
        "/ws/analytics/",
        headers=[(b"origin", b"http://127.0.0.1:8000"), (b"cookie", cookie.encode())],
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def test_a_scan_reaches_the_analytics_page_as_a_count_with_no_place(
    alice, charlie, bus_station: Placement
) -> None:
    ours = await _analytics_socket(alice)
    theirs = await _analytics_socket(charlie)

    await database_sync_to_async(placement_record_scan)(placement=bus_station)

    event = await ours.receive_json_from(timeout=2)
    assert set(event) == {"kind", "counter", "hour", "organization"}
    assert event["kind"] == "count" and event["counter"] == "scans"
    assert event["organization"] == bus_station.organization_id
    hour = datetime.fromisoformat(event["hour"])
    assert (hour.minute, hour.second, hour.microsecond) == (0, 0, 0)
    assert await theirs.receive_nothing(timeout=0.3)
    await ours.disconnect()
    await theirs.disconnect()


async def test_a_responder_cannot_open_the_analytics_socket(bob) -> None:
    cookie = await database_sync_to_async(_session_cookie)(bob)
    communicator = WebsocketCommunicator(
        application,
        "/ws/analytics/",
        headers=[(b"origin", b"http://127.0.0.1:8000"), (b"cookie", cookie.encode())],
    )

    connected, _ = await communicator.connect()

    assert not connected
    # The refused consumer still waits on the channel layer: end it as a browser would.
    await communicator.disconnect()


async def test_the_dashboards_scan_event_carries_the_hour_not_the_minute(
    bob, bus_station: Placement
) -> None:
    socket = await _session_socket(bob)

    await database_sync_to_async(placement_record_scan)(placement=bus_station)

    event = await socket.receive_json_from(timeout=2)
    assert event["kind"] == "scan"
    hour = datetime.fromisoformat(event["hour"])
    assert (hour.minute, hour.second, hour.microsecond) == (0, 0, 0)
    await socket.disconnect()
