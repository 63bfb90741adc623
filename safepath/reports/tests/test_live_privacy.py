"""A real server process sees a reporter's address and browser, and keeps neither.

The server runs exactly as ``make run`` runs it, with the most talkative log level. A report
is sent over HTTP with a distinctive User-Agent and X-Forwarded-For; afterwards neither they
nor the report's words appear in the server's output or anywhere in the database.
"""

from __future__ import annotations

import http.client
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest

from safepath.core.testing import deployment
from safepath.reports.tests.live import raw_dump

USER_AGENT = "Mozilla/5.0 (Linux; Android 8.1; VerySpecific-Phone-ZX42 Build/OPM1)"
FORWARDED = "192.0.2.201"
MARKER = "Quokka-Trace-5531"


def request(server_url: str, method: str, path: str, *, cookie: str = "", **form: str) -> Any:
    parts = urlsplit(server_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    headers = {
        "User-Agent": USER_AGENT,
        "X-Forwarded-For": FORWARDED,
        "X-Real-IP": FORWARDED,
        "Forwarded": f"for={FORWARDED}",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    if cookie:
        headers["Cookie"] = cookie
    connection.request(method, path, body=urlencode(form) if form else None, headers=headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.mark.process
def test_nothing_identifying_reaches_the_logs_or_the_database(tmp_path: Path) -> None:
    with deployment(tmp_path) as live:
        live.env["LOG_LEVEL"] = "DEBUG"
        live.env["UVICORN_LOG_LEVEL"] = "debug"
        server = live.start_server()
        code = live.summary["placements"][0]["code"]

        assert request(server.url, "GET", f"/Q/{code}").status == 200
        first = request(
            server.url, "POST", f"/Q/{code}", step="details", action="next", text=MARKER
        )
        assert first.status == 200
        cookie = re.match(r"[^;]+", first.getheader("Set-Cookie") or "")
        assert cookie
        done = request(
            server.url, "POST", f"/Q/{code}", cookie=cookie.group(0),
            step="more", action="done", text=f"{MARKER} again",
        )  # fmt: skip
        assert done.status == 200
        assert request(server.url, "GET", "/Q/ZZZZZZZZZZ").status == 404
        assert request(server.url, "POST", "/followup/", action="open", receipt="1" * 16).status

        dump = raw_dump(live)
        server.stop()
        log = server.log.read_text(errors="replace")

    assert "Uvicorn running on" in log  # the output was captured at debug level
    for trace in (USER_AGENT, "VerySpecific", FORWARDED, MARKER):
        assert trace not in log, trace
        assert trace not in dump, trace
    # No access-log line at all: not even the loopback address and port of the client.
    assert not re.search(r"127\.0\.0\.1:\d+ - ", log)
    assert f"GET /Q/{code}" not in log and f"POST /Q/{code}" not in log
