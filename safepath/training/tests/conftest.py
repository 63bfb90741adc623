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


@pytest.fixture
def alice_client(alice: User) -> Client:
    return logged_in(alice)
