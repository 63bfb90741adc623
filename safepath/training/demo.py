"""Training demo data for ``seed_demo``: courses loaded, demo learners enrolled, a patrol unit
with a mix of compliant, due-soon, overdue and expired people, and one certificate to verify.

Idempotent: people, requirements and assignments are matched by natural keys, and a
backdated completion is only recorded once (completions are append-only anyway).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from safepath.accounts.models import Membership, Organization, Role, Unit, User
from safepath.training import selectors
from safepath.training.content import load_all
from safepath.training.models import (
    Assignment,
    AssignmentSource,
    Certificate,
    Completion,
    Course,
    ExternalRecord,
    Question,
    Requirement,
    Session,
    SessionSeat,
)
from safepath.training.recurrence import Recurrence
from safepath.training.services import (
    certificate_issue,
    completion_record,
    course_versions_load,
    requirement_adopt,
    requirements_load_library,
    standings_refresh_person,
)


@dataclass(frozen=True)
class DemoLearner:
    email: str
    first_name: str
    last_name: str
    started_days_ago: int
    completed_days_ago: int | None  # None: has not trained


# Against Riverside's every-two-years patrol policy (30-day window): compliant, due soon,
# overdue (never trained, started long ago), expired, and a newcomer still in time.
PATROL = (
    DemoLearner("jordan.lee@riverside.example", "Jordan", "Lee", 900, 40),
    DemoLearner("sam.ortiz@riverside.example", "Sam", "Ortiz", 1200, 715),
    DemoLearner("riley.chen@riverside.example", "Riley", "Chen", 400, None),
    DemoLearner("casey.ng@riverside.example", "Casey", "Ng", 1500, 800),
    DemoLearner("morgan.diaz@riverside.example", "Morgan", "Díaz", 10, None),
)


def _learner(organization: Organization, unit: Unit, spec: DemoLearner) -> Membership:
    user = User.objects.filter(email=spec.email).first()
    if user is None:
        user = User.objects.create_user(spec.email, None)  # no password: cannot sign in
    user.first_name, user.last_name = spec.first_name, spec.last_name
    user.save()
    membership, _ = Membership.objects.get_or_create(
        user=user, organization=organization, defaults={"role": Role.RESPONDER}
    )
    membership.units.add(unit)
    started = timezone.now() - timedelta(days=spec.started_days_ago)
    # First due dates count from the hire date; the newest member has none recorded yet,
    # so the date they joined SafePath stands in (and shows how the fallback looks).
    hired_on = None if spec is PATROL[-1] else started.date()
    Membership.objects.filter(pk=membership.pk).update(created_at=started, hired_on=hired_on)
    return membership


def _complete(
    requirement: Requirement, membership: Membership, completed_on: date
) -> Certificate | None:
    course = requirement.course
    assert course is not None  # demo requirements name their course
    existing = Completion.objects.filter(user=membership.user, course=course).first()
    if existing is not None:
        return Certificate.objects.filter(completion=existing).first()
    assignment = Assignment.objects.create(
        organization=membership.organization,
        user=membership.user,
        course=course,
        requirement=requirement,
        source=AssignmentSource.REQUIREMENT,
        due_on=completed_on + timedelta(days=14),
    )
    version = selectors.latest_version(course=course, language="en")
    assert version is not None
    completion = completion_record(
        assignment=assignment, version=version, completed_on=completed_on, score_percent=90
    )
    return certificate_issue(completion=completion)


def _assign(organization: Organization, email: str, slug: str, due_in_days: int) -> None:
    user = User.objects.get(email=email)
    course = Course.objects.get(slug=slug)
    if not Assignment.objects.filter(user=user, course=course, organization=organization).exists():
        Assignment.objects.create(
            organization=organization,
            user=user,
            course=course,
            source=AssignmentSource.PERSON,
            due_on=timezone.localdate() + timedelta(days=due_in_days),
            valid_months=24,
        )


# Someone who left Riverside: their account is deactivated, their record stays for audits.
LEAVER = DemoLearner("taylor.brooks@riverside.example", "Taylor", "Brooks", 1000, 300)


def _seed_records(riverside: Organization, patrol: Unit, policy: Requirement) -> None:
    """A session with seats (attendance still to take), a person who has left with a
    completion, and an external POST course recorded for the state mandate."""
    erin = User.objects.get(email="erin@riverside.example")
    course = Course.objects.get(slug="law-enforcement")
    session = Session.objects.filter(organization=riverside, title=ROLL_CALL).first()
    if session is None:
        starts = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
        session = Session.objects.create(
            organization=riverside,
            course=course,
            title=ROLL_CALL,
            starts_at=starts,
            minutes=90,
            place="Riverside PD, training room B",
            capacity=20,
            instructor=erin,
        )
    for email in ("riley.chen@riverside.example", "morgan.diaz@riverside.example"):
        user = User.objects.get(email=email)
        SessionSeat.objects.get_or_create(session=session, user=user)
    bob = User.objects.filter(email="bob@riverside.example").first()
    alice = User.objects.filter(email="alice@riverside.example").first()
    if bob is not None and alice is not None and not Question.objects.filter(asked_by=bob).exists():
        Question.objects.create(
            organization=riverside,
            course=course,
            kind="lesson",
            item_id="recognizing-indicators",
            asked_by=bob,
            anonymous=True,
            text="Is one of these signs enough to extend a traffic stop?",
            answer="No. One sign is not proof. Extending a stop needs reasonable suspicion "
            "of a crime: write down the specific signs you saw, and when.",
            answered_by=alice,
            answered_at=timezone.now(),
            shared=True,
        )
        Question.objects.create(
            organization=riverside,
            course=course,
            kind="scenario",
            item_id="traffic-stop",
            asked_by=bob,
            text="Who in our agency signs the T visa declaration?",
        )
    leaver = _learner(riverside, patrol, LEAVER)
    _complete(policy, leaver, timezone.localdate() - timedelta(days=LEAVER.completed_days_ago or 0))
    User.objects.filter(pk=leaver.user_id).update(is_active=False)
    jordan = User.objects.get(email=PATROL[0].email)
    state = Requirement.objects.filter(
        organization=riverside, code__startswith="ca-pc13519-14-peace-officers"
    ).first()
    if state is not None and not ExternalRecord.objects.filter(user=jordan).exists():
        content = _demo_certificate_pdf()
        ExternalRecord.objects.create(
            organization=riverside,
            user=jordan,
            title="Human trafficking for patrol officers (2 hours)",
            provider="Regional training center",
            completed_on=timezone.localdate() - timedelta(days=200),
            minutes=120,
            requirement=state,
            approval="California POST (demo)",
            certificate_name="post-certificate.pdf",
            certificate_type="application/pdf",
            certificate=content,
            certificate_sha256=hashlib.sha256(content).hexdigest(),
        )
        standings_refresh_person(user_id=jordan.pk)


ROLL_CALL = "Trafficking on patrol: roll-call session"


def _demo_certificate_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(0, 10, "Demo certificate: 2 hours, California POST (demo)")
    return bytes(pdf.output())


@transaction.atomic
def seed_training() -> list[dict[str, Any]]:
    """Load the courses and the demo training data; return the certificates to list."""
    course_versions_load(files=load_all())
    requirements_load_library()
    today = timezone.localdate()
    riverside = Organization.objects.get(slug="riverside-pd")
    patrol, _ = Unit.objects.update_or_create(
        organization=riverside, slug="patrol", defaults={"name": "Patrol division"}
    )
    policy, _ = Requirement.objects.update_or_create(
        organization=riverside,
        code="riverside-patrol-biennial",
        defaults={
            "title": "Patrol: trafficking recognition every two years",
            "jurisdiction": "Riverside PD policy",
            "audience": "Patrol division",
            "course": Course.objects.get(slug="law-enforcement"),
            "recurrence": Recurrence.FROM_COMPLETION,
            "interval_months": 24,
            "initial_days": 60,
            "due_soon_days": 30,
            "grace_days": 0,
            "unit": patrol,
            "notes": "Demo: an agency's own policy, stricter than the one-time state rule.",
        },
    )
    requirement_adopt(
        organization=riverside,
        template=Requirement.objects.get(organization=None, code="ca-pc13519-14-peace-officers"),
        unit=patrol,
    )
    shown: Certificate | None = None
    for spec in PATROL:
        membership = _learner(riverside, patrol, spec)
        if spec.completed_days_ago is not None:
            certificate = _complete(
                policy, membership, today - timedelta(days=spec.completed_days_ago)
            )
            if spec is PATROL[0]:
                shown = certificate
    # Demo logins with something to do: Bob takes the law-enforcement course (the browser
    # test does, in Spanish); Dana the healthcare one under Michigan's one-time rule.
    _assign(riverside, "bob@riverside.example", "law-enforcement", 30)
    st_brigid = Organization.objects.get(slug="st-brigid-hospital")
    requirement_adopt(
        organization=st_brigid,
        template=Requirement.objects.get(organization=None, code="mi-333-16148-health"),
    )
    _assign(st_brigid, "dana@stbrigid.example", "healthcare", 45)
    _seed_records(riverside, patrol, policy)
    if shown is None:
        return []
    return [{"id": shown.pk, "verify_url": f"{settings.BASE_URL}/verify/{shown.pk}"}]


def seed_training_demo(summary: dict[str, list[dict[str, Any]]]) -> None:
    """Registered with core.demo: courses, demo training data and certificates to list."""
    summary["certificates"] = seed_training()
