"""SafePath benchmarks: run with `make bench`. Not part of the test suite.

Each benchmark starts a real deployment (as the browser tests do: a fresh seeded database
and `python -m safepath.run`), drives it over loopback HTTP with a bounded number of
requests, and reports its numbers with a ratio against a baseline measured in the same run.

- first page: bytes of the scan page, raw and gzip-compressed, against the 14 KB budget;
- training compliance (bench/training.py): the compliance view for a unit of 5,000 people
  and 10 requirements, p95 and query count, against the same view for 50 people;
- routing and outbox (bench/routing.py): webhook deliveries per second with 1 and 2 workers
  and their ratio; commit-to-receiver latency p50/p99 with 1,000 deliveries queued;
- reporter side (bench/reporter.py): first page bytes in every language, and saving answers
  with 50 concurrent reporters on SQLite and PostgreSQL, against a bare view;
- responders' side (bench/cases.py): inbox page and API list with 100,000 reports in one
  organization (p95, queries per request) against 100 reports and /healthz; time from a
  committed answer to its arrival on N connected dashboards, in-memory layer and Redis;
- analytics (bench/analytics.py, PostgreSQL only): every analytics page and export with
  2,000 placements, two years of hourly counters and 1,000,000 reports, p95 against a raw
  SQL aggregate over the same rows;
- scan and answer: throughput and p50/p95 latency of opening a code (GET /Q/<CODE>) and of
  saving an answer (POST), against GET /healthz (one database query, no templates) served by
  the same process with the same concurrency.
"""

from __future__ import annotations

import gzip
import http.client
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import reporter
from safepath.core.testing import deployment

REQUESTS = 400
CONCURRENCY = 8
BUDGET_BYTES = 14 * 1024


def timed_requests(
    host: str, port: int, make_request: Callable[[http.client.HTTPConnection, int], int]
) -> dict[str, float]:
    latencies: list[float] = []

    def one(index: int) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=30)
        started = time.perf_counter()
        status = make_request(connection, index)
        latencies.append(time.perf_counter() - started)
        connection.close()
        if status >= 400:
            raise RuntimeError(f"unexpected HTTP {status}")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        list(pool.map(one, range(REQUESTS)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": REQUESTS,
        "throughput_rps": REQUESTS / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[int(len(ordered) * 0.95) - 1] * 1000,
    }


def rounded(value: object) -> object:
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [rounded(item) for item in value]
    return value


def main() -> None:
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as workdir, deployment(Path(workdir)) as live:
        server = live.start_server(worker=True)
        parts = urlsplit(server.url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        code = live.summary["placements"][0]["code"]

        connection = http.client.HTTPConnection(host, port)
        connection.request("GET", f"/Q/{code}")
        page = connection.getresponse().read()
        compressed = len(gzip.compress(page, compresslevel=6))
        results["first_page"] = {
            "bytes": len(page),
            "gzip_bytes": compressed,
            "budget_bytes": BUDGET_BYTES,
            "ratio_to_budget": round(compressed / BUDGET_BYTES, 3),
        }

        def health(conn: http.client.HTTPConnection, index: int) -> int:
            conn.request("GET", "/healthz")
            response = conn.getresponse()
            response.read()
            return response.status

        def scan(conn: http.client.HTTPConnection, index: int) -> int:
            conn.request("GET", f"/Q/{code}")
            response = conn.getresponse()
            response.read()
            return response.status

        def answer(conn: http.client.HTTPConnection, index: int) -> int:
            body = urlencode({"step": "details", "action": "next", "text": f"answer {index}"})
            conn.request(
                "POST",
                f"/Q/{code}",
                body=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            response = conn.getresponse()
            response.read()
            return response.status

        baseline = timed_requests(host, port, health)
        results["baseline_healthz"] = baseline
        for name, fn in (("scan_page", scan), ("save_answer", answer)):
            measured = timed_requests(host, port, fn)
            measured["throughput_ratio_to_baseline"] = (
                measured["throughput_rps"] / baseline["throughput_rps"]
            )
            measured["p95_ratio_to_baseline"] = measured["p95_ms"] / baseline["p95_ms"]
            results[name] = measured
        from bench.routing import routing_benchmark

        results["routing_and_outbox"] = routing_benchmark(live)
    results["database"] = "postgresql" if "DATABASE_URL" in live.env else "sqlite"
    results["concurrency"] = CONCURRENCY
    from bench.training import run_training_bench

    results["training_compliance"] = run_training_bench()
    results["reporter"] = reporter.run()
    from bench.cases import run as run_cases_bench

    results["responders"] = run_cases_bench()
    print(json.dumps(rounded(results), indent=2))


if __name__ == "__main__":
    main()
    from bench.placements import main as placements_main

    placements_main()
    # Analytics needs PostgreSQL at scale (bench/analytics.py); its own process, since it
    # points Django at a database of its own.
    import os
    import subprocess

    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        subprocess.run([sys.executable, "-m", "bench.analytics"], check=True)
    else:
        print('{"analytics": "not run: set DATABASE_URL to PostgreSQL (see bench/analytics.py)"}')
