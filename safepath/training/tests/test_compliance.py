"""Administrators: assigning to people, units and roles; requirements and recertification;
the compliance matrix with its exports; sites; xAPI; reminders over real SMTP."""

from __future__ import annotations

import csv
import io
import json
import socket
from collections.abc import Iterator
from datetime import date, timedelta
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from safepath.accounts.models import Membership, Organization, Role, Unit, User
from safepath.conftest import logged_in
from safepath.placements.models import Placement
from safepath.training import selectors
from safepath.training.models import (
    Assignment,
    AssignmentSource,
    Completion,
    Course,
    ExternalRecord,
    Reminder,
    Requirement,
    Session,
)
from safepath.training.recurrence import Recurrence
from safepath.training.services import (
    certificate_issue,
    completion_record,
    requirement_adopt,
    requirements_sweep,
)

pytestmark = pytest.mark.django_db


def person(
    org: Organization,
    email: str,
    *,
    unit: Unit | None,
    started_days_ago: int,
    role: str = Role.RESPONDER,
) -> User:
    user = User.objects.create_user(email, None, first_name=email.split("@")[0].title())
    membership = Membership.objects.create(user=user, organization=org, role=role)
    if unit:
        membership.units.add(unit)
    Membership.objects.filter(pk=membership.pk).update(
        created_at=timezone.now() - timedelta(days=started_days_ago)
    )
    return user


def complete(
    org: Organization, user: User, course: Course, on: date, requirement: Requirement | None = None
) -> Completion:
    assignment = Assignment.objects.create(
        organization=org,
        user=user,
        course=course,
        requirement=requirement,
        source=AssignmentSource.PERSON,
        due_on=on,
    )
    version = selectors.latest_version(course=course, language="en")
    assert version is not None
    completion = completion_record(
        assignment=assignment, version=version, completed_on=on, score_percent=90
    )
    certificate_issue(completion=completion)
    return completion


@pytest.fixture
def patrol(riverside: Organization) -> Unit:
    return Unit.objects.create(organization=riverside, slug="patrol", name="Patrol")


@pytest.fixture
def biennial(riverside: Organization, patrol: Unit, courses: dict[str, Course]) -> Requirement:
    return Requirement.objects.create(
        organization=riverside,
        code="patrol-biennial",
        title="Patrol biennial",
        course=courses["law-enforcement"],
        recurrence=Recurrence.FROM_COMPLETION,
        interval_months=24,
        initial_days=60,
        due_soon_days=30,
        unit=patrol,
    )


@pytest.fixture
def mixed_unit(
    riverside: Organization, patrol: Unit, biennial: Requirement, courses: dict[str, Course]
) -> dict[str, User]:
    today = timezone.localdate()
    people = {
        "compliant": person(riverside, "kim@riverside.test", unit=patrol, started_days_ago=500),
        "due_soon": person(riverside, "lou@riverside.test", unit=patrol, started_days_ago=900),
        "overdue": person(riverside, "max@riverside.test", unit=patrol, started_days_ago=200),
        "expired": person(riverside, "ned@riverside.test", unit=patrol, started_days_ago=1500),
        "pending": person(riverside, "oli@riverside.test", unit=patrol, started_days_ago=5),
    }
    course = courses["law-enforcement"]
    complete(riverside, people["compliant"], course, today - timedelta(days=30), biennial)
    complete(riverside, people["due_soon"], course, today - timedelta(days=715), biennial)
    complete(riverside, people["expired"], course, today - timedelta(days=800), biennial)
    return people


def test_the_library_holds_real_mandates_with_source_and_verified_date(
    courses: dict[str, Course],
) -> None:
    california = Requirement.objects.get(organization=None, code="ca-sb970-hotel-staff")
    new_york = Requirement.objects.get(organization=None, code="ny-gbl205-lodging-staff")
    florida = Requirement.objects.get(organization=None, code="fl-509096-lodging-staff")
    michigan = Requirement.objects.get(organization=None, code="mi-333-16148-health")

    assert (california.recurrence, california.interval_months) == ("from_completion", 24)
    assert (new_york.recurrence, new_york.initial_days) == ("once", 60)
    assert (florida.recurrence, florida.interval_months) == ("from_completion", 12)
    assert michigan.recurrence == "once" and michigan.course == courses["healthcare"]
    assert michigan.deadline_basis == "licence" and michigan.initial_days == 0
    for mandate in Requirement.objects.filter(organization=None):
        assert mandate.source_url.startswith("https://") and mandate.verified_on
        assert mandate.required_topics, mandate.code
        host = mandate.source_url.split("/")[2]
        assert host.endswith((".gov", ".ca.gov", ".state.tx.us", "nysenate.gov")) or host in {
            "statutes.capitol.texas.gov",
            "www.flsenate.gov",
            "mgaleg.maryland.gov",
            "www.legislature.mi.gov",
            "codes.ohio.gov",
        }, mandate.source_url
    codes = set(Requirement.objects.filter(organization=None).values_list("code", flat=True))
    assert {
        "tx-hb390-lodging-staff",
        "tx-hb2059-health",
        "tx-ed38-0041-school-staff",
        "nj-2c13-12-hotel-staff",
        "ca-civ52-6-transit-staff",
        "fl-464-013-nurses",
        "fl-456-0341-health-licensees",
        "oh-109-745-peace-officers",
    } <= codes
    for code in ("ca-pc13519-14-peace-officers", "tn-38-6-114-officers"):
        mandate = Requirement.objects.get(organization=None, code=code)
        assert mandate.minimum_minutes == 120 and mandate.approval_body


def test_compliance_matrix_shows_each_status(
    alice: User, patrol: Unit, mixed_unit: dict[str, User]
) -> None:
    matrix = selectors.compliance_matrix(unit=patrol, today=timezone.localdate())

    by_email = {row.email: row.cells[0].status.value for row in matrix.rows if row.cells[0]}
    assert by_email == {user.email: status for status, user in mixed_unit.items()}
    page = logged_in(alice).get(f"/training/manage/units/{patrol.pk}/")
    assert page.status_code == 200 and "st-overdue" in page.content.decode()


def test_revoking_a_certificate_takes_its_completion_out_of_compliance(
    alice: User, patrol: Unit, mixed_unit: dict[str, User]
) -> None:
    certificate = Completion.objects.get(user=mixed_unit["compliant"]).certificate
    logged_in(alice).post(f"/training/manage/certificates/{certificate.pk}/", {"reason": "fraud"})

    matrix = selectors.compliance_matrix(unit=patrol, today=timezone.localdate())

    row = next(r for r in matrix.rows if r.email == mixed_unit["compliant"].email)
    assert row.cells[0] is not None and row.cells[0].status.value == "overdue"


def test_csv_and_pdf_exports(alice: User, patrol: Unit, mixed_unit: dict[str, User]) -> None:
    client = logged_in(alice)

    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"/training/manage/units/{patrol.pk}/compliance.csv").content.decode()
            )
        )
    )
    pdf = client.get(f"/training/manage/units/{patrol.pk}/compliance.pdf")

    fields = ["status", "due_on", "completed_on", "hours", "certificate_id", "score"]
    assert rows[0] == ["person", "email", "units", "active"] + [
        f"patrol-biennial:{field}" for field in [*fields, "course_version"]
    ]
    compliant = next(row for row in rows if row[1] == mixed_unit["compliant"].email)
    completion = Completion.objects.get(user=mixed_unit["compliant"])
    assert compliant[6:11] == [
        str(completion.completed_on),
        "",  # no hours were measured for this completion
        completion.certificate.pk,
        "90",
        "law-enforcement v1 (en)",
    ]
    assert {row[4] for row in rows[1:]} == {
        "compliant",
        "due_soon",
        "overdue",
        "expired",
        "pending",
    }
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_recertification_creates_new_assignments_once(
    mixed_unit: dict[str, User], biennial: Requirement
) -> None:
    before = Completion.objects.count()

    created = requirements_sweep()
    again = requirements_sweep()

    new = Assignment.objects.filter(requirement=biennial, completed_at__isnull=True)
    assert created == 4 and again == 0  # due soon, overdue, expired, pending; not compliant
    assert set(new.values_list("user__email", flat=True)) == {
        mixed_unit[k].email for k in ("due_soon", "overdue", "expired", "pending")
    }
    due_soon = new.get(user=mixed_unit["due_soon"])
    first = Completion.objects.get(user=mixed_unit["due_soon"])
    assert due_soon.due_on == first.expires_on  # renews from the previous completion
    assert Completion.objects.count() == before  # history untouched


def test_assign_to_a_unit_and_to_a_role(
    alice: User, riverside: Organization, patrol: Unit, courses: dict[str, Course], bob: User
) -> None:
    person(riverside, "pat@riverside.test", unit=patrol, started_days_ago=1)
    client = logged_in(alice)
    course = courses["schools"]

    client.post(
        "/training/manage/",
        {"course": course.pk, "target": "unit", "unit": patrol.pk, "due_on": "2030-01-01"},
    )
    client.post(
        "/training/manage/", {"course": course.pk, "target": "role", "role": Role.RESPONDER}
    )
    bad = client.post("/training/manage/", {"course": course.pk, "target": "unit"})

    assert bad.status_code == 400
    assigned = dict(Assignment.objects.values_list("user__email", "source"))
    assert assigned == {"pat@riverside.test": "unit", "bob@riverside.test": "role"}


def test_only_admins_assign(bob_client: Client, courses: dict[str, Course], bob: User) -> None:
    response = bob_client.post(
        "/training/manage/",
        {"course": courses["schools"].pk, "target": "role", "role": "responder"},
    )

    assert response.status_code == 404
    assert not Assignment.objects.exists()


def test_sites_show_whether_their_staff_are_trained(
    alice: User, riverside: Organization, bus_station: Placement, mixed_unit: dict[str, User]
) -> None:
    sites = selectors.site_training(user=alice, today=timezone.localdate())

    site = next(s for s in sites if s.placement == bus_station)
    assert site.staff == 6  # alice and the five in patrol: the placement has no unit
    assert site.trained == 2  # compliant and due soon hold unexpired completions
    assert logged_in(alice).get("/training/manage/sites/").status_code == 200


def test_xapi_statements_for_a_completion(alice: User, mixed_unit: dict[str, User]) -> None:
    completion = Completion.objects.get(user=mixed_unit["compliant"])

    statements = json.loads(
        logged_in(alice).get(f"/training/manage/completions/{completion.pk}/xapi.json").content
    )

    assert [s["verb"]["id"] for s in statements] == [
        "http://adlnet.gov/expapi/verbs/completed",
        "http://adlnet.gov/expapi/verbs/passed",
    ]
    statement = statements[0]
    assert set(statement["actor"]["account"]) == {"homePage", "name"}
    assert mixed_unit["compliant"].email not in json.dumps(statements)
    assert statement["object"]["id"].endswith("/training/courses/law-enforcement/en/v1")
    assert statement["result"]["score"]["scaled"] == 0.9
    assert statement["timestamp"].startswith(completion.completed_on.isoformat())


def test_adopting_a_mandate_copies_it_for_a_unit(
    riverside: Organization, patrol: Unit, courses: dict[str, Course]
) -> None:
    template = Requirement.objects.get(organization=None, code="ca-pc13519-14-peace-officers")

    adopted = requirement_adopt(organization=riverside, template=template, unit=patrol)

    assert adopted.pk != template.pk and adopted.unit == patrol
    assert adopted.source_url == template.source_url and adopted.recurrence == "once"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.TRAINING_SWEEP_SECONDS = 0
    try:
        yield inbox
    finally:
        controller.stop()


def test_worker_sends_due_and_expiry_reminders_once(
    smtp: Inbox, mixed_unit: dict[str, User]
) -> None:
    call_command("worker", "--once")
    call_command("worker", "--once")

    recipients = sorted((m["To"], m["Subject"]) for m in smtp.messages)
    due_soon = [to for to, subject in recipients if "due on" in subject]
    expired = [to for to, subject in recipients if "expired" in subject]
    # Assignments in their window: due soon, overdue, expired (pending is 55 days away).
    assert sorted(due_soon) == sorted(
        mixed_unit[k].email for k in ("due_soon", "overdue", "expired")
    )
    assert expired == [mixed_unit["expired"].email]
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0
    assert len(smtp.messages) == Reminder.objects.count() == 4


def test_seed_demo_enrolls_learners_and_leaves_a_certificate_and_a_mixed_unit() -> None:
    from safepath.core.demo import seed_demo

    first = seed_demo()
    second = seed_demo()

    assert first["certificates"] == second["certificates"]
    [listed] = second["certificates"]
    assert listed["verify_url"].endswith(f"/verify/{listed['id']}")
    assert Client().get(f"/verify/{listed['id']}").status_code == 200
    patrol = Unit.objects.get(slug="patrol", organization__slug="riverside-pd")
    matrix = selectors.compliance_matrix(unit=patrol, today=timezone.localdate())
    statuses = {cell.status.value for row in matrix.rows for cell in row.cells if cell}
    assert {"compliant", "due_soon", "overdue"} <= statuses
    assert Assignment.objects.filter(user__email="bob@riverside.example").count() == 1
    assert Completion.objects.count() == 4  # three patrol learners and one who has left
    leaver = User.objects.get(email="taylor.brooks@riverside.example")
    assert not leaver.is_active and Completion.objects.filter(user=leaver).count() == 1
    assert Session.objects.get().seats.count() == 2
    assert ExternalRecord.objects.count() == 1
