"""A reporter's answer is never lost to a busy database: real server, real concurrent phones.

The server runs as ``make run`` runs it (server and worker on one database). Many reporters
answer at once; on SQLite another connection also holds the write lock for longer than the
busy timeout. Every answer must still be acknowledged as saved, and every report must exist.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import sqlite3
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from safepath.core.testing import Deployment, deployment

pytestmark = pytest.mark.django_db(transaction=True)

SQLITE = not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def _reporter(
    base: str, code: str, number: int, results: list[Any], start: threading.Barrier
) -> None:
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    url = f"{base}/Q/{code}"
    outcome: dict[str, Any] = {"number": number, "saved": [], "receipt": None}
    start.wait()
    try:
        for step, text in [("more", f"first words {number}"), ("more", f"more words {number}")]:
            body = urllib.parse.urlencode({"step": step, "text": text, "action": "autosave"})
            with opener.open(url, body.encode(), timeout=300) as response:
                outcome["saved"].append(json.loads(response.read())["saved"])
        body = urllib.parse.urlencode({"step": "more", "action": "done"})
        with opener.open(url, body.encode(), timeout=300) as response:
            page = response.read().decode()
        found = re.search(r"\d{4} \d{4} \d{4} \d{4}", page)
        outcome["receipt"] = found.group(0) if found else None
    except Exception as error:  # the failure is the result we report
        outcome["error"] = repr(error)
    results.append(outcome)


def _run_reporters(live: Deployment, base: str, count: int, during: Any = None) -> list[Any]:
    code = live.summary["placements"][0]["code"]
    results: list[Any] = []
    start = threading.Barrier(count + (1 if during else 0))
    threads = [
        threading.Thread(target=_reporter, args=(base, code, n, results, start))
        for n in range(count)
    ]
    helper = threading.Thread(target=during, args=(start,)) if during else None
    for thread in [*threads, *([helper] if helper else [])]:
        thread.start()
    for thread in [*threads, *([helper] if helper else [])]:
        thread.join(timeout=600)
    return results


def _assert_all_saved(results: list[Any], count: int) -> None:
    failed = [
        r for r in results if r.get("error") or r["saved"] != [True, True] or not r["receipt"]
    ]
    assert len(results) == count
    assert not failed, f"{len(failed)} of {count} reporters lost an answer: {failed[:3]}"


def test_fifty_reporters_at_once_all_get_their_answers_saved(tmp_path: Path) -> None:
    with deployment(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as live:
        server = live.start_server()

        results = _run_reporters(live, server.url, 50)

        _assert_all_saved(results, 50)
        printed = live.manage(
            "shell",
            "-c",
            "from safepath.reports.models import Report; print('reports', Report.objects.count())",
        )
        reports = re.search(r"^reports (\d+)$", printed, re.MULTILINE)
        assert reports, printed
        assert int(reports.group(1)) >= 50


@pytest.mark.skipif(not SQLITE, reason="the single writer lock is SQLite's")
def test_answers_wait_out_a_write_lock_held_past_the_busy_timeout(tmp_path: Path) -> None:
    with deployment(tmp_path) as live:
        live.env["SQLITE_TIMEOUT"] = "1"  # SQLite gives up waiting after one second
        server = live.start_server(worker=False)
        database = live.env["SQLITE_PATH"]

        def hold_the_write_lock(start: threading.Barrier) -> None:
            holder = sqlite3.connect(database, isolation_level=None, timeout=30)
            try:
                holder.execute("BEGIN IMMEDIATE")
                start.wait()
                time.sleep(4)  # longer than the server's busy timeout: it must keep trying
                holder.execute("ROLLBACK")
            finally:
                holder.close()

        results = _run_reporters(live, server.url, 10, during=hold_the_write_lock)

        _assert_all_saved(results, 10)
