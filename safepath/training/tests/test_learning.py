"""The learner's path through plain forms: lessons, a branching scenario, the assessment with
its pass mark and attempt limit, the certificate and its public verification page."""

from __future__ import annotations

import io

import pypdfium2
import pytest
import zxingcpp
from django.conf import settings
from django.test import Client

from safepath.accounts.models import Organization, Role, User
from safepath.conftest import logged_in
from safepath.core.models import AuditEntry
from safepath.training.models import (
    Assignment,
    Attempt,
    Certificate,
    Completion,
    ImmutableError,
    LessonProgress,
    ScenarioRun,
    TrainingSettings,
)
from safepath.training.selectors import version_for
from safepath.training.tests.conftest import correct_answers, let_time_pass, study

pytestmark = pytest.mark.django_db


def start_attempt(client: Client, assignment: Assignment) -> Attempt:
    if not assignment.lessons.exists():
        study(client, assignment)
    url = f"/training/a/{assignment.pk}/assessment/"
    assert client.post(url, {"action": "start"}).status_code == 302
    return Attempt.objects.filter(assignment=assignment).order_by("-number").first()  # type: ignore[return-value]


def pass_assessment(client: Client, assignment: Assignment) -> Certificate:
    attempt = start_attempt(client, assignment)
    client.post(f"/training/a/{assignment.pk}/assessment/", correct_answers(attempt))
    return Certificate.objects.get(completion__assignment=assignment)


def test_lessons_are_saved_and_the_course_resumes_at_the_next_one(
    bob_client: Client, bob_assignment: Assignment
) -> None:
    lessons = version_for(assignment=bob_assignment).data["lessons"]
    url = f"/training/a/{bob_assignment.pk}/lessons/{lessons[0]['id']}/"

    page = bob_client.get(url)
    let_time_pass(bob_assignment)
    response = bob_client.post(url)

    assert page.status_code == 200 and b"<h3>" in page.content  # Markdown rendered
    assert response["Location"] == f"/training/a/{bob_assignment.pk}/lessons/{lessons[1]['id']}/"
    assert list(LessonProgress.objects.values_list("lesson_id", flat=True)) == [lessons[0]["id"]]
    overview = bob_client.get(f"/training/a/{bob_assignment.pk}/").content.decode()
    assert f'/lessons/{lessons[1]["id"]}/">' in overview.split("Continue where you left off")[0]


def test_a_scenario_records_each_choice_with_feedback_and_score(
    bob_client: Client, bob_assignment: Assignment
) -> None:
    scenario = version_for(assignment=bob_assignment).data["scenarios"][0]
    url = f"/training/a/{bob_assignment.pk}/scenarios/{scenario['id']}/"
    node_id = scenario["start"]
    score = 0
    for _step in range(20):
        choices = scenario["nodes"][node_id]["choices"]
        bob_client.post(url, {"node": node_id, "choice": "0"})
        score += choices[0]["score"]
        page = bob_client.get(url).content.decode()
        assert choices[0]["feedback"].split("\n")[0][:40] in page.replace("&#x27;", "'").replace(
            "&quot;", '"'
        )
        if choices[0].get("end"):
            break
        node_id = choices[0]["next"]

    run = ScenarioRun.objects.get(assignment=bob_assignment, scenario_id=scenario["id"])
    assert run.finished_at is not None
    assert run.score == score
    assert run.path[0] == [scenario["start"], 0]


def test_a_resubmitted_scenario_step_is_not_recorded_twice(
    bob_client: Client, bob_assignment: Assignment
) -> None:
    scenario = version_for(assignment=bob_assignment).data["scenarios"][0]
    url = f"/training/a/{bob_assignment.pk}/scenarios/{scenario['id']}/"
    bob_client.post(url, {"node": scenario["start"], "choice": "0"})
    bob_client.post(url, {"node": scenario["start"], "choice": "1"})  # back button, resubmit
    bob_client.post(url, {"node": scenario["start"], "choice": "banana"})

    run = ScenarioRun.objects.get(assignment=bob_assignment)
    assert run.path == [[scenario["start"], 0]]


def test_failing_then_passing_issues_one_certificate_with_a_working_qr_code(
    bob_client: Client, bob_assignment: Assignment, bob: User
) -> None:
    bob.first_name, bob.last_name = "Bob", "Rivera"
    bob.save()
    first = start_attempt(bob_client, bob_assignment)
    bob_client.post(f"/training/a/{bob_assignment.pk}/assessment/", correct_answers(first, wrong=5))
    first.refresh_from_db()
    assert first.passed is False and first.score_percent == 50
    assert not Completion.objects.exists()

    certificate = pass_assessment(bob_client, bob_assignment)

    bob_assignment.refresh_from_db()
    assert bob_assignment.completed_at is not None
    assert certificate.name_as_printed == "Bob Rivera"
    assert certificate.version_label == "law-enforcement v1 (en)"
    assert certificate.expires_on is not None  # valid for 24 months
    pdf = bob_client.get(f"/training/certificates/{certificate.pk}.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    page = pypdfium2.PdfDocument(io.BytesIO(pdf.content))[0]
    image = page.render(scale=3).to_pil()
    decoded = [result.text for result in zxingcpp.read_barcodes(image)]
    assert decoded == [f"{settings.BASE_URL}/verify/{certificate.pk}"]
    text = page.get_textpage().get_text_range()
    assert "Bob Rivera" in text and certificate.pk in text


def test_attempts_are_limited(bob_client: Client, bob_assignment: Assignment) -> None:
    for _ in range(3):
        attempt = start_attempt(bob_client, bob_assignment)
        bob_client.post(
            f"/training/a/{bob_assignment.pk}/assessment/", correct_answers(attempt, wrong=10)
        )

    response = bob_client.post(
        f"/training/a/{bob_assignment.pk}/assessment/", {"action": "start"}, follow=True
    )

    assert Attempt.objects.filter(assignment=bob_assignment).count() == 3
    assert "used all your attempts" in response.content.decode()


def test_an_incomplete_submission_changes_nothing(
    bob_client: Client, bob_assignment: Assignment
) -> None:
    attempt = start_attempt(bob_client, bob_assignment)
    fields = correct_answers(attempt)
    fields.pop(f"q-{attempt.questions[0]['id']}")

    response = bob_client.post(f"/training/a/{bob_assignment.pk}/assessment/", fields, follow=True)

    attempt.refresh_from_db()
    assert attempt.submitted_at is None
    assert "Please answer every question" in response.content.decode()


def test_the_verification_page_shows_the_minimum_and_then_revoked(
    bob_client: Client, bob_assignment: Assignment, alice: User, riverside: Organization
) -> None:
    certificate = pass_assessment(bob_client, bob_assignment)
    public = Client()

    page = public.get(f"/verify/{certificate.pk}").content.decode()
    assert "Valid" in page and riverside.name in page and "bob@" not in page

    TrainingSettings.objects.create(organization=riverside, verify_shows_initials=True)
    certificate.name_as_printed = "Bob Rivera"
    certificate.save()
    assert ">B. R.<" in public.get(f"/verify/{certificate.pk}").content.decode()

    admin = logged_in(alice)
    assert (
        admin.post(f"/training/manage/certificates/{certificate.pk}/", {"reason": ""}).status_code
        == 400
    )
    admin.post(f"/training/manage/certificates/{certificate.pk}/", {"reason": "Issued in error"})

    assert "Revoked" in public.get(f"/verify/{certificate.pk}").content.decode()
    entry = AuditEntry.objects.get(action="training.certificate_revoked")
    assert (entry.actor, entry.organization, entry.detail) == (alice, riverside, "Issued in error")


def test_an_unknown_certificate_is_a_404() -> None:
    assert Client().get("/verify/0123456789abcdef0123456789abcdef").status_code == 404
    assert Client().get("/verify/not-a-real-id!").status_code == 404


def test_a_learner_cannot_revoke_or_open_someone_elses_assignment(
    bob_client: Client, bob_assignment: Assignment, riverside: Organization
) -> None:
    certificate = pass_assessment(bob_client, bob_assignment)
    colleague = User.objects.create_user("eve@riverside.test", "x-long-password-1")
    riverside.memberships.create(user=colleague, role=Role.RESPONDER)
    eve = logged_in(colleague)

    assert eve.get(f"/training/a/{bob_assignment.pk}/").status_code == 404
    assert eve.get(f"/training/certificates/{certificate.pk}.pdf").status_code == 404
    assert (
        bob_client.post(
            f"/training/manage/certificates/{certificate.pk}/", {"reason": "mine"}
        ).status_code
        == 404
    )
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_completions_are_append_only(bob_client: Client, bob_assignment: Assignment) -> None:
    pass_assessment(bob_client, bob_assignment)
    completion = Completion.objects.get()
    original = completion.score_percent

    completion.score_percent = 1
    with pytest.raises(ImmutableError):
        completion.save()
    with pytest.raises(ImmutableError):
        completion.delete()
    with pytest.raises(ImmutableError):
        Completion.objects.filter(pk=completion.pk).update(score_percent=1)
    with pytest.raises(ImmutableError):
        Completion.objects.all().delete()
    assert Completion.objects.get().score_percent == original


def test_learning_in_spanish_uses_the_spanish_version(
    bob_client: Client, bob_assignment: Assignment
) -> None:
    bob_client.post(f"/training/a/{bob_assignment.pk}/", {"language": "es"})

    page = bob_client.get(f"/training/a/{bob_assignment.pk}/").content.decode()
    certificate = pass_assessment(bob_client, bob_assignment)

    assert "Trata de personas" in page
    assert certificate.version_label == "law-enforcement v1 (es)"
    assert (
        bob_client.post(f"/training/a/{bob_assignment.pk}/", {"language": "xx"}).status_code == 302
    )


def test_self_enrolment(bob_client: Client, courses: dict, bob: User) -> None:
    response = bob_client.post("/training/", {"organization": "riverside-pd", "course": "schools"})

    assignment = Assignment.objects.get(user=bob)
    assert response["Location"] == f"/training/a/{assignment.pk}/"
    assert assignment.source == "self"
    assert (
        bob_client.post(
            "/training/", {"organization": "st-brigid", "course": "schools"}
        ).status_code
        == 302
    )
    assert Assignment.objects.count() == 1
