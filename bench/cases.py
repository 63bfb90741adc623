"""Responders' side benchmark (called by bench/run.py; also `python -m bench.cases`).

1. Inbox and API list at scale. One organization gets 100,000 reports (rows bulk-created
   straight into the database: setup speed, not the reporter's path, is what matters here),
   another gets 100. Each page is requested in-process through Django's test client, so
   every request's SQL can be counted: p50/p95 time and queries per request for
   ``/dashboard/`` and ``/api/v1/reports/``, with ratios to the same pages for the
   100-report organization and to ``/healthz`` measured in the same run. Equal query counts
   at 100 and 100,000 reports mean no N+1.
2. Live fan-out: 1,000 dashboards over 100 organizations, and 1,000 in one organization,
   on the in-memory channel layer and, when REDIS_URL is set, on Redis. See
   bench/dashboards.py.
"""

from __future__ import annotations

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

from bench import dashboards
from bench.common import BenchFailure, env_int
from safepath.core.testing import ROOT, Deployment, deployment

BIG = env_int("BENCH_INBOX_REPORTS", 100000, 10000)
SMALL = 100
REQUESTS = env_int("BENCH_INBOX_REQUESTS", 30, 10)


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


def run() -> dict[str, Any]:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as workdir, deployment(Path(workdir)) as live:
        results["inbox"] = inbox_benchmark(live)
    results["database"] = "postgresql" if os.environ.get("DATABASE_URL") else "sqlite"
    results["live"] = dashboards.run()
    return results


if __name__ == "__main__":
    if "--inbox-in-process" in sys.argv:
        print(json.dumps(inbox_in_process()))
    else:
        from bench.run import rounded

        print(json.dumps(rounded(run()), indent=2))
