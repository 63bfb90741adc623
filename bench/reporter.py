"""Reporter-side budgets, measured on real server processes (called by bench/run.py).

- first page: bytes of the scan page in every language, raw and gzip-compressed, against
  the 14 KB budget;
- saving an answer: 50 reporters at once, each starting a report and then saving answers
  as autosave does, as throughput and p50/p95 latency, against GET /healthz (a bare Django
  view with one query) served by the same process at the same concurrency in the same run.
  On the embedded default (SQLite) and, when a PostgreSQL URL is given (BENCH_DATABASE_URL,
  else DATABASE_URL), on PostgreSQL too.
"""

from __future__ import annotations

import gzip
import http.client
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from safepath.core.testing import deployment
from safepath.reports.languages import NATIVE_NAMES

BUDGET_BYTES = 14 * 1024
REPORTERS = 50
ANSWERS_EACH = 10
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def first_page_bytes(host: str, port: int, code: str) -> dict[str, dict[str, float]]:
    sizes: dict[str, dict[str, float]] = {}
    for language in NATIVE_NAMES:
        connection = http.client.HTTPConnection(host, port, timeout=30)
        connection.request("GET", f"/Q/{code}", headers={"Accept-Language": language})
        page = connection.getresponse().read()
        connection.close()
        compressed = len(gzip.compress(page, compresslevel=6))
        sizes[language] = {
            "bytes": len(page),
            "gzip_bytes": compressed,
            "ratio_to_budget": round(compressed / BUDGET_BYTES, 3),
        }
    return sizes


def summarize(latencies: list[float], elapsed: float) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "throughput_rps": len(ordered) / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[max(int(len(ordered) * 0.95) - 1, 0)] * 1000,
    }


def run_concurrently(worker: Callable[[int, list[float]], None]) -> dict[str, float]:
    latencies: list[float] = []
    lock = threading.Lock()

    def one(index: int) -> None:
        mine: list[float] = []
        worker(index, mine)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=REPORTERS) as pool:
        list(pool.map(one, range(REPORTERS)))
    return summarize(latencies, time.perf_counter() - started)


def timed(connection: http.client.HTTPConnection, method: str, path: str, **kw: Any) -> Any:
    started = time.perf_counter()
    connection.request(method, path, **kw)
    response = connection.getresponse()
    response.read()
    if response.status >= 400:
        raise RuntimeError(f"unexpected HTTP {response.status} for {method} {path}")
    return response, time.perf_counter() - started


def answers_against_baseline(host: str, port: int, code: str) -> dict[str, Any]:
    def baseline(index: int, latencies: list[float]) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=60)
        for _ in range(ANSWERS_EACH + 1):
            _, took = timed(connection, "GET", "/healthz")
            latencies.append(took)
        connection.close()

    def reporter(index: int, latencies: list[float]) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=60)
        first = urlencode({"step": "details", "action": "autosave", "text": f"reporter {index}"})
        response, took = timed(connection, "POST", f"/Q/{code}", body=first, headers=FORM)
        latencies.append(took)
        cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
        for answer in range(ANSWERS_EACH):
            body = urlencode(
                {"step": "details", "action": "autosave", "text": f"reporter {index} " * answer}
            )
            _, took = timed(
                connection, "POST", f"/Q/{code}", body=body, headers={**FORM, "Cookie": cookie}
            )
            latencies.append(took)
        connection.close()

    bare = run_concurrently(baseline)
    saving = run_concurrently(reporter)
    saving["throughput_ratio_to_baseline"] = saving["throughput_rps"] / bare["throughput_rps"]
    saving["p95_ratio_to_baseline"] = saving["p95_ms"] / bare["p95_ms"]
    return {"baseline_healthz": bare, "save_answer": saving}


def measure(database_url: str | None) -> dict[str, Any]:
    saved = os.environ.pop("DATABASE_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    try:
        with tempfile.TemporaryDirectory() as workdir, deployment(Path(workdir)) as live:
            server = live.start_server(worker=True)
            parts = urlsplit(server.url)
            host, port = parts.hostname or "127.0.0.1", parts.port or 80
            code = live.summary["placements"][1]["code"]
            result: dict[str, Any] = {"database": "postgresql" if database_url else "sqlite"}
            result["first_page"] = first_page_bytes(host, port, code)
            result.update(answers_against_baseline(host, port, code))
            result["concurrent_reporters"] = REPORTERS
            return result
    finally:
        os.environ.pop("DATABASE_URL", None)
        if saved is not None:
            os.environ["DATABASE_URL"] = saved


def run() -> list[dict[str, Any]]:
    postgres = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    results = [measure(None)]
    if postgres.startswith(("postgres://", "postgresql://")):
        results.append(measure(postgres))
    return results
