"""Responders' side benchmark (called by bench/run.py; also `python -m bench.cases`).

1. Inbox and API list at scale. One organization gets 100,000 reports (rows bulk-created
   straight into the database: setup speed, not the reporter's path, is what matters here),
   another gets 100. Each page is requested in-process through Django's test client, so
   every request's SQL can be counted: p50/p95 time and queries per request for
   ``/dashboard/`` and ``/api/v1/reports/``, with ratios to the same pages for the
   100-report organization and to ``/healthz`` measured in the same run. Equal query counts
   at 100 and 100,000 reports mean no N+1.
2. Live fan-out. N dashboards (WebSocket clients signed in with the second factor, one
   asyncio process) are connected to one server; a reporter then sends first answers over
   HTTP, one at a time. Measured: time from sending the answer (an upper bound on its
   commit; the POST's own duration is reported too) to the event's arrival on each
   dashboard, p50/p99 over every (answer, dashboard) pair, on the in-memory channel layer
   and, when REDIS_URL is set, on Redis.
"""

from __future__ import annotations

import asyncio
import http.client
import http.cookiejar
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import QUICK, BenchFailure, env_int, rss_mb
from safepath.core.testing import ROOT, Deployment, deployment

BIG = env_int("BENCH_INBOX_REPORTS", 100000, 10000)
SMALL = 100
REQUESTS = env_int("BENCH_INBOX_REQUESTS", 30, 10)
DASHBOARDS = [
    int(n) for n in os.environ.get("BENCH_DASHBOARDS", "200" if QUICK else "100,1000").split(",")
]
ANSWERS = env_int("BENCH_ANSWERS", 20, 8)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(len(ordered) * fraction + 0.5) - 1))]


# Part 1: runs inside a subprocess whose environment points Django at the deployment. ------


def _fill(organization: Any, placement: Any, count: int) -> None:
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from safepath.reports.models import Report, ReportEntry
    from safepath.routing.models import ReportRecipient

    now = timezone.now()
    batch = 5000
    for start in range(0, count, batch):
        size = min(batch, count - start)
        with transaction.atomic():
            reports = Report.objects.bulk_create(
                [
                    Report(
                        reference=secrets.token_hex(6).upper(),
                        placement=placement,
                        priority="urgent" if (start + i) % 50 == 0 else "normal",
                        status=("new", "acknowledged", "in_progress", "closed")[(start + i) % 4],
                        answer_count=1,  # the one entry created below
                    )
                    for i in range(size)
                ]
            )
            if not all(r.pk for r in reports):  # backends that do not return ids
                reports = list(Report.objects.filter(placement=placement).order_by("-pk")[:size])
            ReportRecipient.objects.bulk_create(
                [
                    ReportRecipient(report=r, organization=organization, reason="bench")
                    for r in reports
                ]
            )
            ReportEntry.objects.bulk_create(
                [ReportEntry(report=r, step="what", sealed_body=b"bench") for r in reports]
            )
            for i, report in enumerate(reports):
                report.created_at = report.last_activity_at = now - timedelta(minutes=start + i)
            Report.objects.bulk_update(reports, ["created_at", "last_activity_at"])


def _client_for(user: Any) -> Any:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="bench", defaults={"confirmed": True}
    )
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def _measure(client: Any, url: str, **headers: str) -> dict[str, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], []
    client.get(url, **headers)  # warm caches and connections
    for _ in range(REQUESTS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, **headers)
            times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise BenchFailure(f"{url}: HTTP {response.status_code}")
        if url != "/healthz" and b"bench" not in response.content.lower():
            raise BenchFailure(f"{url}: HTTP 200 but no bench report is listed")
        queries.append(len(captured))
    return {
        "p50_ms": statistics.median(times),
        "p95_ms": _percentile(times, 0.95),
        "queries": max(queries),
    }


def inbox_in_process() -> dict[str, Any]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safepath.settings")
    django.setup()
    from safepath.accounts.models import Membership, Organization, OrganizationKind, Role, User
    from safepath.api.models import Scope
    from safepath.api.tokens import api_token_create
    from safepath.placements.models import Placement

    sizes = {"big": BIG, "small": SMALL}
    clients, tokens = {}, {}
    started = time.perf_counter()
    for label, count in sizes.items():
        organization = Organization.objects.create(
            slug=f"bench-{label}-{secrets.token_hex(3)}",
            name=f"Bench {label}",
            kind=OrganizationKind.LAW_ENFORCEMENT,
        )
        placement = Placement.objects.create(organization=organization, public_name="Bench")
        user = User.objects.create_user(f"{organization.slug}@bench.test", secrets.token_hex(16))
        Membership.objects.create(user=user, organization=organization, role=Role.RESPONDER)
        _fill(organization, placement, count)
        clients[label] = _client_for(user)
        _, tokens[label] = api_token_create(user=user, name="bench", scopes=list(Scope.values))
    setup_seconds = time.perf_counter() - started

    results: dict[str, Any] = {"reports": sizes, "setup_seconds": setup_seconds}
    results["healthz"] = _measure(clients["small"], "/healthz")
    for label in sizes:
        auth = {"HTTP_AUTHORIZATION": f"Bearer {tokens[label]}"}
        results[f"inbox_{label}"] = _measure(clients[label], "/dashboard/")
        results[f"api_list_{label}"] = _measure(clients[label], "/api/v1/reports/", **auth)
    for page in ("inbox", "api_list"):
        big, small = results[f"{page}_big"], results[f"{page}_small"]
        big["p95_ratio_to_100_reports"] = big["p95_ms"] / small["p95_ms"]
        big["p95_ratio_to_healthz"] = big["p95_ms"] / results["healthz"]["p95_ms"]
        big["same_queries_as_100_reports"] = big["queries"] == small["queries"]
    return results


def inbox_benchmark(live: Deployment) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.cases", "--inbox-in-process"],
        env={**live.env, "LOG_LEVEL": "WARNING"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if done.returncode != 0:
        raise BenchFailure(f"inbox benchmark failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# Part 2: live fan-out to N dashboards. -------------------------------------------------------


def _sign_in_cookie(base_url: str, user: dict[str, Any]) -> str:
    """Sign in over HTTP like a browser (password, then the TOTP code); return the cookies."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safepath.settings")
    import django

    django.setup()  # this process only computes the TOTP code; the server has the data
    from safepath.accounts.mfa import totp_code_for_secret

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def post(path: str, fields: dict[str, str]) -> str:
        page = opener.open(f"{base_url}{path}").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, f"no CSRF token on {path}"
        body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token.group(1)})
        with opener.open(f"{base_url}{path}", data=body.encode()) as response:
            return str(response.geturl())

    post("/accounts/login/", {"username": user["email"], "password": user["password"]})
    landed = post("/accounts/two-factor/", {"token": totp_code_for_secret(user["totp_secret"])})
    assert landed.endswith("/dashboard/"), landed
    return "; ".join(f"{c.name}={c.value}" for c in jar)


async def _fan_out(base_url: str, cookie: str, dashboards: int, code: str) -> dict[str, Any]:
    import websockets

    host = urllib.parse.urlsplit(base_url).netloc
    arrivals: list[dict[str, float]] = [{} for _ in range(dashboards)]
    sockets = []
    connect_started = time.perf_counter()
    for start in range(0, dashboards, 50):  # connect in waves, as a shift starting would
        sockets += await asyncio.gather(
            *[
                websockets.connect(
                    f"ws://{host}/ws/dashboard/",
                    origin=websockets.Origin(base_url),
                    additional_headers={"Cookie": cookie},
                    max_queue=None,
                    open_timeout=60,
                )
                for _ in range(start, min(dashboards, start + 50))
            ]
        )
    connect_seconds = time.perf_counter() - connect_started

    async def listen(index: int, socket: Any) -> None:
        async for raw in socket:
            event = json.loads(raw)
            if event.get("kind") == "report":
                arrivals[index].setdefault(event["report"], time.perf_counter())

    listeners = [asyncio.create_task(listen(i, s)) for i, s in enumerate(sockets)]
    sent: list[tuple[float, float]] = []
    loop = asyncio.get_running_loop()
    for index in range(ANSWERS):
        sent.append(await loop.run_in_executor(None, _post_answer, base_url, code, index))
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

    # Each answer is a new report; its reference is learned from the events, in send order.
    references: list[str] = []
    for seen in arrivals:
        for reference, _at in sorted(seen.items(), key=lambda item: item[1]):
            if reference not in references:
                references.append(reference)
    latencies, missing = [], 0
    for (sent_at, _post_ms), reference in zip(sent, references[-ANSWERS:], strict=False):
        for seen in arrivals:
            if reference in seen:
                latencies.append((seen[reference] - sent_at) * 1000)
            else:
                missing += 1
    return {
        "dashboards": dashboards,
        "answers": ANSWERS,
        "connect_seconds": connect_seconds,
        "post_p50_ms": statistics.median(ms for _at, ms in sent),
        "p50_ms": statistics.median(latencies) if latencies else None,
        "p99_ms": _percentile(latencies, 0.99) if latencies else None,
        "missed_deliveries": missing + (ANSWERS - len(references[-ANSWERS:])) * dashboards,
    }


def _post_answer(base_url: str, code: str, index: int) -> tuple[float, float]:
    parts = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    body = urllib.parse.urlencode({"step": "details", "action": "next", "text": f"bench {index}"})
    started = time.perf_counter()
    connection.request(
        "POST",
        f"/Q/{code}",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 200 or not response.getheader("Set-Cookie"):
        raise BenchFailure(f"POST /Q/{code}: HTTP {response.status}, no report started")
    return started, (time.perf_counter() - started) * 1000


def fan_out_benchmark(redis_url: str | None) -> list[dict[str, Any]]:
    results = []
    with (
        tempfile.TemporaryDirectory() as workdir,
        deployment(Path(workdir), redis_url=redis_url) as live,
    ):
        live.env["LOG_LEVEL"] = "WARNING"
        server = live.start_server(worker=False)
        responder = next(
            u
            for u in live.summary["users"]
            if u["organization"] == "riverside-pd" and u["role"] == "responder"
        )
        code = next(
            p["code"] for p in live.summary["placements"] if p["organization"] == "riverside-pd"
        )
        cookie = _sign_in_cookie(server.url, responder)
        for dashboards in DASHBOARDS:
            try:
                measured = asyncio.run(_fan_out(server.url, cookie, dashboards, code))
            except BenchFailure:
                raise
            except Exception as error:  # the machine could not hold this many: say so
                measured = {"dashboards": dashboards, "failed": repr(error)[:300]}
            measured["server_memory"] = rss_mb(server.process.pid)
            results.append(measured)
    return results


def run() -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as workdir, deployment(Path(workdir)) as live:
        results["inbox"] = inbox_benchmark(live)
    results["database"] = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    results["live_in_memory"] = fan_out_benchmark(None)
    if os.environ.get("REDIS_URL"):
        results["live_redis"] = fan_out_benchmark(os.environ["REDIS_URL"])
    return results


if __name__ == "__main__":
    if "--inbox-in-process" in sys.argv:
        print(json.dumps(inbox_in_process()))
    else:
        from bench.run import rounded

        print(json.dumps(rounded(run()), indent=2))
