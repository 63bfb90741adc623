"""Routing and outbox benchmark (called by bench/run.py).

A fresh seeded deployment gets a benchmark agency with one webhook pointing at a local
receiver, so each report is exactly one delivery over real HTTP. Measured:

- throughput: 1,000 reports committed in one transaction while 1 (then 2) workers idle;
  deliveries per second from the first arrival to the last, and the 2-vs-1 ratio;
- latency, burst: 1,000 reports committed one after another as fast as one process can,
  with 2 workers running; time from the commit (the delivery's ``queued_at``, written in the
  report's transaction) to the receiver getting it, p50/p99;
- latency, trickle: answers POSTed to the scan page one at a time (20 per second) while 2
  workers idle, same measure: shows the wake-on-commit path, not the backlog.
"""

from __future__ import annotations

import http.client
import json
import statistics
import subprocess
import sys
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.common import BenchFailure, env_int, expect
from safepath.core.testing import ROOT, Deployment

REPORTS = env_int("BENCH_REPORTS", 1000, 200)
TRICKLE = env_int("BENCH_TRICKLE", 200, 40)


class Receiver(BaseHTTPRequestHandler):
    arrivals: dict[str, float] = {}
    queued: dict[str, float] = {}
    lock = threading.Lock()

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        now = time.time()
        payload = json.loads(body)
        with Receiver.lock:
            Receiver.arrivals.setdefault(payload["id"], now)
            Receiver.queued[payload["id"]] = datetime.fromisoformat(
                payload["queued_at"]
            ).timestamp()
        self.send_response(204)
        self.end_headers()


def _shell(live: Deployment, code: str) -> str:
    return live.manage("shell", "-c", code).strip().splitlines()[-1]


def _deliveries_queued(live: Deployment, placement: str) -> int:
    return int(
        _shell(
            live,
            "from safepath.routing.models import Delivery\n"
            "print(Delivery.objects.filter(\n"
            f"    report__placement__code={placement!r}, webhook__isnull=False).count())",
        )
    )


def _queue(live: Deployment, placement: str, count: int, *, one_transaction: bool) -> None:
    """Queue ``count`` reports: in one transaction (a backlog appearing at once) or each in
    its own (reports committed one after another, as reporters do)."""
    loop = f"for i in range({count}): report_start(placement=p, step='what', value='bench')"
    _shell(
        live,
        "from safepath.placements.models import Placement\n"
        "from safepath.reports.services import report_start\n"
        "from django.db import transaction\n"
        f"p = Placement.objects.get(code={placement!r})\n"
        + (f"with transaction.atomic():\n    {loop}\n" if one_transaction else f"{loop}\n")
        + "print('ok')",
    )


def _workers(live: Deployment, count: int) -> list[subprocess.Popen[bytes]]:
    env = {**live.env, "WORKER_POLL_SECONDS": "1.0", "LOG_LEVEL": "WARNING"}
    return [
        subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "worker"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


def _stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for process in workers:
        process.terminate()
    for process in workers:
        process.wait(timeout=30)


def _wait_for(count: int, what: str, timeout: float = 120) -> None:
    """Wait until ``count`` deliveries arrived; fail as soon as none arrive for ``timeout``."""
    last, last_change = -1, time.monotonic()
    while len(Receiver.arrivals) < count:
        arrived = len(Receiver.arrivals)
        if arrived != last:
            last, last_change = arrived, time.monotonic()
        if time.monotonic() - last_change > timeout:
            raise BenchFailure(
                f"{what}: only {arrived} of {count} deliveries arrived and none came in the "
                f"last {timeout:.0f} s (is the worker running? are deliveries queued?)"
            )
        time.sleep(0.01)


def _latencies(ids: set[str]) -> dict[str, float]:
    values = sorted(Receiver.arrivals[i] - Receiver.queued[i] for i in ids)
    return {
        "deliveries": len(values),
        "p50_ms": statistics.median(values) * 1000,
        "p99_ms": values[max(int(len(values) * 0.99) - 1, 0)] * 1000,
        "max_ms": values[-1] * 1000,
    }


def routing_benchmark(live: Deployment) -> dict[str, Any]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/hook"
    placement = _shell(
        live,
        "from safepath.accounts.models import Organization\n"
        "from safepath.placements.models import Placement\n"
        "from safepath.routing.models import Webhook\n"
        "from safepath.routing.services import policy_create_default\n"
        "o, _ = Organization.objects.get_or_create(\n"
        "    slug='bench-agency', defaults={'name': 'Bench', 'kind': 'law_enforcement'})\n"
        "policy_create_default(organization=o)\n"
        f"Webhook.objects.get_or_create(organization=o, url={url!r})\n"
        "p, _ = Placement.objects.get_or_create(organization=o, public_name='Bench code')\n"
        "print(p.code)",
    )
    results: dict[str, Any] = {}
    try:
        for workers in (1, 2):
            running = _workers(live, workers)
            time.sleep(4)  # started and idle: measure sending, not interpreter start-up
            Receiver.arrivals.clear()
            _queue(live, placement, REPORTS, one_transaction=True)
            _wait_for(REPORTS, f"drain with {workers} worker(s)")
            elapsed = max(Receiver.arrivals.values()) - min(Receiver.arrivals.values())
            _stop(running)
            results[f"drain_{workers}_worker"] = {
                "deliveries": REPORTS,
                "seconds": elapsed,
                "deliveries_per_second": REPORTS / elapsed,
            }
        results["two_vs_one_worker_ratio"] = (
            results["drain_2_worker"]["deliveries_per_second"]
            / results["drain_1_worker"]["deliveries_per_second"]
        )

        running = _workers(live, 2)
        time.sleep(3)  # workers up and idle
        Receiver.arrivals.clear()
        Receiver.queued.clear()
        _queue(live, placement, REPORTS, one_transaction=False)
        _wait_for(REPORTS, "burst latency")
        results["latency_burst"] = _latencies(set(Receiver.arrivals))

        web = live.start_server(worker=False)
        host, port = web.url.removeprefix("http://").split(":")
        Receiver.arrivals.clear()
        Receiver.queued.clear()
        queued_before = _deliveries_queued(live, placement)
        for index in range(TRICKLE):
            connection = http.client.HTTPConnection(host, int(port), timeout=30)
            connection.request(
                "POST",
                f"/Q/{placement}",
                # A first answer as the reporter page sends it: it starts a report.
                body=urlencode({"step": "details", "action": "next", "text": f"bench {index}"}),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            response = connection.getresponse()
            body = response.read()
            connection.close()
            expect(
                response,
                body,
                f"POST /Q/{placement} (trickle answer {index})",
                effect=lambda r, b: bool(r.getheader("Set-Cookie")),
                meaning="no report was started (no report cookie set)",
            )
            time.sleep(0.05)
        queued = _deliveries_queued(live, placement) - queued_before
        if queued != TRICKLE:
            raise BenchFailure(f"trickle: {TRICKLE} reports started but {queued} deliveries queued")
        _wait_for(TRICKLE, "trickle latency")
        results["latency_trickle_20_per_second"] = _latencies(set(Receiver.arrivals))
        _stop(running)
    finally:
        server.shutdown()
    return results


if __name__ == "__main__":
    import tempfile

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from safepath.core.testing import deployment

    with tempfile.TemporaryDirectory() as workdir, deployment(Path(workdir)) as live:
        print(json.dumps(routing_benchmark(live), indent=2))
