"""The hourly counters stay right when many people scan and report at once, and the shared
hourly row is never held for the length of someone else's report."""

from __future__ import annotations

import http.client
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.db import DatabaseError, connection, transaction

from safepath.core.testing import Deployment, deployment
from safepath.placements.models import Placement, ScanCount
from safepath.placements.services import placement_record_scan
from safepath.reports.services import report_start
from safepath.reports.signals import report_started

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks: PostgreSQL (SQLite locks the file)"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_scan_is_not_blocked_while_a_report_at_the_same_placement_is_routed(
    bus_station: Placement,
) -> None:
    placement_record_scan(placement=bus_station)  # this hour's row exists
    outcome: list[str] = []

    def scan_from_another_request() -> None:
        try:
            with connection.cursor() as cursor:
                # Waiting for a row lock longer than this is an error, not a slow scan.
                cursor.execute("SET lock_timeout = '3s'")
            placement_record_scan(placement=bus_station)
            outcome.append("counted")
        except DatabaseError as error:
            outcome.append(f"blocked: {error}")
        finally:
            connection.close()

    def while_routing(sender: object, **kwargs: object) -> None:
        # Routing runs inside the report's transaction: someone scans the code meanwhile.
        other = threading.Thread(target=scan_from_another_request)
        other.start()
        other.join()

    report_started.connect(while_routing)
    try:
        report_start(placement=bus_station, step="details", value="being routed")
    finally:
        report_started.disconnect(while_routing)

    assert outcome == ["counted"]
    row = ScanCount.objects.get(placement=bus_station)
    assert (row.scans, row.reports_started, row.reports_answered) == (2, 1, 1)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_report_rolled_back_is_not_counted(bus_station: Placement) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        report_start(placement=bus_station, step="details", value="never saved")
        raise RuntimeError("the save failed")

    assert not ScanCount.objects.filter(placement=bus_station, reports_started__gt=0).exists()


@pytest.mark.process
def test_counts_stay_right_under_concurrent_scans_and_reports(tmp_path: Path) -> None:
    scans, reports = 60, 30
    with deployment(tmp_path) as live:
        server = live.start_server(worker=False)
        parts = urlsplit(server.url)
        code = live.summary["placements"][0]["code"]
        before = _totals(live, code)

        def request(index: int) -> tuple[int, bool]:
            conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60)
            try:
                if index < scans:
                    conn.request("GET", f"/Q/{code}")
                else:
                    conn.request(
                        "POST",
                        f"/Q/{code}",
                        body=urlencode({"step": "details", "action": "next", "text": "x"}),
                        headers={"Content-Type": "application/x-www-form-urlencoded"},
                    )
                response = conn.getresponse()
                response.read()
                return response.status, bool(response.getheader("Set-Cookie"))
            finally:
                conn.close()

        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(request, range(scans + reports)))
        assert [status for status, _ in answers] == [200] * (scans + reports)
        assert sum(started for _, started in answers[scans:]) == reports

        after = _totals(live, code)
    # Every scan and every report counted once, and still one row per hour.
    assert (after[0] - before[0], after[1] - before[1], after[2] - before[2]) == (
        scans,
        reports,
        reports,
    )
    assert after[3] == 1


def _totals(live: Deployment, code: str) -> tuple[int, int, int, int]:
    """Scans, reports started, reports answered, and the most rows any hour has."""
    out = live.manage(
        "shell",
        "-c",
        "from django.db.models import Count, Sum\n"
        "from safepath.placements.models import ScanCount\n"
        f"rows = ScanCount.objects.filter(placement__code={code!r})\n"
        "t = rows.aggregate(s=Sum('scans'), r=Sum('reports_started'), a=Sum('reports_answered'))\n"
        "most = max([h['n'] for h in rows.values('hour').annotate(n=Count('pk'))] or [1])\n"
        "print(t['s'] or 0, t['r'] or 0, t['a'] or 0, most)",
    )
    s, r, a, most = (int(value) for value in out.split()[-4:])
    return s, r, a, most
