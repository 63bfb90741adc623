"""Questions on lessons and scenarios: learners ask (anonymously to peers if they choose),
trainers answer, and shared answers show to everyone taking the course."""

from __future__ import annotations

import pytest
from django.test import Client

from safepath.accounts.models import Membership, Organization, Role, User
from safepath.conftest import logged_in
from safepath.core.models import AuditEntry
from safepath.training.models import Assignment, AssignmentSource, Course, Question
from safepath.training.tests.conftest import let_time_pass

pytestmark = pytest.mark.django_db


def test_a_learner_asks_and_a_shared_answer_reaches_a_colleague(
    bob_client: Client,
    bob_assignment: Assignment,
    alice: User,
    riverside: Organization,
    courses: dict[str, Course],
) -> None:
    lesson = f"/training/a/{bob_assignment.pk}/lessons/recognizing-indicators/"
    bob_client.get(lesson)
    asked = bob_client.post(
        lesson,
        {"action": "ask", "text": "Does one sign justify a stop?", "anonymous": "on"},
        follow=True,
    )
    empty = bob_client.post(lesson, {"action": "ask", "text": "   "}, follow=True)
    question = Question.objects.get()

    trainer = logged_in(alice)
    assert (
        "Does one sign justify a stop?"
        in trainer.get("/training/manage/questions/").content.decode()
    )
    trainer.post(
        f"/training/manage/questions/{question.pk}/",
        {"answer": "No: one sign is not proof; document what you see.", "shared": "on"},
    )

    colleague = User.objects.create_user("eve@riverside.test", None, first_name="Eve")
    Membership.objects.create(user=colleague, organization=riverside, role=Role.RESPONDER)
    theirs = Assignment.objects.create(
        organization=riverside,
        user=colleague,
        course=courses["law-enforcement"],
        source=AssignmentSource.SELF,
    )
    page = (
        logged_in(colleague)
        .get(f"/training/a/{theirs.pk}/lessons/recognizing-indicators/")
        .content.decode()
    )

    assert "Your question was sent to your trainers." in asked.content.decode()
    assert "Please write your question." in empty.content.decode()
    assert Question.objects.count() == 1
    assert nothing_marked_read(bob_assignment)
    assert "one sign is not proof" in page and "A colleague" in page
    assert "bob@riverside.test" not in page and "Bob" not in page
    assert AuditEntry.objects.filter(action="training.question_answered").count() == 1


def nothing_marked_read(assignment: Assignment) -> bool:
    """Asking a question is not marking the lesson read."""
    return not assignment.lessons.filter(completed_at__isnull=False).exists()


def test_an_unshared_answer_stays_with_the_asker(
    bob_client: Client, bob_assignment: Assignment, alice: User, riverside: Organization
) -> None:
    scenario = f"/training/a/{bob_assignment.pk}/scenarios/traffic-stop/"
    bob_client.post(scenario, {"action": "ask", "text": "Can I search the trunk?"})
    question = Question.objects.get()
    logged_in(alice).post(
        f"/training/manage/questions/{question.pk}/", {"answer": "Only with a legal basis."}
    )
    colleague = User.objects.create_user("eve@riverside.test", None)
    Membership.objects.create(user=colleague, organization=riverside, role=Role.RESPONDER)
    theirs = Assignment.objects.create(
        organization=riverside,
        user=colleague,
        course=bob_assignment.course,
        source=AssignmentSource.SELF,
    )

    mine = bob_client.get(scenario).content.decode()
    other = (
        logged_in(colleague)
        .get(f"/training/a/{theirs.pk}/scenarios/traffic-stop/")
        .content.decode()
    )

    assert "Only with a legal basis." in mine
    assert "Can I search the trunk?" not in other


def test_a_learner_cannot_answer_and_a_stranger_cannot_see(
    bob_client: Client, bob_assignment: Assignment, charlie_client: Client
) -> None:
    lesson = f"/training/a/{bob_assignment.pk}/lessons/recognizing-indicators/"
    bob_client.get(lesson)
    let_time_pass(bob_assignment)
    bob_client.post(lesson, {"action": "ask", "text": "Who answers?"})
    question = Question.objects.get()

    assert bob_client.get(f"/training/manage/questions/{question.pk}/").status_code == 404
    assert charlie_client.get(f"/training/manage/questions/{question.pk}/").status_code == 404
    assert (
        bob_client.post(
            f"/training/manage/questions/{question.pk}/", {"answer": "me", "shared": "on"}
        ).status_code
        == 404
    )
    question.refresh_from_db()
    assert question.answered_at is None
