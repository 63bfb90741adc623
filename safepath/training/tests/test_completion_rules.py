"""Completion that means something: lessons opened in order and read for long enough (time
measured on the server), scenarios finished and a requirement's minimum minutes before the
assessment; credit minutes on the completion; mandates the course cannot satisfy never show
compliant; a valid completion satisfies a new assignment; an administrator of two
organizations chooses which one to manage; the certificate's verification URL fits its
border; compliance headers count people."""

from __future__ import annotations

from datetime import timedelta

import pypdfium2
import pytest
from django.test import Client, override_settings
from django.utils import timezone

from safepath.accounts.models import Membership, Organization, Role, Unit, User
from safepath.conftest import logged_in
from safepath.training import selectors
from safepath.training.models import (
    Assignment,
    AssignmentSource,
    Attempt,
    Certificate,
    Completion,
    Course,
    LessonProgress,
    Requirement,
)
from safepath.training.services import (
    certificate_issue,
    completion_record,
    requirement_adopt,
)
from safepath.training.tests.conftest import correct_answers, let_time_pass, study

pytestmark = pytest.mark.django_db


def lessons_of(assignment: Assignment) -> list[dict]:
    return selectors.version_for(assignment=assignment).data["lessons"]


def test_an_officer_cannot_get_a_certificate_seconds_after_enrolling(
    bob_client: Client, courses: dict[str, Course], bob: User
) -> None:
    bob_client.post("/training/", {"organization": "riverside-pd", "course": "law-enforcement"})
    assignment = Assignment.objects.get(user=bob)
    base = f"/training/a/{assignment.pk}"

    started = bob_client.post(f"{base}/assessment/", {"action": "start"}, follow=True)

    assert not Attempt.objects.exists()
    assert "Read every lesson, in order, first." in started.content.decode()
    assert not Certificate.objects.exists()


def test_lessons_open_in_order_and_need_time_measured_on_the_server(
    bob_client: Client, bob_assignment: Assignment
) -> None:
    first, second, third = (lesson["id"] for lesson in lessons_of(bob_assignment)[:3])
    base = f"/training/a/{bob_assignment.pk}/lessons"

    skipped = bob_client.get(f"{base}/{third}/")
    assert skipped.status_code == 302 and skipped["Location"] == f"{base}/{first}/"
    assert bob_client.post(f"{base}/{second}/").status_code == 302  # never opened: refused
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()

    assert bob_client.get(f"{base}/{first}/").status_code == 200
    too_soon = bob_client.post(f"{base}/{first}/", follow=True)
    assert "Please take the time to read this lesson" in too_soon.content.decode()
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()

    let_time_pass(bob_assignment, minutes=7)
    assert bob_client.post(f"{base}/{first}/")["Location"] == f"{base}/{second}/"
    progress = LessonProgress.objects.get(lesson_id=first)
    assert 7 * 60 <= progress.seconds < 8 * 60  # measured by the server, not claimed


def test_scenarios_must_be_finished_before_the_assessment(
    bob_client: Client, bob_assignment: Assignment
) -> None:
    base = f"/training/a/{bob_assignment.pk}/lessons"
    for lesson in lessons_of(bob_assignment):
        bob_client.get(f"{base}/{lesson['id']}/")
        let_time_pass(bob_assignment)
        bob_client.post(f"{base}/{lesson['id']}/")

    page = bob_client.post(
        f"/training/a/{bob_assignment.pk}/assessment/", {"action": "start"}, follow=True
    )

    assert "Finish every role-play scenario first." in page.content.decode()
    assert not Attempt.objects.exists()


def test_a_completion_records_minutes_spent_and_credit(
    bob_client: Client, bob_assignment: Assignment
) -> None:
    study(bob_client, bob_assignment, minutes=10)  # 8 lessons and 3 scenarios, 10 min each
    url = f"/training/a/{bob_assignment.pk}/assessment/"
    bob_client.post(url, {"action": "start"})
    attempt = Attempt.objects.get()

    bob_client.post(url, correct_answers(attempt))

    completion = Completion.objects.get()
    assert completion.minutes_spent is not None and 110 <= completion.minutes_spent <= 111
    assert completion.credit_minutes == 90  # at most the course's length


@pytest.fixture
def hotel_rule(riverside: Organization, courses: dict[str, Course]) -> Requirement:
    """A requirement with a minimum the hospitality course (40 minutes) can meet."""
    requirement: Requirement = Requirement.objects.create(
        organization=riverside,
        code="front-desk-30",
        title="Front desk, 30 minutes",
        course=courses["hospitality-transport"],
        minimum_minutes=30,
    )
    return requirement


def test_a_requirements_minimum_minutes_holds_the_assessment_back(
    bob_client: Client,
    bob: User,
    riverside: Organization,
    hotel_rule: Requirement,
    courses: dict[str, Course],
) -> None:
    assignment = Assignment.objects.create(
        organization=riverside,
        user=bob,
        course=courses["hospitality-transport"],
        requirement=hotel_rule,
        source=AssignmentSource.REQUIREMENT,
    )
    study(bob_client, assignment, minutes=3)  # 5 lessons + 3 scenarios at 3 minutes: 24

    page = bob_client.post(
        f"/training/a/{assignment.pk}/assessment/", {"action": "start"}, follow=True
    )

    assert "at least 30 minutes of training; you have spent 24" in page.content.decode()
    assert not Attempt.objects.exists()


def test_a_short_completion_does_not_count_for_a_requirement_with_minimum_minutes(
    riverside: Organization, bob: User, hotel_rule: Requirement, courses: dict[str, Course]
) -> None:
    hotel = courses["hospitality-transport"]
    Membership.objects.filter(user=bob).update(created_at=timezone.now() - timedelta(days=900))
    assignment = Assignment.objects.create(
        organization=riverside, user=bob, course=hotel, source=AssignmentSource.SELF
    )
    version = selectors.latest_version(course=hotel, language="en")
    assert version is not None
    completion_record(
        assignment=assignment,
        version=version,
        completed_on=timezone.localdate(),
        score_percent=100,
        minutes_spent=12,
        credit_minutes=12,
    )

    [person] = selectors.requirement_standings(requirement=hotel_rule, today=timezone.localdate())

    assert person.standing.status.value == "overdue"


@pytest.mark.parametrize("code", ["ca-pc13519-14-peace-officers", "tn-38-6-114-officers"])
def test_a_mandate_the_course_cannot_satisfy_is_never_compliant(
    code: str, riverside: Organization, bob: User, alice: User, courses: dict[str, Course]
) -> None:
    patrol = Unit.objects.create(organization=riverside, slug="patrol", name="Patrol")
    Membership.objects.get(user=bob).units.add(patrol)
    requirement = requirement_adopt(
        organization=riverside,
        template=Requirement.objects.get(organization=None, code=code),
        unit=patrol,
    )
    assignment = Assignment.objects.create(
        organization=riverside,
        user=bob,
        course=courses["law-enforcement"],
        requirement=requirement,
        source=AssignmentSource.REQUIREMENT,
    )
    version = selectors.latest_version(course=courses["law-enforcement"], language="en")
    assert version is not None
    certificate_issue(
        completion=completion_record(
            assignment=assignment,
            version=version,
            completed_on=timezone.localdate(),
            score_percent=100,
            minutes_spent=95,
            credit_minutes=90,
        )
    )

    matrix = selectors.compliance_matrix(unit=patrol, today=timezone.localdate())
    page = logged_in(bob).get(f"/training/a/{assignment.pk}/").content.decode()

    assert matrix.rows[0].cells[0] is not None
    assert matrix.rows[0].cells[0].status.value != "compliant"
    assert requirement.minimum_minutes == 120 and requirement.approval_body
    assert 'id="cannot-satisfy"' in page


def test_a_valid_completion_satisfies_a_new_unit_assignment(
    alice: User, bob: User, riverside: Organization, courses: dict[str, Course]
) -> None:
    patrol = Unit.objects.create(organization=riverside, slug="patrol", name="Patrol")
    Membership.objects.get(user=bob).units.add(patrol)
    done = Assignment.objects.create(
        organization=riverside,
        user=bob,
        course=courses["law-enforcement"],
        source=AssignmentSource.SELF,
    )
    version = selectors.latest_version(course=courses["law-enforcement"], language="en")
    assert version is not None
    certificate_issue(
        completion=completion_record(
            assignment=done, version=version, completed_on=timezone.localdate(), score_percent=90
        )
    )

    logged_in(alice).post(
        "/training/manage/",
        {"course": courses["law-enforcement"].pk, "target": "unit", "unit": patrol.pk},
    )

    assert not Assignment.objects.filter(user=bob, completed_at__isnull=True).exists()


def test_a_revoked_completion_does_not_satisfy_a_new_assignment(
    alice: User, bob: User, riverside: Organization, courses: dict[str, Course]
) -> None:
    done = Assignment.objects.create(
        organization=riverside,
        user=bob,
        course=courses["law-enforcement"],
        source=AssignmentSource.SELF,
    )
    version = selectors.latest_version(course=courses["law-enforcement"], language="en")
    assert version is not None
    certificate = certificate_issue(
        completion=completion_record(
            assignment=done, version=version, completed_on=timezone.localdate(), score_percent=90
        )
    )
    Certificate.objects.filter(pk=certificate.pk).update(revoked_at=timezone.now())
    membership = Membership.objects.get(user=bob)

    logged_in(alice).post(
        "/training/manage/",
        {"course": courses["law-enforcement"].pk, "target": "person", "person": membership.pk},
    )

    assert Assignment.objects.filter(user=bob, completed_at__isnull=True).count() == 1


def test_an_administrator_of_two_organizations_chooses_which_to_manage(
    alice: User, st_brigid: Organization, courses: dict[str, Course]
) -> None:
    Membership.objects.create(user=alice, organization=st_brigid, role=Role.ADMIN)
    client = logged_in(alice)
    assert "Riverside Police Department" in client.get("/training/manage/").content.decode()

    client.post("/training/manage/organization/", {"organization": "st-brigid"})
    page = client.get("/training/manage/").content.decode()
    requirements = client.get("/training/manage/requirements/").content.decode()

    assert "· St. Brigid Hospital</span>" in page
    assert "St. Brigid Hospital" in requirements
    stranger = client.post("/training/manage/organization/", {"organization": "nowhere"})
    assert stranger.status_code == 302
    assert "· St. Brigid Hospital</span>" in client.get("/training/manage/").content.decode()


@override_settings(BASE_URL="https://training.example-police-department.state.gov.example")
def test_the_verification_url_fits_inside_the_certificates_border(
    bob: User, riverside: Organization, courses: dict[str, Course]
) -> None:
    done = Assignment.objects.create(
        organization=riverside, user=bob, course=courses["schools"], source=AssignmentSource.SELF
    )
    version = selectors.latest_version(course=courses["schools"], language="en")
    assert version is not None
    certificate = certificate_issue(
        completion=completion_record(
            assignment=done, version=version, completed_on=timezone.localdate(), score_percent=90
        )
    )

    page = pypdfium2.PdfDocument(bytes(certificate.pdf))[0]
    width_pt = page.get_width()
    text = page.get_textpage()
    border_right = width_pt - 10 * 72 / 25.4  # the border is drawn 10 mm from the edge
    all_text = text.get_text_range()
    start = all_text.index("https://training.example")
    boxes = [text.get_charbox(i) for i in range(start, start + 40 + len(certificate.pk))]

    assert "".join(all_text[start:].split())[: 8 + len(certificate.pk)]
    assert max(box[2] for box in boxes) < border_right
    assert min(box[0] for box in boxes) > 10 * 72 / 25.4


def test_compliance_counts_people_not_cells(
    alice: User, riverside: Organization, courses: dict[str, Course]
) -> None:
    patrol = Unit.objects.create(organization=riverside, slug="patrol", name="Patrol")
    for code in ("first-rule", "second-rule"):
        Requirement.objects.create(
            organization=riverside, code=code, title=code, course=courses["schools"]
        )
    for email in ("kim@riverside.test", "lou@riverside.test"):
        user = User.objects.create_user(email, None)
        Membership.objects.create(user=user, organization=riverside).units.add(patrol)

    matrix = selectors.compliance_matrix(unit=patrol, today=timezone.localdate())

    assert sum(matrix.counts.values()) == 2 == matrix.total_people


def test_the_organization_wide_view_shows_members_without_a_unit(
    alice: User, bob: User, riverside: Organization, courses: dict[str, Course]
) -> None:
    Requirement.objects.create(
        organization=riverside, code="everyone", title="Everyone", course=courses["schools"]
    )
    client = logged_in(alice)

    page = client.get("/training/manage/compliance/").content.decode()
    csv_export = client.get("/training/manage/compliance.csv").content.decode()

    assert "bob@riverside.test" in page and "no unit" in page
    assert "bob@riverside.test" in csv_export


def test_the_rules_speak_the_learners_language(
    bob_client: Client, bob_assignment: Assignment
) -> None:
    bob_client.post(f"/training/a/{bob_assignment.pk}/", {"language": "es"})

    page = bob_client.post(
        f"/training/a/{bob_assignment.pk}/assessment/", {"action": "start"}, follow=True
    ).content.decode()

    assert "Primero lea todas las lecciones, en orden." in page
    assert "Read every lesson" not in page


@pytest.mark.parametrize(
    "code", ["tx-ed38-0041-school-staff", "tx-19tac61-1051-existing-school-staff"]
)
def test_a_school_mandate_whose_topics_the_course_does_not_teach_is_never_compliant(
    code: str, riverside: Organization, bob: User, courses: dict[str, Course]
) -> None:
    school = Unit.objects.create(organization=riverside, slug="school", name="School")
    Membership.objects.get(user=bob).units.add(school)
    template = Requirement.objects.get(organization=None, code=code)
    mandate = requirement_adopt(organization=riverside, template=template, unit=school)
    # Same course, only the topics it teaches: the control that shows the rule is the topics.
    taught = requirement_adopt(
        organization=riverside, template=template, unit=school, code=f"{code}-taught"
    )
    taught.topics = ["indicators", "reporting", "disabilities"]
    taught.save()
    version = selectors.latest_version(course=courses["schools"], language="en")
    assert version is not None
    for requirement in (mandate, taught):
        assignment = Assignment.objects.create(
            organization=riverside,
            user=bob,
            course=courses["schools"],
            requirement=requirement,
            source=AssignmentSource.REQUIREMENT,
        )
        certificate_issue(
            completion=completion_record(
                assignment=assignment,
                version=version,
                completed_on=timezone.localdate(),
                score_percent=100,
                minutes_spent=60,
                credit_minutes=60,
            )
        )

    matrix = selectors.compliance_matrix(unit=school, today=timezone.localdate())
    status = {
        requirement.code: cell.status.value if cell else None
        for requirement, cell in zip(matrix.requirements, matrix.rows[0].cells, strict=True)
    }
    first = Assignment.objects.get(user=bob, requirement=mandate)
    page = logged_in(bob).get(f"/training/a/{first.pk}/").content.decode()

    assert status[f"{code}-taught"] == "compliant"
    assert status[code] != "compliant"
    assert not template.approval_body and template.source_url and template.required_topics
    assert 'id="cannot-satisfy"' in page and "risk-reduction, sexual-abuse" in page
