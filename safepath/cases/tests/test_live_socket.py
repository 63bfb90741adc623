"""The dashboard socket delivers an organization's events to its members only."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from safepath.asgi import application
from safepath.placements.models import Placement
from safepath.placements.services import placement_record_scan
from safepath.reports.services import report_start

pytestmark = pytest.mark.django_db(transaction=True)


async def test_a_new_report_reaches_its_organization_and_no_other(
    bob, charlie, bus_station: Placement
) -> None:
    bob_socket = await _session_socket(bob)
    charlie_socket = await _session_socket(charlie)

    report, _ = await database_sync_to_async(report_start)(
        placement=bus_station, step="what", value="The contents stay out of events"
    )

    event = await bob_socket.receive_json_from(timeout=2)
    assert event == {
        "kind": "report",
        "report": report.reference,
        "placement": bus_station.public_name,
    }
    assert await charlie_socket.receive_nothing(timeout=0.3)
    await bob_socket.disconnect()
    await charlie_socket.disconnect()


async def test_a_scan_reaches_the_dashboard(bob, bus_station: Placement) -> None:
    socket = await _session_socket(bob)

    await database_sync_to_async(placement_record_scan)(placement=bus_station)

    event = await socket.receive_json_from(timeout=2)
    assert event["kind"] == "scan"
    assert event["placement"] == bus_station.public_name
    await socket.disconnect()


async def test_anonymous_socket_is_refused(db) -> None:
    communicator = WebsocketCommunicator(
        application, "/ws/dashboard/", headers=[(b"origin", b"http://127.0.0.1:8000")]
    )

    connected, _ = await communicator.connect()

    assert not connected


async def test_socket_without_second_factor_is_refused(bob) -> None:
    cookie = await database_sync_to_async(_session_cookie)(bob, second_factor=False)
    communicator = WebsocketCommunicator(
        application,
        "/ws/dashboard/",
        headers=[(b"origin", b"http://127.0.0.1:8000"), (b"cookie", cookie.encode())],
    )

    connected, _ = await communicator.connect()

    assert not connected


async def test_socket_from_a_foreign_origin_is_refused(bob) -> None:
    client = await database_sync_to_async(_session_cookie)(bob)
    communicator = WebsocketCommunicator(
        application,
        "/ws/dashboard/",
        headers=[(b"origin", b"https://evil.example"), (b"cookie", client.encode())],
    )

    connected, _ = await communicator.connect()

    assert not connected


def _session_cookie(user, *, second_factor: bool = True) -> str:
    from django.conf import settings
    from django.test import Client

    from safepath.conftest import logged_in

    if second_factor:
        client = logged_in(user)
    else:
        client = Client()
        client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def _session_socket(user) -> WebsocketCommunicator:
    cookie = await database_sync_to_async(_session_cookie)(user)
    communicator = WebsocketCommunicator(
        application,
        "/ws/dashboard/",
        headers=[(b"origin", b"http://127.0.0.1:8000"), (b"cookie", cookie.encode())],
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def test_a_partner_the_report_is_shared_with_hears_new_answers(
    alice, charlie, bus_station: Placement, st_brigid
) -> None:
    from safepath.cases import services
    from safepath.cases.models import ShareAccess
    from safepath.reports.services import report_add_answer

    report, _ = await database_sync_to_async(report_start)(
        placement=bus_station, step="what", value="first"
    )
    await database_sync_to_async(services.share_create)(
        actor=alice,
        organization=bus_station.organization,
        shared_with=st_brigid,
        access=ShareAccess.READ,
        reason="task force review",
        report=report,
    )
    partner = await _session_socket(charlie)

    await database_sync_to_async(report_add_answer)(report=report, step="where", value="later")

    event = await partner.receive_json_from(timeout=2)
    assert event["report"] == report.reference
    await partner.disconnect()
