"""The answer count stored on a report is the number of its entries, also under load."""

from __future__ import annotations

import http.client
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.db.models import Count

from safepath.core.testing import deployment
from safepath.placements.models import Placement
from safepath.reports.models import Report
from safepath.reports.services import report_add_answer, report_add_information, report_start


def _stored_and_true(report: Report) -> tuple[int, int]:
    row = Report.objects.annotate(true=Count("entries")).get(pk=report.pk)
    return row.answer_count, row.true


@pytest.mark.django_db
def test_the_stored_count_follows_new_entries_not_drafts_updated_in_place(
    bus_station: Placement,
) -> None:
    report, _ = report_start(placement=bus_station, step="details", value="first words")
    assert _stored_and_true(report) == (1, 1)
    report_add_answer(report=report, step="details", value="changed", draft=True)
    assert _stored_and_true(report) == (2, 2)  # a changed answer is a new version
    report_add_answer(report=report, step="details", value="changed, growing", draft=True)
    report_add_answer(report=report, step="details", value="changed, growing")
    assert _stored_and_true(report) == (2, 2)  # the draft was updated, then saved, in place
    report_add_answer(report=report, step="danger", choices=["yes"])
    report_add_information(report=report, text="later, from the follow-up page")
    report_add_information(report=report, text="and more")
    assert _stored_and_true(report) == (5, 5)


@pytest.mark.process
def test_stored_counts_stay_right_under_concurrent_answers(tmp_path: Path) -> None:
    reporters, steps = 12, ["details", "more", "details", "where", "more"]
    with deployment(tmp_path) as live:
        server = live.start_server(worker=False)
        parts = urlsplit(server.url)
        code = live.summary["placements"][0]["code"]

        def reporter(index: int) -> list[int]:
            conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=60)
            cookie, statuses = "", []
            try:
                for step in steps:
                    fields = {"step": step, "action": "autosave", "text": f"{index} {step}"}
                    if step == "where":
                        fields = {"step": step, "action": "autosave", "choice": "here"}
                    conn.request(
                        "POST",
                        f"/Q/{code}",
                        body=urlencode(fields),
                        headers={
                            "Content-Type": "application/x-www-form-urlencoded",
                            **({"Cookie": cookie} if cookie else {}),
                        },
                    )
                    response = conn.getresponse()
                    response.read()
                    statuses.append(response.status)
                    cookie = cookie or (response.getheader("Set-Cookie") or "").split(";")[0]
            finally:
                conn.close()
            return statuses

        with ThreadPoolExecutor(max_workers=reporters) as pool:
            statuses = [s for run in pool.map(reporter, range(reporters)) for s in run]
        assert statuses == [200] * (reporters * len(steps))

        out = live.manage(
            "shell",
            "-c",
            "from django.db.models import Count\n"
            "from safepath.reports.models import Report\n"
            f"rows = Report.objects.filter(placement__code={code!r})"
            ".annotate(true=Count('entries'))\n"
            "pairs = [(r.answer_count, r.true) for r in rows]\n"
            "print(sum(a != t for a, t in pairs), pairs.count((3, 3)))",
        )
    wrong, three = (int(n) for n in out.split()[-2:])
    assert wrong == 0  # every report's stored count equals its entries
    assert three >= reporters  # details, more and where: three entries each
