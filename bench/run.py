"""SafePath benchmarks: run with `make bench` (or `make bench-quick`). Not part of the tests.

Each benchmark starts a real deployment (as the browser tests do: a fresh seeded database
and `python -m safepath.run`), drives it over loopback HTTP with a bounded number of
requests, checks that every request did what it meant (status and effect: see
bench/common.py), and reports its numbers with a ratio against a baseline measured in the
same run. The first request that does not do what it meant stops the run with a message.

- first page: bytes of the scan page, raw and gzip-compressed, against the 14 KB budget;
- analytics (bench/analytics.py, PostgreSQL only): every analytics page and export with
  2,000 placements, two years of hourly counters and 1,000,000 reports, p95 against a raw
  SQL aggregate over the same rows;
- scan and answer: throughput and p50/p95 latency of opening a code (GET /Q/<CODE>) and of
  saving an answer (POST), against GET /healthz served by the same process;
- routing and outbox (bench/routing.py): webhook deliveries per second with 1 and 2 workers;
  commit-to-receiver latency for a burst and a trickle of real reporter answers;
- training compliance (bench/training.py): the compliance view for 5,000 people and 10
  requirements, against the same view for 50 people;
- reporter side (bench/reporter.py): first page in every language; saving answers with 50
  concurrent reporters; the whole flow with 50 reporters for 60 s; the server's memory;
- responders' side (bench/cases.py): inbox page and API list with 100,000 reports in one
  organization against 100 reports; committed answer to 1,000 dashboards (over 100
  organizations, and in one);
- placements (bench/placements.py): 1,000 posters in one PDF; a burst of scans, all counted.

The database is SQLite, or PostgreSQL when DATABASE_URL names one (the reporter and scan
benchmarks then run on both); the live benchmark runs on the in-memory layer, and on Redis
too when REDIS_URL is set. BENCH_QUICK=1 scales everything down; BENCH_ONLY=reporter,cases
runs some parts only (core, routing, training, reporter, cases, placements, scaleout,
analytics). At the end the
rows of issue 16's table are printed with their baselines and ratios.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import QUICK, BenchFailure, env_int, expect, latency_summary, rounded
from safepath.core.testing import Deployment, deployment

REQUESTS = env_int("BENCH_REQUESTS", 400, 100)
CONCURRENCY = 8
BUDGET_BYTES = 14 * 1024
PARTS = ("core", "routing", "training", "reporter", "cases", "placements", "scaleout", "analytics")


def timed_requests(
    host: str,
    port: int,
    make_request: Callable[[http.client.HTTPConnection, int], None],
) -> dict[str, float]:
    latencies: list[float] = []

    def one(index: int) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=30)
        started = time.perf_counter()
        make_request(connection, index)  # raises BenchFailure when it did not work
        latencies.append(time.perf_counter() - started)
        connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        list(pool.map(one, range(REQUESTS)))
    return latency_summary(latencies, time.perf_counter() - started)


def _counter(live: Deployment, code: str, expression: str) -> int:
    out = live.manage(
        "shell",
        "-c",
        "from django.db.models import Sum\n"
        "from safepath.placements.models import ScanCount\n"
        "from safepath.reports.models import Report\n"
        f"print({expression})",
    )
    return int(out.strip().splitlines()[-1] or 0)


def core(live: Deployment) -> dict[str, Any]:
    results: dict[str, Any] = {}
    server = live.start_server(worker=True)
    parts = urlsplit(server.url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    code = live.summary["placements"][0]["code"]

    connection = http.client.HTTPConnection(host, port)
    connection.request("GET", f"/Q/{code}")
    response = connection.getresponse()
    page = response.read()
    expect(response, page, f"GET /Q/{code}")
    compressed = len(gzip.compress(page, compresslevel=6))
    results["first_page"] = {
        "bytes": len(page),
        "gzip_bytes": compressed,
        "budget_bytes": BUDGET_BYTES,
        "ratio_to_budget": round(compressed / BUDGET_BYTES, 3),
    }

    def health(conn: http.client.HTTPConnection, index: int) -> None:
        conn.request("GET", "/healthz")
        response = conn.getresponse()
        expect(response, response.read(), "GET /healthz")

    def scan(conn: http.client.HTTPConnection, index: int) -> None:
        conn.request("GET", f"/Q/{code}")
        response = conn.getresponse()
        expect(response, response.read(), f"GET /Q/{code}")

    def answer(conn: http.client.HTTPConnection, index: int) -> None:
        body = urlencode({"step": "details", "action": "next", "text": f"answer {index}"})
        conn.request(
            "POST",
            f"/Q/{code}",
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = conn.getresponse()
        expect(
            response,
            response.read(),
            f"POST /Q/{code}",
            effect=lambda r, b: bool(r.getheader("Set-Cookie")),
            meaning="no report was started (no report cookie set)",
        )

    scans = f"ScanCount.objects.filter(placement__code={code!r}).aggregate(n=Sum('scans'))['n']"
    reports = f"Report.objects.filter(placement__code={code!r}).count()"
    baseline = timed_requests(host, port, health)
    results["baseline_healthz"] = baseline
    for name, fn, expression in (("scan_page", scan, scans), ("save_answer", answer, reports)):
        before = _counter(live, code, expression)
        measured = timed_requests(host, port, fn)
        effect = _counter(live, code, expression) - before
        if effect != REQUESTS:
            raise BenchFailure(f"{name}: {REQUESTS} requests answered but {effect} counted")
        measured["throughput_ratio_to_baseline"] = (
            measured["throughput_rps"] / baseline["throughput_rps"]
        )
        measured["p95_ratio_to_baseline"] = measured["p95_ms"] / baseline["p95_ms"]
        results[name] = measured
    return results


def _get(data: Any, *path: Any) -> Any:
    for key in path:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}{unit}" if value < 10 else f"{value:,.0f}{unit}"
    return f"{value}{unit}"


def table(results: dict[str, Any]) -> list[str]:
    """The rows of issue 16's table: what was measured, its baseline, the ratio, the goal."""
    rows: list[tuple[str, str, str, str, str]] = []
    for run in results.get("reporter") or []:
        db = run["database"]
        save, bare = run["save_answer"], run["baseline_healthz"]
        rows.append(
            (
                f"saving answers, {run['concurrent_reporters']} reporters, {db}",
                f"{_fmt(save['throughput_rps'], '/s')}, p95 {_fmt(save['p95_ms'], ' ms')}, "
                f"{save['errors']} errors",
                f"/healthz {_fmt(bare['throughput_rps'], '/s')}, p95 {_fmt(bare['p95_ms'], ' ms')}",
                f"throughput {_fmt(save['throughput_ratio_to_baseline'])}, "
                f"p95 x{_fmt(save['p95_ratio_to_baseline'])}",
                "≥ 0.8, p95 ≤ x3, 0 errors",
            )
        )
        flow = run["whole_flow"]
        rows.append(
            (
                f"whole flow, {run['concurrent_reporters']} reporters {flow['seconds']} s, {db}",
                f"p95 {_fmt(flow['p95_ms'], ' ms')}, {flow['reports_completed']} receipts, "
                f"{flow['errors']} errors",
                f"/healthz p95 {_fmt(bare['p95_ms'], ' ms')}",
                f"p95 x{_fmt(flow['p95_ms'] / bare['p95_ms'])}",
                "p95 ≤ 1,000 ms, 0 errors",
            )
        )
        memory = run.get("server_memory", {})
        rows.append(
            (
                f"server memory after reporter load, {db}",
                f"peak {_fmt(memory.get('peak_rss_mb'), ' MB')}",
                "—",
                "—",
                "≤ 150 MB",
            )
        )
    cases = results.get("cases") or {}
    for layer, measured in (cases.get("live") or {}).items():
        base = measured["baseline_1_dashboard"]
        for case, goal in (("spread", "p99 ≤ 100 ms"), ("one_organization", "p99 ≤ 250 ms")):
            run = measured[case]
            rows.append(
                (
                    f"answer → {run['dashboards']} dashboards in {run['organizations']} "
                    f"org(s), {layer}",
                    f"p99 {_fmt(run['p99_ms'], ' ms')} (p50 {_fmt(run['p50_ms'], ' ms')}) "
                    f"from save, {run['missed_deliveries']} of "
                    f"{run['deliveries'] + run['missed_deliveries']} missed, "
                    f"save p50 {_fmt(run['post_p50_ms'], ' ms')}",
                    f"1 dashboard p99 {_fmt(base['p99_ms'], ' ms')}",
                    f"x{_fmt(run.get('p99_ratio_to_1_dashboard'))}",
                    f"{goal}, 0 missed",
                )
            )
            memory = run.get("server_memory", {})
            rows.append(
                (
                    f"server memory with {run['dashboards']} dashboards "
                    f"({run['organizations']} org(s)), {layer}",
                    f"peak {_fmt(memory.get('peak_rss_mb'), ' MB')}",
                    f"idle {_fmt(measured['idle_memory'].get('rss_mb'), ' MB')}",
                    "—",
                    "≤ 150 MB",
                )
            )
    inbox = cases.get("inbox") or {}
    for page in ("inbox", "api_list"):
        big, small = inbox.get(f"{page}_big"), inbox.get(f"{page}_small")
        if big and small:
            rows.append(
                (
                    f"{page}, {inbox['reports']['big']:,} reports, {cases.get('database')}",
                    f"p50 {_fmt(big['p50_ms'], ' ms')}, p95 {_fmt(big['p95_ms'], ' ms')}, "
                    f"{big['queries']} queries",
                    f"100 reports p95 {_fmt(small['p95_ms'], ' ms')}",
                    f"x{_fmt(big['p95_ratio_to_100_reports'])}",
                    "p95 ≤ 150 ms, ≤ x2",
                )
            )
    training = results.get("training") or {}
    if training:
        big = training["html_page_of_100"]
        base = next(v for k, v in training.items() if k.startswith("baseline_html"))
        rows.append(
            (
                f"compliance, {training['people']:,} people x {training['requirements']}, "
                f"{training['database']}",
                f"p95 {_fmt(big['p95_ms'], ' ms')}, {big['queries']} queries",
                f"50 people p95 {_fmt(base['p95_ms'], ' ms')}",
                f"x{_fmt(big['p95_ratio_to_baseline'])}",
                "p95 ≤ 300 ms",
            )
        )
    for burst in _get(results, "placements", "scan_burst") or []:
        rows.append(
            (
                f"scan burst, {burst['scans']} scans {burst['threads']} threads, "
                f"{burst['database']}",
                f"{_fmt(burst['scan_writes_per_second'], '/s')}, {burst['scans_counted']} counted",
                f"/healthz {_fmt(burst['baseline_healthz_rps'], '/s')}",
                _fmt(burst["ratio_to_baseline"]),
                "every scan counted",
            )
        )
    scaleout = results.get("scaleout") or {}
    if "two_servers" in scaleout:
        one, two = scaleout["one_server"], scaleout["two_servers"]
        rows.append(
            (
                "scale-out: saving answers, 2 servers + 2 workers, postgresql+redis",
                f"{_fmt(two['save_answer']['throughput_rps'], '/s')}, "
                f"p95 {_fmt(two['save_answer']['p95_ms'], ' ms')}",
                f"1 server {_fmt(one['save_answer']['throughput_rps'], '/s')}, "
                f"p95 {_fmt(one['save_answer']['p95_ms'], ' ms')}",
                f"throughput x{_fmt(scaleout['throughput_ratio_two_to_one'])}",
                "more than 1 server",
            )
        )
        shared = scaleout.get("one_server_two_processes")
        if shared:
            rows.append(
                (
                    "scale-out: saving answers, 1 server --processes=2, postgresql+redis",
                    f"{_fmt(shared['save_answer']['throughput_rps'], '/s')}, "
                    f"p95 {_fmt(shared['save_answer']['p95_ms'], ' ms')}, "
                    f"{shared['live']['missed']} events missed",
                    f"1 process {_fmt(one['save_answer']['throughput_rps'], '/s')}",
                    f"throughput x{_fmt(scaleout['throughput_ratio_two_processes_to_one'])}",
                    "more than 1 process, 0 missed",
                )
            )
        rows.append(
            (
                f"scale-out: answer → {two['live']['dashboards']} dashboards on 2 servers",
                f"p99 {_fmt(two['live']['p99_ms'], ' ms')}, {two['live']['missed']} missed",
                f"1 server p99 {_fmt(one['live']['p99_ms'], ' ms')}, "
                f"{one['live']['missed']} missed",
                "—",
                "0 missed",
            )
        )
    analytics = results.get("analytics") or {}
    if "pages" in analytics:
        sizes = analytics["sizes"]
        raw = analytics["raw_sql_p95_ms"]
        for url, page in analytics["pages"].items():
            days = "365 days" if "days=365" in url else "28 days"
            rows.append(
                (
                    f"analytics {url}, {sizes['scan_count_rows']:,} counter rows, "
                    f"{sizes['reports']:,} reports",
                    f"p50 {_fmt(page['p50_ms'], ' ms')}, p95 {_fmt(page['p95_ms'], ' ms')}",
                    f"raw SQL hourly sums ({days}) p95 "
                    f"{_fmt(page.get('raw_sql_p95_ms', raw[days]), ' ms')}",
                    f"x{_fmt(page['ratio_to_raw_sql'])}",
                    "p95 ≤ 300 ms",
                )
            )
    header = ("what", "measured", "baseline (same run)", "ratio", "goal")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(5)]
    lines = [
        " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) for row in [header, *rows]
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    if QUICK:
        lines.insert(0, "QUICK MODE (BENCH_QUICK=1): smaller loads, numbers are indicative only")
    return lines


def _progress(part: str) -> None:
    print(f"bench: {part} ({time.strftime('%H:%M:%S')})", file=sys.stderr, flush=True)


def _analytics() -> Any:
    """bench/analytics.py in its own process (it points Django at a database of its own)."""
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return {"skipped": "needs DATABASE_URL (PostgreSQL): see bench/analytics.py"}
    sizes = {
        "BENCH_ANALYTICS_PLACEMENTS": "200",
        "BENCH_ANALYTICS_DAYS": "60",
        "BENCH_ANALYTICS_REPORTS": "20000",
    }
    env = {**os.environ, **({k: os.environ.get(k, v) for k, v in sizes.items()} if QUICK else {})}
    done = subprocess.run(
        [sys.executable, "-m", "bench.analytics"],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BenchFailure(f"analytics benchmark failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout[done.stdout.index("{") :])["analytics"]


def _so_far(results: dict[str, Any]) -> None:
    """The table so far, on stderr: a long run cut short still leaves its numbers."""
    print("\n".join(table(results)), file=sys.stderr, flush=True)


def main() -> int:
    only = {p.strip() for p in os.environ.get("BENCH_ONLY", ",".join(PARTS)).split(",")}
    results: dict[str, Any] = {
        "quick": QUICK,
        "database": "postgresql" if os.environ.get("DATABASE_URL") else "sqlite",
        "redis": bool(os.environ.get("REDIS_URL")),
    }
    started = time.perf_counter()
    try:
        # The parts the table is about first, so a run cut short still has them.
        if "reporter" in only:
            _progress("reporter")
            from bench import reporter

            results["reporter"] = reporter.run()
            _so_far(results)
        # Training before cases: it points this process's Django at its own deployment,
        # and Django's settings are fixed by the first setup (cases only signs in).
        if "training" in only:
            _progress("training")
            from bench.training import run_training_bench

            results["training"] = run_training_bench()
            _so_far(results)
        if "cases" in only:
            _progress("cases")
            from bench.cases import run as run_cases_bench

            results["cases"] = run_cases_bench()
            _so_far(results)
        if "scaleout" in only:
            _progress("scaleout")
            if os.environ.get("REDIS_URL") and results["database"] == "postgresql":
                from bench.scaleout import run as run_scaleout

                results["scaleout"] = run_scaleout()
            else:
                results["scaleout"] = {"skipped": "needs DATABASE_URL (PostgreSQL) and REDIS_URL"}
            _so_far(results)
        if only & {"core", "routing"}:
            _progress("core and routing")
            with tempfile.TemporaryDirectory() as workdir, deployment(Path(workdir)) as live:
                live.env["LOG_LEVEL"] = "WARNING"
                if "core" in only:
                    results["core"] = core(live)
                if "routing" in only:
                    from bench.routing import routing_benchmark

                    results["routing_and_outbox"] = routing_benchmark(live)
            _so_far(results)
        if "placements" in only:
            _progress("placements")
            from bench.placements import run_placement_benchmarks

            results["placements"] = run_placement_benchmarks()
            _so_far(results)
        if "analytics" in only:
            _progress("analytics")
            results["analytics"] = _analytics()
    except BenchFailure as failure:
        print(json.dumps(rounded(results), indent=2))
        print(f"\nBENCHMARK FAILED: {failure}", file=sys.stderr)
        return 1
    results["seconds"] = time.perf_counter() - started
    print(json.dumps(rounded(results), indent=2))
    print()
    print("\n".join(table(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
