"""Request bodies past the limit are refused before Django reads (or spools) them."""

from __future__ import annotations

import pytest
from asgiref.testing import ApplicationCommunicator

from safepath.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def scope(length: int | None) -> dict[str, object]:
    headers = [(b"host", b"127.0.0.1"), (b"content-type", b"application/x-www-form-urlencoded")]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/Q/ZZZZZZZZZZ",
        "raw_path": b"/Q/ZZZZZZZZZZ",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": None,
        "server": ("127.0.0.1", 8000),
    }


async def test_an_announced_oversized_body_gets_413(settings) -> None:
    app = ApplicationCommunicator(application, scope(settings.REQUEST_MAX_BYTES + 1))
    await app.send_input({"type": "http.request", "body": b"", "more_body": True})

    start = await app.receive_output(timeout=5)

    assert start["status"] == 413
    body = await app.receive_output(timeout=5)
    assert b"too large" in body["body"]


async def test_a_streamed_oversized_body_gets_413() -> None:
    app = ApplicationCommunicator(application, scope(None))
    chunk = b"a" * 64 * 1024
    for _ in range(200):  # 12.5 MB, over the default limit
        await app.send_input({"type": "http.request", "body": chunk, "more_body": True})
    await app.send_input({"type": "http.request", "body": b"", "more_body": False})

    start = await app.receive_output(timeout=10)

    assert start["status"] == 413
