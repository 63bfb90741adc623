"""Placement benchmarks: a 1,000-poster PDF, and scan counters under a burst of scans.

- posters: 1,000 distinct posters (mixed languages, Arabic and CJK included) in one PDF,
  made in a child process so its peak memory (max RSS) is its own. Goal: at most 30 s and
  300 MB. Baseline in the same run: one single-poster PDF, and the child's RSS before work.
- scan burst: 2,000 scans of one code from 20 threads against a real server
  (`python -m safepath.run`), against GET /healthz with the same concurrency; then the
  hourly counter is read back to prove every scan was counted. On SQLite, and on
  PostgreSQL too when BENCH_DATABASE_URL (or DATABASE_URL) names one.

Run with `make bench` (bench/run.py calls this) or `python bench/placements.py`.
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import BenchFailure, env_int  # noqa: E402
from safepath.core.testing import deployment  # noqa: E402  # needs ROOT on sys.path first

POSTERS = env_int("BENCH_POSTERS", 1000, 100)
SCANS = env_int("BENCH_SCANS", 2000, 400)
THREADS = 20
LANGUAGE_SETS = [
    ("en",),
    ("en", "es"),
    ("es", "ar", "en"),
    ("zh-hans", "en"),
    ("ko", "vi", "en"),
    ("ru", "uk"),
    ("fr", "ht", "pt"),
    ("tl", "en"),
]


def posters_child() -> None:
    """Runs in its own process: prints timings and peak memory as JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safepath.settings")
    import django

    django.setup()
    from safepath.core.codes import new_code
    from safepath.placements.posters import PosterSpec, posters_pdf

    def spec(index: int) -> PosterSpec:
        code = new_code()
        return PosterSpec(
            code=code,
            grouped_code=f"{code[:5]}-{code[5:]}",
            scan_url=f"HTTPS://SAFEPATH.EXAMPLE/Q/{code}",
            public_name=f"Placement {index}",
            languages=LANGUAGE_SETS[index % len(LANGUAGE_SETS)],
        )

    rss_before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    posters_pdf([spec(0)], paper="letter")
    single = time.perf_counter() - started
    specs = [spec(i) for i in range(POSTERS)]
    started = time.perf_counter()
    pdf = posters_pdf(specs, paper="letter")
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "posters": POSTERS,
                "seconds": elapsed,
                "goal_seconds": 30,
                "pdf_mb": len(pdf) / 1e6,
                "peak_rss_mb": peak_kb / 1024,
                "goal_peak_mb": 300,
                "baseline_rss_before_mb": rss_before_kb / 1024,
                "baseline_single_poster_seconds": single,
                "per_poster_ratio_to_single": (elapsed / POSTERS) / single,
            }
        )
    )


def bench_posters() -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, __file__, "--posters-child"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _burst(host: str, port: int, path: str) -> float:
    """Requests per second for SCANS GETs of ``path`` from THREADS threads."""

    def one(_index: int) -> None:
        connection = http.client.HTTPConnection(host, port, timeout=60)
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        connection.close()
        if response.status != 200:
            raise BenchFailure(f"HTTP {response.status} for GET {path}")

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(one, range(SCANS)))
    return SCANS / (time.perf_counter() - started)


def bench_scan_burst(database_url: str | None) -> dict[str, object]:
    saved = os.environ.get("DATABASE_URL")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    try:
        with tempfile.TemporaryDirectory() as workdir, deployment(Path(workdir)) as live:
            server = live.start_server(worker=False)
            parts = urlsplit(server.url)
            host, port = parts.hostname or "127.0.0.1", parts.port or 80
            placement = live.summary["placements"][0]
            baseline = _burst(host, port, "/healthz")
            scans = _burst(host, port, f"/Q/{placement['code']}")
            counted = live.manage(
                "shell",
                "-c",
                "from django.db.models import Sum; "
                "from safepath.placements.models import ScanCount; "
                "from safepath.placements.services import _hour; "
                "from django.utils import timezone; "
                "print(ScanCount.objects.filter(placement__code="
                f"'{placement['code']}', hour__gte=_hour(timezone.now()) - "
                "timezone.timedelta(hours=1)).aggregate(n=Sum('scans'))['n'])",
            ).strip()
    finally:
        if saved is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = saved
    counted_scans = int(counted.splitlines()[-1] if counted else 0)
    if counted_scans != SCANS:
        raise BenchFailure(f"scan burst: {SCANS} scans answered but {counted_scans} counted")
    return {
        "database": "postgresql" if database_url else "sqlite",
        "scans": SCANS,
        "threads": THREADS,
        "baseline_healthz_rps": baseline,
        "scan_writes_per_second": scans,
        "ratio_to_baseline": scans / baseline,
        "scans_counted": counted_scans,
    }


def run_placement_benchmarks() -> dict[str, object]:
    results: dict[str, object] = {"posters_1000": bench_posters()}
    bursts = [bench_scan_burst(None)]
    pg = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if pg and pg.startswith(("postgres://", "postgresql://")):
        bursts.append(bench_scan_burst(pg))
    results["scan_burst"] = bursts
    return results


def _rounded(value: object) -> object:
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return value


def main() -> None:
    print(json.dumps(_rounded(run_placement_benchmarks()), indent=2))


if __name__ == "__main__":
    if "--posters-child" in sys.argv:
        posters_child()
    else:
        main()
