"""Training fixtures: the shipped courses loaded, and helpers that answer like a learner."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pytest
from django.test import Client

from safepath.accounts.models import Organization, User
from safepath.conftest import logged_in
from safepath.training.content import CourseFile, load_all
from safepath.training.models import Assignment, AssignmentSource, Attempt, Course
from safepath.training.services import course_versions_load, requirements_load_library


@lru_cache(maxsize=1)
def _files() -> tuple[CourseFile, ...]:
    return tuple(load_all())


@pytest.fixture
def courses(db: None) -> dict[str, Course]:
    course_versions_load(files=_files())
    requirements_load_library()
    return {course.slug: course for course in Course.objects.all()}


@pytest.fixture
def bob_assignment(courses: dict[str, Course], bob: User, riverside: Organization) -> Assignment:
    return Assignment.objects.create(
        organization=riverside,
        user=bob,
        course=courses["law-enforcement"],
        source=AssignmentSource.PERSON,
        valid_months=24,
    )


def correct_answers(attempt: Attempt, *, wrong: int = 0) -> dict[str, str]:
    """Form fields answering an attempt; the first ``wrong`` questions answered wrongly."""
    from safepath.training.selectors import version_for

    bank = {
        q["id"]: q
        for q in version_for(assignment=attempt.assignment).data["assessment"]["questions"]
    }
    fields: dict[str, Any] = {"action": "submit"}
    for index, item in enumerate(attempt.questions):
        choices = bank[item["id"]]["choices"]
        right = next(i for i, c in enumerate(choices) if c.get("correct"))
        fields[f"q-{item['id']}"] = str((right + 1) % len(choices) if index < wrong else right)
    return fields


def let_time_pass(assignment: Assignment, minutes: int = 60) -> None:
    """Move the server's records of when lessons and scenarios were opened into the past,
    as if the learner had spent that long on them."""
    from datetime import timedelta

    from django.utils import timezone

    from safepath.training.models import LessonProgress, ScenarioRun

    earlier = timezone.now() - timedelta(minutes=minutes)
    LessonProgress.objects.filter(assignment=assignment, completed_at__isnull=True).update(
        opened_at=earlier
    )
    ScenarioRun.objects.filter(assignment=assignment, finished_at__isnull=True).update(
        started_at=earlier
    )


def study(client: Client, assignment: Assignment, *, minutes: int = 10) -> None:
    """Read every lesson in order (``minutes`` each) and play every scenario to its end."""
    from safepath.training.selectors import version_for

    data = version_for(assignment=assignment).data
    base = f"/training/a/{assignment.pk}"
    for lesson in data["lessons"]:
        assert client.get(f"{base}/lessons/{lesson['id']}/").status_code == 200
        let_time_pass(assignment, minutes)
        assert client.post(f"{base}/lessons/{lesson['id']}/").status_code == 302
    for scenario in data["scenarios"]:
        node_id = scenario["start"]
        for step in range(30):
            choice = scenario["nodes"][node_id]["choices"][0]
            client.post(f"{base}/scenarios/{scenario['id']}/", {"node": node_id, "choice": "0"})
            if step == 0:
                let_time_pass(assignment, minutes)
            if choice.get("end"):
                break
            node_id = choice["next"]


@pytest.fixture
def alice_client(alice: User) -> Client:
    return logged_in(alice)
