"""Benchmark: the compliance view for a unit of 5,000 people and 10 requirements.

Runs in-process against a fresh migrated, seeded database (a SQLite file, or a new
PostgreSQL database when DATABASE_URL is set), through Django's test client so that the
whole view — selector, recurrence engine, template — is measured, with its query count.
The baseline, measured in the same run, is the same view for a unit of 50 people.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import BenchFailure, env_int
from safepath.core.testing import deployment

BIG, SMALL, REQUIREMENTS = env_int("BENCH_PEOPLE", 5000, 1000), 50, 10
RUNS = env_int("BENCH_COMPLIANCE_RUNS", 15, 6)
PDF_RUNS = env_int("BENCH_COMPLIANCE_PDF_RUNS", 2, 1)  # seconds each: every page is drawn


def _populate(unit_size: int, slug: str) -> int:
    from django.utils import timezone

    from safepath.accounts.models import Membership, Organization, Role, Unit, User
    from safepath.training.models import (
        Assignment,
        AssignmentSource,
        Completion,
        Course,
        CourseVersion,
        Requirement,
    )

    organization = Organization.objects.get(slug="riverside-pd")
    unit = Unit.objects.create(organization=organization, slug=slug, name=f"Bench {unit_size}")
    users = User.objects.bulk_create(
        User(email=f"{slug}-{i}@bench.example", password="!", first_name=f"P{i}")  # noqa: S106
        for i in range(unit_size)
    )
    memberships = Membership.objects.bulk_create(
        Membership(user=user, organization=organization, role=Role.RESPONDER) for user in users
    )
    started = timezone.now() - timedelta(days=700)
    Membership.objects.filter(pk__in=[m.pk for m in memberships]).update(created_at=started)
    Membership.units.through.objects.bulk_create(
        Membership.units.through(membership_id=m.pk, unit_id=unit.pk) for m in memberships
    )
    courses = list(Course.objects.all())
    if not Requirement.objects.filter(
        organization=organization, code__startswith="bench-"
    ).exists():
        Requirement.objects.bulk_create(
            Requirement(
                organization=organization,
                code=f"bench-{i}",
                title=f"Bench requirement {i}",
                course=courses[i % len(courses)],
                recurrence=["once", "from_completion", "from_expiry", "anniversary"][i % 4],
                interval_months=12 * (1 + i % 2),
            )
            for i in range(REQUIREMENTS)
        )
    versions = {v.course_id: v for v in CourseVersion.objects.filter(language="en")}
    rng = random.Random(7)
    assignments = Assignment.objects.bulk_create(
        Assignment(
            organization=organization,
            user=user,
            course=course,
            source=AssignmentSource.PERSON,
            completed_at=timezone.now(),
        )
        for user in users
        for course in courses
        if rng.random() < 0.6
    )
    today = timezone.localdate()
    Completion.objects.bulk_create(
        Completion(
            organization=organization,
            user_id=a.user_id,
            course_id=a.course_id,
            course_version=versions[a.course_id],
            assignment=a,
            completed_on=today - timedelta(days=rng.randint(0, 900)),
            score_percent=90,
        )
        for a in assignments
    )
    return unit.pk


def _lists_people(content: bytes) -> bool:
    return b"@bench.example" in content or b"P1" in content


def _measure(
    client: Any, url: str, check: Any = _lists_people, runs: int = RUNS
) -> dict[str, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings = []
    queries = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise BenchFailure(f"{url} answered {response.status_code}")
        if not check(response.content):
            raise BenchFailure(f"{url}: HTTP 200 but not what it should show ({check.__name__})")
        queries = len(captured.captured_queries)
    ordered = sorted(timings)
    return {
        "runs": runs,
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000,
        "queries": queries,
    }


def run_training_bench() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as workdir, deployment(Path(workdir)) as live:
        os.environ.update(live.env)
        # Queries are only recorded with DEBUG on; the view code path is the same.
        os.environ["DEBUG"] = "1"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safepath.settings")
        import django

        django.setup()
        from safepath.accounts.models import User
        from safepath.core.testing import verified_client

        big = _populate(BIG, "bench-big")
        small = _populate(SMALL, "bench-small")
        # The rows above were bulk-created, past the services that keep the stored
        # standings: rebuild them as an operator would after an import (and time it).
        from safepath.training.services import standings_rebuild

        started = time.perf_counter()
        standings_rebuild()
        rebuild_seconds = time.perf_counter() - started
        # Tens of thousands of rows just arrived in bulk; a production PostgreSQL's autovacuum
        # (on by default; off on the development server here) would ANALYZE these tables
        # within a minute (autovacuum_naptime) of such a load. Without statistics the
        # planner guesses a few dozen memberships per organization and nests loops over the
        # 50,000 person x requirement pairs (compliance counts ~4x slower): measure the plan
        # a deployment runs, not the one of the first seconds after an import.
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        client = verified_client(
            User.objects.get(email="alice@riverside.example"), HTTP_HOST="127.0.0.1"
        )
        results: dict[str, Any] = {
            "people": BIG,
            "requirements": REQUIREMENTS,
            "standings_rebuild_seconds": round(rebuild_seconds, 2),
            "analyzed_after_load": connection.vendor == "postgresql",
        }
        baseline = _measure(client, f"/training/manage/units/{small}/")
        results[f"baseline_html_{SMALL}_people"] = baseline

        def is_pdf(content: bytes) -> bool:
            return content.startswith(b"%PDF")

        def counts_everyone(content: bytes) -> bool:
            return b'id="compliance-riverside-pd"' in content

        for name, url, check, runs in (
            ("html_page_of_100", f"/training/manage/units/{big}/", _lists_people, RUNS),
            ("csv_all_rows", f"/training/manage/units/{big}/compliance.csv", _lists_people, RUNS),
            ("pdf_all_rows", f"/training/manage/units/{big}/compliance.pdf", is_pdf, PDF_RUNS),
            ("organization_html_page_of_100", "/training/manage/compliance/", _lists_people, RUNS),
            ("parent_progress_counts", "/dashboard/onboarding/", counts_everyone, RUNS),
        ):
            measured = _measure(client, url, check, runs)
            measured["p95_ratio_to_baseline"] = measured["p95_ms"] / baseline["p95_ms"]
            results[name] = measured
        results["database"] = "postgresql" if "DATABASE_URL" in live.env else "sqlite"
    return results


if __name__ == "__main__":
    import json

    print(json.dumps(run_training_bench(), indent=2, default=str))
