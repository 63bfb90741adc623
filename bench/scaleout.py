"""Scale-out: 2 server processes + 2 workers on one PostgreSQL and one Redis, against 1.

A third set-up is one run command with ``--processes=2``: two server processes sharing one
port (the kernel spreads the connections) and one worker. All run on the same fresh seeded
database (PostgreSQL + Redis are required: a second process needs a shared database and a
shared channel layer) and are driven the same way, by a client that spreads its connections
round-robin over the servers (as a load balancer would):

- saving answers: REPORTERS reporters at once, each starting a report and autosaving
  ANSWERS_EACH answers (every reply must say saved), throughput and p50/p95;
- live events: DASHBOARDS dashboards connected round-robin to the servers, answers posted
  round-robin; p50/p99 from sending the answer to its arrival, and events missed (an event
  must reach every dashboard, whichever server took the answer).

Run with `python -m bench.scaleout` (DATABASE_URL and REDIS_URL set), or BENCH_ONLY=scaleout
in `make bench`.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import BenchFailure, env_int, expect, latency_summary, rss_mb, saved_json
from safepath.core.testing import Deployment, deployment

REPORTERS = env_int("BENCH_REPORTERS", 50, 50)
ANSWERS_EACH = env_int("BENCH_ANSWERS_EACH", 10, 4)
DASHBOARDS = env_int("BENCH_SCALEOUT_DASHBOARDS", 200, 100)
ANSWERS = env_int("BENCH_ANSWERS", 20, 8)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _hostport(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80


def save_answers(urls: list[str], code: str) -> dict[str, Any]:
    latencies: list[float] = []
    lock = threading.Lock()

    def reporter(index: int) -> None:
        host, port = _hostport(urls[index % len(urls)])
        connection = http.client.HTTPConnection(host, port, timeout=60)
        mine: list[float] = []
        cookie = ""
        try:
            for answer in range(ANSWERS_EACH + 1):
                body = urllib.parse.urlencode(
                    {"step": "details", "action": "autosave", "text": f"r{index} a{answer}"}
                )
                started = time.perf_counter()
                connection.request(
                    "POST",
                    f"/Q/{code}",
                    body=body,
                    headers={**FORM, **({"Cookie": cookie} if cookie else {})},
                )
                response = connection.getresponse()
                data = response.read()
                mine.append(time.perf_counter() - started)
                expect(response, data, f"POST /Q/{code} on {host}:{port}", effect=saved_json)
                if not cookie:
                    cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
                    if not cookie:
                        raise BenchFailure(f"POST /Q/{code}: no report cookie set")
        finally:
            connection.close()
            with lock:
                latencies.extend(mine)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=REPORTERS) as pool:
        list(pool.map(reporter, range(REPORTERS)))
    return latency_summary(latencies, time.perf_counter() - started)


def _post_first_answer(url: str, code: str, index: int) -> float:
    host, port = _hostport(url)
    connection = http.client.HTTPConnection(host, port, timeout=60)
    body = urllib.parse.urlencode({"step": "details", "action": "next", "text": f"fan {index}"})
    started = time.perf_counter()
    connection.request("POST", f"/Q/{code}", body=body, headers=FORM)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    expect(
        response,
        data,
        f"POST /Q/{code} on {host}:{port}",
        effect=lambda r, b: bool(r.getheader("Set-Cookie")),
        meaning="no report was started",
    )
    return started


async def _live(urls: list[str], cookies: list[str], code: str) -> dict[str, Any]:
    import websockets

    arrivals: list[dict[str, float]] = [{} for _ in range(DASHBOARDS)]
    sockets = []
    for start in range(0, DASHBOARDS, 50):
        sockets += await asyncio.gather(
            *[
                websockets.connect(
                    f"ws://{urllib.parse.urlsplit(urls[i % len(urls)]).netloc}/ws/dashboard/",
                    origin=websockets.Origin(urls[i % len(urls)]),
                    additional_headers={"Cookie": cookies[i % len(urls)]},
                    max_queue=None,
                    open_timeout=60,
                )
                for i in range(start, min(DASHBOARDS, start + 50))
            ]
        )

    async def listen(index: int, socket: Any) -> None:
        async for raw in socket:
            event = json.loads(raw)
            if event.get("kind") == "report":
                arrivals[index].setdefault(event["report"], time.perf_counter())

    listeners = [asyncio.create_task(listen(i, s)) for i, s in enumerate(sockets)]
    await asyncio.sleep(1)
    loop = asyncio.get_running_loop()
    sent: list[float] = []
    for index in range(ANSWERS):
        url = urls[index % len(urls)]
        sent.append(await loop.run_in_executor(None, _post_first_answer, url, code, index))
        await asyncio.sleep(0.3)
    # Late is not missed: wait until every dashboard has every answer, or 20 s of silence.
    last, quiet_since = -1, time.perf_counter()
    while time.perf_counter() - quiet_since < 20:
        total = sum(len(seen) for seen in arrivals)
        if total >= ANSWERS * len(arrivals):
            break
        if total != last:
            last, quiet_since = total, time.perf_counter()
        await asyncio.sleep(0.2)
    for task in listeners:
        task.cancel()
    await asyncio.gather(*[s.close() for s in sockets], return_exceptions=True)

    # The answers' reports in the order they were sent: the first time any dashboard saw them.
    first_seen: dict[str, float] = {}
    for seen in arrivals:
        for reference, at in seen.items():
            first_seen[reference] = min(at, first_seen.get(reference, at))
    references = sorted(first_seen, key=first_seen.__getitem__)[-ANSWERS:]
    latencies, missed = [], (ANSWERS - len(references)) * DASHBOARDS
    for sent_at, reference in zip(sent[-len(references) :], references, strict=False):
        for seen in arrivals:
            if reference in seen:
                latencies.append((seen[reference] - sent_at) * 1000)
            else:
                missed += 1
    ordered = sorted(latencies)
    return {
        "dashboards": DASHBOARDS,
        "answers": ANSWERS,
        "p50_ms": statistics.median(ordered) if ordered else None,
        "p99_ms": ordered[max(0, int(len(ordered) * 0.99) - 1)] if ordered else None,
        "missed": missed,
    }


_signed_in: list[str] = []


def _server_pids(pid: int) -> list[int]:
    """The processes that serve: the run command itself, or (with --processes) the server
    processes it started; its worker (manage.py worker) is not counted."""
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        listed = task / "children"
        children += [int(c) for c in (listed.read_text().split() if listed.exists() else [])]
    servers = [
        child
        for child in children
        if b"manage.py" not in Path(f"/proc/{child}/cmdline").read_bytes()
        and b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes()
    ]
    return servers or [pid]


def _one_setup(live: Deployment, servers: int, *, processes: int = 1) -> dict[str, Any]:
    from bench.cases import _sign_in_cookie

    started = [live.start_server(worker=True, processes=processes) for _ in range(servers)]
    try:
        urls = [server.url for server in started]
        # Saving answers at another organization's code: the riverside dashboards must hear
        # only the live part's answers.
        code = next(
            p["code"] for p in live.summary["placements"] if p["organization"] != "riverside-pd"
        )
        responder = next(
            u
            for u in live.summary["users"]
            if u["organization"] == "riverside-pd" and u["role"] == "responder"
        )
        riverside = next(
            p["code"] for p in live.summary["placements"] if p["organization"] == "riverside-pd"
        )
        # One sign-in (a code is good once): the session lives in the shared database, so
        # the same cookie works on every server, as behind a load balancer.
        if not _signed_in:
            _signed_in.append(_sign_in_cookie(urls[0], responder))
        cookies = _signed_in * len(urls)
        result: dict[str, Any] = {
            "servers": servers,
            "processes_each": processes,
            "workers": servers,
        }
        result["save_answer"] = save_answers(urls, code)
        result["live"] = asyncio.run(_live(urls, cookies, riverside))
        result["server_memory"] = [
            rss_mb(pid) for server in started for pid in _server_pids(server.process.pid)
        ]
        return result
    finally:
        for server in started:
            server.stop()
            live.servers.remove(server)


def run() -> dict[str, Any]:
    redis_url = os.environ.get("REDIS_URL", "")
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise BenchFailure("scale-out needs DATABASE_URL (PostgreSQL) and REDIS_URL")
    if not redis_url:
        raise BenchFailure(
            "scale-out needs REDIS_URL: dashboards on one server must hear the other"
        )
    results: dict[str, Any] = {}
    _signed_in.clear()
    with (
        tempfile.TemporaryDirectory() as workdir,
        deployment(Path(workdir), redis_url=redis_url) as live,
    ):
        live.env["LOG_LEVEL"] = "WARNING"
        one = _one_setup(live, 1)
        two = _one_setup(live, 2)
        shared_port = _one_setup(live, 1, processes=2)
    results["one_server"], results["two_servers"] = one, two
    results["one_server_two_processes"] = shared_port
    results["throughput_ratio_two_to_one"] = (
        two["save_answer"]["throughput_rps"] / one["save_answer"]["throughput_rps"]
    )
    results["p95_ratio_two_to_one"] = two["save_answer"]["p95_ms"] / one["save_answer"]["p95_ms"]
    results["throughput_ratio_two_processes_to_one"] = (
        shared_port["save_answer"]["throughput_rps"] / one["save_answer"]["throughput_rps"]
    )
    return results


if __name__ == "__main__":
    from bench.common import rounded

    print(json.dumps(rounded(run()), indent=2))
