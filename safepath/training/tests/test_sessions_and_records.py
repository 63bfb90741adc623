"""Instructor-led sessions (capacity, who takes attendance, attendance completing a
requirement with its hours), external training records with a validated certificate
upload, and transcripts that keep people who have left."""

from __future__ import annotations

import io
from datetime import timedelta

import pypdfium2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from safepath.accounts.models import Membership, Organization, Role, Unit, User
from safepath.conftest import logged_in
from safepath.core.models import AuditEntry
from safepath.training import selectors
from safepath.training.models import (
    Completion,
    Course,
    ExternalRecord,
    Requirement,
    Session,
    SessionSeat,
)
from safepath.training.services import requirement_adopt

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def member(org: Organization, email: str, role: str = Role.RESPONDER) -> User:
    user = User.objects.create_user(email, None, first_name=email.split("@")[0].title())
    Membership.objects.create(user=user, organization=org, role=role)
    return user


@pytest.fixture
def session(riverside: Organization, alice: User, courses: dict[str, Course]) -> Session:
    sergeant = member(riverside, "sarge@riverside.test", Role.SUPERVISOR)
    response = logged_in(alice).post(
        "/training/sessions/",
        {
            "course": courses["law-enforcement"].pk,
            "title": "Roll-call training",
            "starts_at": (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT09:00"),
            "minutes": "120",
            "place": "Room B",
            "capacity": "2",
            "instructor": Membership.objects.get(user=sergeant).pk,
        },
    )
    assert response.status_code == 302
    return Session.objects.get()


def test_members_sign_up_until_the_session_is_full(
    session: Session, bob: User, riverside: Organization
) -> None:
    carl, dee = member(riverside, "carl@riverside.test"), member(riverside, "dee@riverside.test")
    url = f"/training/sessions/{session.pk}/"

    for user in (bob, carl):
        assert logged_in(user).post(url, {"action": "signup"}).status_code == 302
    full = logged_in(dee).post(url, {"action": "signup"})

    assert full.status_code == 400 and "This session is full." in full.content.decode()
    assert session.seats.count() == 2
    assert AuditEntry.objects.filter(action="training.session_created").count() == 1


def test_only_the_instructor_or_an_administrator_takes_attendance(
    session: Session, bob: User, riverside: Organization
) -> None:
    carl = member(riverside, "carl@riverside.test")
    SessionSeat.objects.create(session=session, user=bob)
    url = f"/training/sessions/{session.pk}/"

    refused = logged_in(carl).post(url, {"action": "attendance", "present": [bob.pk]})

    assert refused.status_code == 404
    assert not Completion.objects.exists()


def test_attendance_completes_the_requirement_with_the_sessions_hours(
    session: Session, bob: User, riverside: Organization, courses: dict[str, Course]
) -> None:
    patrol = Unit.objects.create(organization=riverside, slug="patrol", name="Patrol")
    Membership.objects.get(user=bob).units.add(patrol)
    Membership.objects.filter(user=bob).update(created_at=timezone.now() - timedelta(days=400))
    policy = Requirement.objects.create(
        organization=riverside,
        code="patrol-policy",
        title="Patrol policy",
        course=courses["law-enforcement"],
        minimum_minutes=100,
        unit=patrol,
    )
    SessionSeat.objects.create(session=session, user=bob)
    before = selectors.requirement_standings(requirement=policy, today=timezone.localdate())
    sergeant = User.objects.get(email="sarge@riverside.test")

    logged_in(sergeant).post(
        f"/training/sessions/{session.pk}/", {"action": "attendance", "present": [bob.pk]}
    )
    again = logged_in(sergeant).post(
        f"/training/sessions/{session.pk}/", {"action": "attendance", "present": []}
    )

    after = selectors.requirement_standings(requirement=policy, today=timezone.localdate())
    completion = Completion.objects.get(user=bob)
    assert [p.standing.status.value for p in before] == ["overdue"]
    assert [p.standing.status.value for p in after] == ["compliant"]
    assert (completion.source, completion.credit_minutes) == ("session", 120)
    assert completion.certificate.pk
    assert again.status_code == 302 and SessionSeat.objects.get(user=bob).attended is True
    assert Completion.objects.count() == 1  # presence is final, recorded once


def test_an_unapproved_session_does_not_satisfy_a_post_mandate(
    session: Session, bob: User, riverside: Organization
) -> None:
    requirement = requirement_adopt(
        organization=riverside,
        template=Requirement.objects.get(organization=None, code="ca-pc13519-14-peace-officers"),
    )
    SessionSeat.objects.create(session=session, user=bob)
    sergeant = User.objects.get(email="sarge@riverside.test")
    logged_in(sergeant).post(
        f"/training/sessions/{session.pk}/", {"action": "attendance", "present": [bob.pk]}
    )

    standings = selectors.requirement_standings(requirement=requirement, today=timezone.localdate())
    bobs = next(p for p in standings if p.user_id == bob.pk)

    assert bobs.standing.status.value != "compliant"


def test_an_external_post_course_with_its_certificate_satisfies_the_mandate(
    alice: User, bob: User, riverside: Organization, courses: dict[str, Course]
) -> None:
    requirement = requirement_adopt(
        organization=riverside,
        template=Requirement.objects.get(organization=None, code="ca-pc13519-14-peace-officers"),
    )
    membership = Membership.objects.get(user=bob)
    url = f"/training/manage/people/{membership.pk}/external/"
    fields = {
        "title": "Human trafficking for patrol (POST)",
        "provider": "Regional academy",
        "completed_on": str(timezone.localdate() - timedelta(days=10)),
        "minutes": "120",
        "requirement": requirement.pk,
        "approval": "California POST",
    }
    client = logged_in(alice)

    disguised = client.post(
        url, {**fields, "certificate": SimpleUploadedFile("cert.pdf", b"MZ\x90\x00not a pdf")}
    )
    future = client.post(
        url,
        {
            **fields,
            "completed_on": str(timezone.localdate() + timedelta(days=3)),
            "certificate": SimpleUploadedFile("cert.pdf", PDF),
        },
    )
    assert disguised.status_code == future.status_code == 400
    assert "PDF, PNG or JPEG" in disguised.content.decode()
    assert not ExternalRecord.objects.exists()

    done = client.post(url, {**fields, "certificate": SimpleUploadedFile("cert.pdf", PDF)})

    record = ExternalRecord.objects.get()
    standings = selectors.requirement_standings(requirement=requirement, today=timezone.localdate())
    assert done.status_code == 302
    assert record.certificate_type == "application/pdf" and bytes(record.certificate) == PDF
    assert next(p for p in standings if p.user_id == bob.pk).standing.status.value == "compliant"
    entry = AuditEntry.objects.get(action="training.external_recorded")
    assert entry.actor == alice and "Regional academy" in entry.detail


def test_a_transcript_keeps_someone_who_has_left(
    session: Session, bob: User, riverside: Organization, courses: dict[str, Course]
) -> None:
    SessionSeat.objects.create(session=session, user=bob)
    sergeant = User.objects.get(email="sarge@riverside.test")
    logged_in(sergeant).post(
        f"/training/sessions/{session.pk}/", {"action": "attendance", "present": [bob.pk]}
    )
    User.objects.filter(pk=bob.pk).update(is_active=False)
    auditor = member(riverside, "audit@riverside.test", Role.AUDITOR)
    membership = Membership.objects.get(user=bob)
    client = logged_in(auditor)

    people = client.get("/training/manage/people/").content.decode()
    page = client.get(f"/training/manage/people/{membership.pk}/transcript/").content.decode()
    pdf = client.get(f"/training/manage/people/{membership.pk}/transcript.pdf")
    export = client.get("/training/manage/compliance.csv").content.decode()

    certificate = Completion.objects.get(user=bob).certificate
    assert "bob@riverside.test" in people and "left" in people
    assert "Roll-call training" in page and certificate.pk in page and 'id="left"' in page
    text = pypdfium2.PdfDocument(io.BytesIO(pdf.content))[0].get_textpage().get_text_range()
    assert "left the organization" in " ".join(text.split())
    assert "bob@riverside.test,,left" in export
