"""What every benchmark shares: the quick mode, checked requests and the server's memory.

A benchmark that measures requests which did not do what they meant measures nothing. So
every request goes through :func:`expect`, which checks the status and lets the caller
check the effect (a cookie set, a JSON field, a text on the page), and raises
:class:`BenchFailure` with a message that says which request, what came back and what was
expected. `bench/run.py` stops at the first failure and prints that message.

``BENCH_QUICK=1`` (or ``make bench-quick``) scales every benchmark down so a whole run fits
in a few minutes on a small machine; the numbers are then indicative only, and the printed
table says so.
"""

from __future__ import annotations

import http.client
import os
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

QUICK = os.environ.get("BENCH_QUICK", "") not in {"", "0", "no"}


class BenchFailure(RuntimeError):
    """A benchmark request did not do what it meant to: the run stops here."""


def scale(full: int, quick: int) -> int:
    return quick if QUICK else full


def env_int(name: str, full: int, quick: int) -> int:
    return int(os.environ.get(name, str(scale(full, quick))))


def expect(
    response: http.client.HTTPResponse,
    body: bytes,
    what: str,
    *,
    status: int | tuple[int, ...] = 200,
    effect: Callable[[http.client.HTTPResponse, bytes], bool] | None = None,
    meaning: str = "",
) -> None:
    """Raise BenchFailure unless ``response`` has ``status`` and ``effect`` holds."""
    allowed = (status,) if isinstance(status, int) else status
    if response.status not in allowed:
        raise BenchFailure(
            f"{what}: HTTP {response.status}, expected {allowed}; "
            f"body starts: {body[:300].decode(errors='replace')!r}"
        )
    if effect is not None and not effect(response, body):
        raise BenchFailure(
            f"{what}: HTTP {response.status} but {meaning or 'the expected effect is missing'}; "
            f"body starts: {body[:300].decode(errors='replace')!r}"
        )


def saved_json(response: http.client.HTTPResponse, body: bytes) -> bool:
    """An autosave reply that says the answer was stored."""
    import json

    try:
        return bool(json.loads(body).get("saved"))
    except ValueError:
        return False


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(len(ordered) * fraction + 0.5) - 1))]


def latency_summary(latencies: list[float], elapsed: float) -> dict[str, float]:
    """Throughput and p50/p95 (milliseconds) of request durations given in seconds."""
    return {
        "requests": len(latencies),
        "throughput_rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
    }


def rss_mb(pid: int) -> dict[str, float]:
    """Resident memory of a process now and at its peak (Linux /proc), in MB."""
    found: dict[str, float] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in {"VmRSS", "VmHWM"}:
                found["rss_mb" if key == "VmRSS" else "peak_rss_mb"] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return found


def rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [rounded(item) for item in value]
    return value
