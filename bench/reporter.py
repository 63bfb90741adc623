"""Reporter-side budgets, measured on real server processes (called by bench/run.py).

- first page: bytes of the scan page in every language, raw and gzip-compressed, against
  the 14 KB budget;
- saving an answer: 50 reporters at once, each starting a report and then saving answers
  as autosave does, as throughput and p50/p95 latency, against GET /healthz (a bare Django
  view with one query) served by the same process at the same concurrency in the same run;
  every reply must say ``saved: true`` and, at the end, every report must be in the database;
- the whole flow: 50 reporters for 60 s (15 s in quick mode), each opening the code and
  going through every question to the receipt, again and again; p50/p95 of each request,
  errors (any status other than 200, a missing cookie or receipt) counted, not hidden;
- the server's resident memory (now and peak) after these loads.

On the embedded default (SQLite) and, when a PostgreSQL URL is given (BENCH_DATABASE_URL,
else DATABASE_URL), on PostgreSQL too, with Redis when REDIS_URL is set (as in production).
"""

from __future__ import annotations

import gzip
import http.client
import os
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from bench.common import (
    BenchFailure,
    env_int,
    expect,
    latency_summary,
    rss_mb,
    saved_json,
)
from safepath.core.testing import Deployment, deployment
from safepath.reports.languages import NATIVE_NAMES

BUDGET_BYTES = 14 * 1024
REPORTERS = env_int("BENCH_REPORTERS", 50, 50)
ANSWERS_EACH = env_int("BENCH_ANSWERS_EACH", 10, 4)
FLOW_SECONDS = env_int("BENCH_FLOW_SECONDS", 60, 15)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# The whole flow's requests: opening the code, the first answer (it starts and routes the
# report), each later answer (a full page without JavaScript), the last (the receipt).
FLOW_KINDS = ("landing", "first_answer", "answer", "receipt")


def first_page_bytes(host: str, port: int, code: str) -> dict[str, dict[str, float]]:
    sizes: dict[str, dict[str, float]] = {}
    for language in NATIVE_NAMES:
        connection = http.client.HTTPConnection(host, port, timeout=30)
        connection.request("GET", f"/Q/{code}", headers={"Accept-Language": language})
        response = connection.getresponse()
        page = response.read()
        connection.close()
        expect(response, page, f"GET /Q/{code} in {language}")
        compressed = len(gzip.compress(page, compresslevel=6))
        sizes[language] = {
            "bytes": len(page),
            "gzip_bytes": compressed,
            "ratio_to_budget": round(compressed / BUDGET_BYTES, 3),
        }
    return sizes


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
        list(pool.map(one, range(REPORTERS)))  # re-raises the first BenchFailure
    return latency_summary(latencies, time.perf_counter() - started)


def timed(
    connection: http.client.HTTPConnection,
    method: str,
    path: str,
    *,
    effect: Callable[[http.client.HTTPResponse, bytes], bool] | None = None,
    meaning: str = "",
    **kw: Any,
) -> tuple[http.client.HTTPResponse, bytes, float]:
    started = time.perf_counter()
    connection.request(method, path, **kw)
    response = connection.getresponse()
    body = response.read()
    took = time.perf_counter() - started
    expect(response, body, f"{method} {path}", effect=effect, meaning=meaning)
    return response, body, took


def _count_reports(live: Deployment, code: str) -> int:
    out = live.manage(
        "shell",
        "-c",
        "from safepath.reports.models import Report; "
        f"print(Report.objects.filter(placement__code={code!r}).count())",
    )
    return int(out.strip().splitlines()[-1])


def answers_against_baseline(live: Deployment, host: str, port: int, code: str) -> dict[str, Any]:
    def baseline(index: int, latencies: list[float]) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=60)
        for _ in range(ANSWERS_EACH + 1):
            latencies.append(timed(connection, "GET", "/healthz")[2])
        connection.close()

    def reporter(index: int, latencies: list[float]) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=60)
        first = urlencode({"step": "details", "action": "autosave", "text": f"reporter {index}"})
        response, _, took = timed(
            connection,
            "POST",
            f"/Q/{code}",
            body=first,
            headers=FORM,
            effect=lambda r, b: saved_json(r, b) and bool(r.getheader("Set-Cookie")),
            meaning="the first answer was not saved or no report cookie was set",
        )
        latencies.append(took)
        cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
        for answer in range(ANSWERS_EACH):
            body = urlencode(
                {"step": "details", "action": "autosave", "text": f"reporter {index} {answer}"}
            )
            latencies.append(
                timed(
                    connection,
                    "POST",
                    f"/Q/{code}",
                    body=body,
                    headers={**FORM, "Cookie": cookie},
                    effect=saved_json,
                    meaning="the autosave reply does not say saved",
                )[2]
            )
        connection.close()

    before = _count_reports(live, code)
    bare = run_concurrently(baseline)
    saving = run_concurrently(reporter)
    stored = _count_reports(live, code) - before
    if stored != REPORTERS:
        raise BenchFailure(f"saving answers: {REPORTERS} reports started, {stored} stored")
    saving["errors"] = 0
    saving["throughput_ratio_to_baseline"] = saving["throughput_rps"] / bare["throughput_rps"]
    saving["p95_ratio_to_baseline"] = saving["p95_ms"] / bare["p95_ms"]
    return {"baseline_healthz": bare, "save_answer": saving}


def _flow_steps() -> list[dict[str, str | list[str]]]:
    """Each question's form as a reporter fills it: a choice, some words, or a skip."""
    from safepath.reports.questions import QUESTION_LIST, Kind

    steps: list[dict[str, str | list[str]]] = []
    for question in QUESTION_LIST:
        if question.kind is Kind.PHOTO:
            steps.append({"step": question.key, "action": "skip"})
        elif question.kind is Kind.TEXT:
            steps.append({"step": question.key, "action": "next", "text": "what I saw"})
        else:
            steps.append(
                {"step": question.key, "action": "next", "choice": [question.choices[-1].key]}
            )
    return steps


def whole_flow(live: Deployment, host: str, port: int, code: str) -> dict[str, Any]:
    """REPORTERS people each go from the scan to the receipt, again and again, for a while."""
    steps = _flow_steps()
    deadline = time.monotonic() + FLOW_SECONDS
    latencies: list[float] = []
    # The same durations by kind of request, to see which ones make the tail.
    by_kind: dict[str, list[float]] = {kind: [] for kind in FLOW_KINDS}
    errors: list[str] = []
    completed = 0
    lock = threading.Lock()

    def kind_of(number: int) -> str:
        return (
            "first_answer" if number == 0 else "receipt" if number == len(steps) - 1 else "answer"
        )

    def reporter(index: int) -> None:
        nonlocal completed
        while time.monotonic() < deadline:
            mine: list[float] = []
            kinds: list[str] = []
            connection = http.client.HTTPConnection(host, port, timeout=60)
            try:
                mine.append(timed(connection, "GET", f"/Q/{code}")[2])
                kinds.append("landing")
                cookie = ""
                for number, fields in enumerate(steps):
                    last = number == len(steps) - 1
                    response, _body, took = timed(
                        connection,
                        "POST",
                        f"/Q/{code}",
                        body=urlencode(fields, doseq=True),
                        headers={**FORM, **({"Cookie": cookie} if cookie else {})},
                        effect=(lambda r, b: b'id="receipt"' in b) if last else None,
                        meaning="the last answer did not lead to a receipt number",
                    )
                    mine.append(took)
                    kinds.append(kind_of(number))
                    if not cookie:
                        cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
                        if not cookie:
                            raise BenchFailure(f"POST /Q/{code}: first answer set no cookie")
                with lock:
                    completed += 1
            except (BenchFailure, OSError) as error:
                with lock:
                    errors.append(str(error)[:200])
            finally:
                connection.close()
                with lock:
                    latencies.extend(mine)
                    for kind, took in zip(kinds, mine, strict=True):
                        by_kind[kind].append(took)

    before = _count_reports(live, code)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=REPORTERS) as pool:
        list(pool.map(reporter, range(REPORTERS)))
    elapsed = time.perf_counter() - started
    summary = latency_summary(latencies, elapsed)
    stored = _count_reports(live, code) - before
    if stored < completed:
        raise BenchFailure(f"whole flow: {completed} receipts given but {stored} reports stored")
    return {
        **summary,
        "seconds": FLOW_SECONDS,
        "reports_completed": completed,
        "errors": len(errors),
        "first_errors": errors[:3],
        "by_request": {
            kind: latency_summary(took, elapsed) for kind, took in by_kind.items() if took
        },
    }


def measure(database_url: str | None) -> dict[str, Any]:
    saved = os.environ.pop("DATABASE_URL", None)
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    # PostgreSQL runs as in production, with Redis (cache and live events) when it is set.
    redis_url = (os.environ.get("REDIS_URL") or None) if database_url else None
    try:
        with (
            tempfile.TemporaryDirectory() as workdir,
            deployment(Path(workdir), redis_url=redis_url) as live,
        ):
            live.env["LOG_LEVEL"] = "WARNING"
            server = live.start_server(worker=True)
            parts = urlsplit(server.url)
            host, port = parts.hostname or "127.0.0.1", parts.port or 80
            code = live.summary["placements"][1]["code"]
            name = (
                "sqlite" if not database_url else "postgresql+redis" if redis_url else "postgresql"
            )
            result: dict[str, Any] = {"database": name}
            result["first_page"] = first_page_bytes(host, port, code)
            result.update(answers_against_baseline(live, host, port, code))
            result["whole_flow"] = whole_flow(live, host, port, code)
            result["concurrent_reporters"] = REPORTERS
            result["server_memory"] = rss_mb(server.process.pid)
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


if __name__ == "__main__":
    import json
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench.common import rounded

    print(json.dumps(rounded(run()), indent=2))
