"""Training's entries for the tenancy matrix in cases/tests/test_tenancy.py.

Each staff object URL says whose it is — the learner's (Bob, a responder) or the manager's
(Alice, Riverside's admin) — and how to reach one of Riverside's training objects through
it. Charlie (St. Brigid) must get a 404 for every one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from safepath.accounts.models import Organization, Unit, User
from safepath.training.content import load_all
from safepath.training.models import (
    Assignment,
    AssignmentSource,
    Certificate,
    Course,
    Question,
    Requirement,
    Session,
)
from safepath.training.selectors import latest_version
from safepath.training.services import (
    certificate_issue,
    completion_record,
    course_versions_load,
    requirement_adopt,
    requirements_load_library,
)


@dataclass
class TrainingWorld:
    assignment: Assignment
    certificate: Certificate
    unit: Unit
    requirement: Requirement
    membership_id: int
    session: Session
    question: Question


def training_world(*, organization: Organization, learner: User) -> TrainingWorld:
    course_versions_load(files=load_all())
    course = Course.objects.get(slug="law-enforcement")
    unit = Unit.objects.create(organization=organization, slug="patrol", name="Patrol")
    assignment = Assignment.objects.create(
        organization=organization, user=learner, course=course, source=AssignmentSource.PERSON
    )
    done = Assignment.objects.create(
        organization=organization, user=learner, course=course, source=AssignmentSource.PERSON
    )
    version = latest_version(course=course, language="en")
    assert version is not None
    completion = completion_record(
        assignment=done, version=version, completed_on=version.created_at.date(), score_percent=90
    )
    # The completion closed every open assignment for the course; reopen the first.
    Assignment.objects.filter(pk=assignment.pk).update(completed_at=None)
    requirements_load_library()
    requirement = requirement_adopt(
        organization=organization,
        template=Requirement.objects.get(organization=None, code="ca-pc13519-14-peace-officers"),
        unit=unit,
    )
    session = Session.objects.create(
        organization=organization,
        course=course,
        title="Roll-call session",
        starts_at=version.created_at,
        minutes=60,
        place="Training room",
        capacity=10,
        instructor=learner,
    )
    question = Question.objects.create(
        organization=organization,
        course=course,
        kind="lesson",
        item_id="recognizing-indicators",
        asked_by=learner,
        text="What counts as a sign?",
    )
    return TrainingWorld(
        question=question,
        session=session,
        assignment=assignment,
        certificate=certificate_issue(completion=completion),
        unit=unit,
        requirement=requirement,
        membership_id=learner.memberships.get(organization=organization).pk,
    )


LEARNER = "learner"
MANAGER = "manager"

TRAINING_OBJECT_URLS: dict[str, tuple[str, Callable[[TrainingWorld], str]]] = {
    "training:assignment": (LEARNER, lambda w: f"/training/a/{w.assignment.pk}/"),
    "training:lesson": (
        LEARNER,
        lambda w: f"/training/a/{w.assignment.pk}/lessons/recognizing-indicators/",
    ),
    "training:scenario": (
        LEARNER,
        lambda w: f"/training/a/{w.assignment.pk}/scenarios/traffic-stop/",
    ),
    "training:assessment": (LEARNER, lambda w: f"/training/a/{w.assignment.pk}/assessment/"),
    "training:certificate_pdf": (
        LEARNER,
        lambda w: f"/training/certificates/{w.certificate.pk}.pdf",
    ),
    "training:manage_assignment": (
        MANAGER,
        lambda w: f"/training/manage/assignments/{w.assignment.pk}/",
    ),
    "training:manage_certificate": (
        MANAGER,
        lambda w: f"/training/manage/certificates/{w.certificate.pk}/",
    ),
    "training:requirement": (
        MANAGER,
        lambda w: f"/training/manage/requirements/{w.requirement.pk}/",
    ),
    "training:person": (MANAGER, lambda w: f"/training/manage/people/{w.membership_id}/"),
    "training:compliance": (MANAGER, lambda w: f"/training/manage/units/{w.unit.pk}/"),
    "training:compliance_csv": (
        MANAGER,
        lambda w: f"/training/manage/units/{w.unit.pk}/compliance.csv",
    ),
    "training:compliance_pdf": (
        MANAGER,
        lambda w: f"/training/manage/units/{w.unit.pk}/compliance.pdf",
    ),
    "training:session": (LEARNER, lambda w: f"/training/sessions/{w.session.pk}/"),
    "training:question": (MANAGER, lambda w: f"/training/manage/questions/{w.question.pk}/"),
    "training:transcript": (
        MANAGER,
        lambda w: f"/training/manage/people/{w.membership_id}/transcript/",
    ),
    "training:transcript_pdf": (
        MANAGER,
        lambda w: f"/training/manage/people/{w.membership_id}/transcript.pdf",
    ),
    "training:external_record": (
        MANAGER,
        lambda w: f"/training/manage/people/{w.membership_id}/external/",
    ),
    "training:completion_xapi": (
        MANAGER,
        lambda w: f"/training/manage/completions/{w.certificate.completion_id}/xapi.json",
    ),
}
TRAINING_LIST_URLS = {
    "training:home": "/training/",
    "training:manage": "/training/manage/",
    "training:sites": "/training/manage/sites/",
    "training:requirements": "/training/manage/requirements/",
    "training:local_lesson": "/training/manage/lessons/law-enforcement/local-resources/",
    "training:choose_organization": "/training/manage/organization/",
    "training:organization_compliance": "/training/manage/compliance/",
    "training:organization_compliance_csv": "/training/manage/compliance.csv",
    "training:organization_compliance_pdf": "/training/manage/compliance.pdf",
    "training:people": "/training/manage/people/",
    "training:sessions": "/training/sessions/",
    "training:organization_xapi": "/training/manage/xapi.json",
    "training:learning_record_store": "/training/manage/lrs/",
    "training:questions": "/training/manage/questions/",
}
TRAINING_PUBLIC = {"verify"}
