"""HTTP requests run on the server's fixed pool of threads, whole, and reply as Django would."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from django.conf import settings
from django.core import signals
from django.db import connection

from safepath.asgi import application
from safepath.core.db import retry_when_locked
from safepath.placements.models import Placement
from safepath.reports.models import Report


def _scope(method: str, path: str, headers: list[tuple[bytes, bytes]] | None = None) -> Any:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *(headers or [])],
        "client": None,
        "server": ("127.0.0.1", 8000),
    }


async def _request(
    method: str, path: str, body: bytes = b"", headers: list[tuple[bytes, bytes]] | None = None
) -> tuple[int, dict[bytes, bytes], bytes]:
    app = ApplicationCommunicator(application, _scope(method, path, headers))
    await app.send_input({"type": "http.request", "body": body, "more_body": False})
    start = await app.receive_output(timeout=10)
    content = b""
    while True:
        message = await app.receive_output(timeout=10)
        content += message.get("body", b"")
        if not message.get("more_body"):
            break
    await app.wait(timeout=5)
    return start["status"], dict(start["headers"]), content


@pytest.mark.django_db(transaction=True)
async def test_requests_run_on_the_pool_threads_not_a_new_thread_each() -> None:
    names: list[str] = []

    def started(**kwargs: Any) -> None:
        names.append(threading.current_thread().name)

    signals.request_started.connect(started)
    try:
        for _ in range(3 * settings.SERVER_THREADS):
            status, _headers, body = await _request("GET", "/healthz")
            assert status == 200, body
    finally:
        signals.request_started.disconnect(started)

    assert len(names) == 3 * settings.SERVER_THREADS
    assert all(name.startswith("http") for name in names), set(names)
    assert len(set(names)) <= settings.SERVER_THREADS


@pytest.mark.django_db(transaction=True)
async def test_going_back_to_async_in_a_request_runs_on_the_servers_loop() -> None:
    # Closing a person's sockets goes through the channel layer with async_to_sync; the
    # in-memory layer and the sockets live on the server's loop.
    loops: list[asyncio.AbstractEventLoop] = []

    async def where() -> None:
        loops.append(asyncio.get_running_loop())

    def started(**kwargs: Any) -> None:
        async_to_sync(where)()

    signals.request_started.connect(started)
    try:
        status, _headers, _body = await _request("GET", "/healthz")
    finally:
        signals.request_started.disconnect(started)

    assert status == 200
    assert loops == [asyncio.get_running_loop()]


@pytest.mark.django_db(transaction=True)
async def test_an_answer_is_committed_before_the_reply_with_its_cookie(
    bus_station: Placement, settings: Any
) -> None:
    # Its live event stays in this process: a Redis publish still in flight when the test's
    # event loop closes can hold the loop's shutdown.
    settings.REDIS_URL = ""
    status, headers, body = await _request(
        "POST",
        f"/Q/{bus_station.code}",
        b"step=details&action=autosave&text=what+I+saw",
        [(b"content-type", b"application/x-www-form-urlencoded")],
    )

    assert status == 200, body
    assert json.loads(body)["saved"] is True
    assert headers[b"Set-Cookie"].startswith(f"{settings.REPORTER_COOKIE_NAME}=".encode())
    assert headers[b"Cache-Control"] == b"no-store"
    # (Through Channels' helper, which closes its connection: a test leaves none open.)
    count = database_sync_to_async(Report.objects.filter(placement=bus_station).count)
    assert await count() == 1


def test_sqlite_writes_of_one_process_take_turns() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("only SQLite has one writer at a time")
    inside, most = 0, 0
    lock = threading.Lock()

    def write() -> None:
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        time.sleep(0.02)
        with lock:
            inside -= 1

    threads = [threading.Thread(target=retry_when_locked, args=(write,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert most == 1
