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
    await communicator.disconnect()  # the refused consumer still waits: end it as a browser would


async def test_socket_without_second_factor_is_refused(bob) -> None:
    cookie = await database_sync_to_async(_session_cookie)(bob, second_factor=False)
    communicator = WebsocketCommunicator(
        application,
        "/ws/dashboard/",
        headers=[(b"origin", b"http://127.0.0.1:8000"), (b"cookie", cookie.encode())],
    )

    connected, _ = await communicator.connect()

    assert not connected
    await communicator.disconnect()  # the refused consumer still waits: end it as a browser would


async def test_socket_from_a_foreign_origin_is_refused(bob) -> None:
    client = await database_sync_to_async(_session_cookie)(bob)
    communicator = WebsocketCommunicator(
        application,
        "/ws/dashboard/",
        headers=[(b"origin", b"https://evil.example"), (b"cookie", client.encode())],
    )

    connected, _ = await communicator.connect()

    assert not connected
    await communicator.disconnect()  # the refused consumer still waits: end it as a browser would


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


async def _socket_for_client(client) -> WebsocketCommunicator:
    from django.conf import settings

    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    communicator = WebsocketCommunicator(
        application,
        "/ws/dashboard/",
        headers=[(b"origin", b"http://127.0.0.1:8000"), (b"cookie", cookie.encode())],
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def test_signing_out_closes_the_socket_and_stops_events(bob, bus_station: Placement) -> None:
    from safepath.conftest import logged_in

    client = await database_sync_to_async(logged_in)(bob)
    socket = await _socket_for_client(client)

    await database_sync_to_async(client.post)("/accounts/logout/")

    assert await socket.receive_json_from(timeout=2) == {"kind": "session_ended"}
    closed = await socket.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": 4401}
    await database_sync_to_async(report_start)(placement=bus_station, step="what", value="x")
    assert await socket.receive_nothing(timeout=0.5)


async def test_an_idle_session_ends_on_the_open_socket_without_a_click(
    bob, bus_station: Placement, settings
) -> None:
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    from safepath.conftest import logged_in

    settings.SESSION_IDLE_SECONDS = 2
    client = await database_sync_to_async(logged_in)(bob)
    await database_sync_to_async(client.get)("/dashboard/")  # the last request: now idle
    socket = await _socket_for_client(client)

    assert await socket.receive_json_from(timeout=10) == {"kind": "session_ended"}
    closed = await socket.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": 4401}
    key = client.cookies["sessionid"].value
    stored = await database_sync_to_async(Session.objects.filter(session_key=key).first)()
    assert stored is None or SESSION_KEY not in stored.get_decoded()


async def test_a_frame_that_is_not_json_does_not_break_the_socket(
    bob, bus_station: Placement
) -> None:
    socket = await _session_socket(bob)

    await socket.send_to(text_data="this is not json {")
    await socket.send_to(bytes_data=b"\xff\x00")

    await database_sync_to_async(placement_record_scan)(placement=bus_station)
    event = await socket.receive_json_from(timeout=2)
    assert event["kind"] == "scan"
    await socket.disconnect()


async def test_an_idle_socket_outlasts_the_channel_layers_blocking_wait(
    bob, bus_station: Placement
) -> None:
    # With Redis, a socket waits for events in blocking pops that Redis answers empty after
    # brpop_timeout; a client read timeout no longer than that killed every quiet socket.
    from channels.layers import get_channel_layer

    quiet = getattr(get_channel_layer(), "brpop_timeout", 1) + 2
    socket = await _session_socket(bob)

    assert await socket.receive_nothing(timeout=quiet, interval=0.1)

    await database_sync_to_async(placement_record_scan)(placement=bus_station)
    event = await socket.receive_json_from(timeout=2)
    assert event["kind"] == "scan"
    await socket.disconnect()


async def test_a_failing_session_watcher_is_logged_and_closes_the_socket(
    bob, monkeypatch, caplog
) -> None:
    from safepath.cases import consumers

    def broken(session):
        raise RuntimeError("session store unreachable")

    monkeypatch.setattr(consumers, "seconds_left", broken)
    socket = await _session_socket(bob)

    closed = await socket.receive_output(timeout=2)

    assert closed == {"type": "websocket.close", "code": 1011}
    failures = [r for r in caplog.records if r.name == "safepath.cases.consumers"]
    assert failures and failures[0].exc_info is not None
    assert "session store unreachable" in str(failures[0].exc_info[1])
    await socket.disconnect()
