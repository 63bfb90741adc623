"""The compliance view reads stored standings (person x requirement) and counts in SQL; it
must show exactly what the reference computation from everyone's whole history shows, on
every day of the calendar, and the stored rows must stay right under concurrent writes."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from safepath.accounts.models import Membership, Organization, Role, Unit, User
from safepath.training import selectors
from safepath.training.models import (
    Assignment,
    AssignmentSource,
    Completion,
    Course,
    LessonProgress,
    LicenceRenewal,
    Requirement,
    RequirementStanding,
)
from safepath.training.recurrence import Recurrence, Status, expiry_after
from safepath.training.services import (
    certificate_issue,
    certificate_revoke,
    completion_record,
    external_record_create,
    requirement_update,
    session_attendance,
    session_create,
    session_sign_up,
    standings_rebuild,
)

PDF = b"%PDF-1.4 test certificate"


def _person(
    org: Organization,
    email: str,
    *,
    units: list[Unit] = (),  # type: ignore[assignment]
    started_days_ago: int = 400,
    role: str = Role.RESPONDER,
    last_name: str = "",
    hired_on: date | None = None,
) -> User:
    user = User.objects.create_user(
        email, None, first_name=email.split("@")[0].title(), last_name=last_name
    )
    membership = Membership.objects.create(user=user, organization=org, role=role)
    membership.units.add(*units)
    Membership.objects.filter(pk=membership.pk).update(
        created_at=timezone.now() - timedelta(days=started_days_ago), hired_on=hired_on
    )
    return user


def _complete(
    org: Organization,
    user: User,
    course: Course,
    on: date,
    *,
    minutes: int | None = None,
    certificate: bool = True,
) -> Completion:
    assignment = Assignment.objects.create(
        organization=org, user=user, course=course, source=AssignmentSource.PERSON
    )
    version = selectors.latest_version(course=course, language="en")
    assert version is not None
    completion = completion_record(
        assignment=assignment,
        version=version,
        completed_on=on,
        score_percent=88,
        minutes_spent=minutes,
        credit_minutes=minutes,
    )
    if certificate:
        certificate_issue(completion=completion)
    return completion


def _requirement(org: Organization, code: str, course: Course, **fields: Any) -> Requirement:
    return Requirement.objects.create(
        organization=org, code=code, title=code.replace("-", " ").title(), course=course, **fields
    )


@pytest.fixture
def world(
    riverside: Organization,
    st_brigid: Organization,
    alice: User,
    courses: dict[str, Course],
) -> dict[str, Any]:
    """One organization with every state a cell can be in, and a neighbour."""
    today = timezone.localdate()
    police, health = courses["law-enforcement"], courses["healthcare"]
    patrol = Unit.objects.create(organization=riverside, slug="patrol", name="Patrol")
    desk = Unit.objects.create(organization=riverside, slug="desk", name="Desk")
    requirements = {
        "biennial": _requirement(
            riverside,
            "patrol-biennial",
            police,
            recurrence=Recurrence.FROM_COMPLETION,
            interval_months=24,
            initial_days=60,
            due_soon_days=30,
            grace_days=10,
            unit=patrol,
        ),
        "cycle": _requirement(
            riverside,
            "yearly-cycle",
            police,
            recurrence=Recurrence.FROM_EXPIRY,
            interval_months=12,
            initial_days=90,
            due_soon_days=60,
        ),
        "anniversary": _requirement(
            riverside,
            "july-refresher",
            police,
            recurrence=Recurrence.ANNIVERSARY,
            interval_months=12,
            anniversary_month=7,
            anniversary_day=1,
            due_soon_days=45,
            role=Role.RESPONDER,
        ),
        "once": _requirement(
            riverside, "orientation", police, recurrence=Recurrence.ONCE, initial_days=30
        ),
        "licence": _requirement(
            riverside,
            "licence-renewal",
            health,
            recurrence=Recurrence.ONCE,
            initial_days=0,
            due_soon_days=20,
            deadline_basis="licence",
        ),
        "approved": _requirement(
            riverside,
            "post-approved",
            police,
            recurrence=Recurrence.FROM_COMPLETION,
            interval_months=24,
            minimum_minutes=120,
            approval_body="California POST",
            unit=desk,
        ),
        "topics": _requirement(
            riverside,
            "topics-not-taught",
            police,
            recurrence=Recurrence.ONCE,
            topics=["a-topic-no-course-teaches"],
        ),
    }
    retired = _requirement(riverside, "retired", police, recurrence=Recurrence.ONCE)
    Requirement.objects.filter(pk=retired.pk).update(retired_at=timezone.now())

    people = {
        "not_started": _person(riverside, "new@r.test", units=[patrol], started_days_ago=5),
        "in_progress": _person(riverside, "prog@r.test", units=[patrol], started_days_ago=200),
        "passed": _person(riverside, "pass@r.test", units=[patrol], last_name="Adams"),
        "expired": _person(riverside, "old@r.test", units=[patrol], started_days_ago=1500),
        "due_soon": _person(riverside, "soon@r.test", units=[patrol], started_days_ago=900),
        "revoked": _person(riverside, "rev@r.test", units=[patrol, desk], last_name="Baker"),
        "window": _person(riverside, "win@r.test", units=[desk], started_days_ago=1200),
        "licensed": _person(riverside, "lic@r.test", role=Role.SUPERVISOR),
        "external": _person(riverside, "ext@r.test", units=[desk], hired_on=today),
        "session": _person(riverside, "ses@r.test", units=[desk], started_days_ago=30),
        "left": _person(riverside, "left@r.test", units=[patrol], started_days_ago=800),
        "no_unit": _person(riverside, "solo@r.test", role=Role.ADMIN),
        "short": _person(riverside, "short@r.test", units=[desk], hired_on=today - timedelta(9)),
        "neighbour": _person(st_brigid, "both@r.test", started_days_ago=100),
    }
    p = people
    _complete(riverside, p["passed"], police, today - timedelta(days=30))
    # In progress: an open assignment with a lesson read, nothing completed.
    open_assignment = Assignment.objects.create(
        organization=riverside, user=p["in_progress"], course=police, source="person"
    )
    LessonProgress.objects.create(
        assignment=open_assignment, lesson_id="intro", completed_at=timezone.now(), seconds=60
    )
    _complete(riverside, p["expired"], police, today - timedelta(days=800))
    _complete(riverside, p["due_soon"], police, today - timedelta(days=715))
    revoked = _complete(riverside, p["revoked"], police, today - timedelta(days=20))
    _complete(riverside, p["revoked"], police, today - timedelta(days=500), certificate=False)
    certificate_revoke(certificate=revoked.certificate, revoked_by=alice, reason="cheated")
    # A renewal inside the window keeps its cycle, a late one starts a new cycle, and a
    # credit and an external record on one day: which one the export names.
    for days in (1000, 660, 250):
        _complete(riverside, p["window"], police, today - timedelta(days=days), minutes=130)
    LicenceRenewal.objects.create(
        organization=riverside, user=p["licensed"], renews_on=today + timedelta(days=15)
    )
    external_record_create(
        organization=riverside,
        user=p["external"],
        title="POST class",
        provider="Academy",
        completed_on=today - timedelta(days=100),
        minutes=240,
        requirement=requirements["approved"],
        approval="California POST 1234",
        certificate_name="post.pdf",
        certificate=PDF,
        actor=alice,
    )
    external_record_create(
        organization=riverside,
        user=p["window"],
        title="Topics class",
        provider="Academy",
        completed_on=today - timedelta(days=250),
        minutes=150,
        requirement=requirements["topics"],
        certificate_name="topics.pdf",
        certificate=PDF,
        actor=alice,
    )
    external_record_create(  # no approval: does not count for the approved requirement
        organization=riverside,
        user=p["short"],
        title="Unapproved class",
        provider="Somewhere",
        completed_on=today - timedelta(days=5),
        minutes=240,
        requirement=requirements["approved"],
        certificate_name="other.pdf",
        certificate=PDF,
        actor=alice,
    )
    _complete(riverside, p["short"], police, today - timedelta(days=3), minutes=20)
    session = session_create(
        organization=riverside,
        course=police,
        title="Roll call",
        starts_at=timezone.now() - timedelta(days=2),
        minutes=150,
        capacity=5,
        instructor=alice,
        place="Room 1",
        approval="California POST 99",
        actor=alice,
    )
    session_sign_up(session=session, user=p["session"], actor=alice)
    session_attendance(session=session, present=[p["session"].pk], actor=alice)
    _complete(riverside, p["left"], police, today - timedelta(days=300))
    User.objects.filter(pk=p["left"].pk).update(is_active=False)
    # Trained at the neighbour, then joins Riverside: the credit counts there too.
    _complete(st_brigid, p["neighbour"], police, today - timedelta(days=40))
    Membership.objects.create(user=p["neighbour"], organization=riverside, role=Role.RESPONDER)
    return {"people": people, "requirements": requirements, "patrol": patrol, "desk": desk}


def _scopes(riverside: Organization, world: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"organization": riverside},
        {"unit": world["patrol"]},
        {"unit": world["desk"]},
    ]


def _assert_same(
    today: date, pages: Any = ((0, None), (0, 0), (4, 4), (12, 100)), **scope: Any
) -> None:
    for include_inactive in (False, True):
        for offset, limit in pages:
            arguments = {
                **scope,
                "today": today,
                "include_inactive": include_inactive,
                "offset": offset,
                "limit": limit,
            }
            stored = selectors.compliance_matrix(**arguments)
            reference = selectors.compliance_matrix_reference(**arguments)
            assert stored.counts == reference.counts, arguments
            assert stored.total_people == reference.total_people, arguments
            assert stored.requirements == reference.requirements, arguments
            assert stored.rows == reference.rows, arguments


def test_the_stored_matrix_shows_what_the_reference_shows_on_every_day(
    riverside: Organization, world: dict[str, Any]
) -> None:
    today = timezone.localdate()
    shown = selectors.compliance_matrix_reference(organization=riverside, today=today)
    statuses = {cell.status for row in shown.rows for cell in row.cells if cell is not None}
    assert statuses == set(Status)  # every state is in the data
    assert any(cell is None for row in shown.rows for cell in row.cells)  # and "exempt"
    # Walk the calendar: every window, grace period and expiry opens and closes.
    for days in range(-900, 900, 11):
        _assert_same(today + timedelta(days=days), pages=[(0, None)], organization=riverside)
    for days in (-365, -30, 0, 30, 365):
        for scope in _scopes(riverside, world):
            _assert_same(today + timedelta(days=days), **scope)


def test_an_export_of_more_people_than_are_named_reads_the_same(
    riverside: Organization, world: dict[str, Any], monkeypatch: Any
) -> None:
    # Exports of thousands read the people through a subquery instead of their ids.
    monkeypatch.setattr(selectors, "NAMED_PEOPLE_UP_TO", 3)
    today = timezone.localdate()
    for days in (-365, 0, 365):
        for scope in _scopes(riverside, world):
            _assert_same(today + timedelta(days=days), pages=[(0, None), (4, 4)], **scope)


def test_the_stored_matrix_follows_each_write(
    riverside: Organization, alice: User, world: dict[str, Any], courses: dict[str, Course]
) -> None:
    today = timezone.localdate()
    people, requirements = world["people"], world["requirements"]
    _complete(riverside, people["expired"], courses["law-enforcement"], today)
    revoked = Completion.objects.get(user=people["passed"])
    certificate_revoke(certificate=revoked.certificate, revoked_by=alice, reason="wrong person")
    requirement_update(
        requirement=requirements["cycle"], due_soon_days=200, grace_days=30, actor=alice
    )
    for days in (-400, 0, 200, 500):
        for scope in _scopes(riverside, world):
            _assert_same(today + timedelta(days=days), **scope)


def test_the_services_leave_exactly_what_a_rebuild_writes(world: dict[str, Any]) -> None:
    def stored() -> set[tuple[Any, ...]]:
        return set(
            RequirementStanding.objects.values_list(
                "requirement_id",
                "user_id",
                "credits",
                "expires_on",
                "last_kind",
                "last_completed_on",
                "last_minutes",
                "last_certificate_id",
                "last_score_percent",
                "last_course_version",
            )
        )

    kept = stored()
    assert kept
    RequirementStanding.objects.all().delete()
    standings_rebuild()

    assert stored() == kept
    call_command("training_standings", "--check")


def test_the_check_command_finds_a_standing_written_by_hand(world: dict[str, Any]) -> None:
    RequirementStanding.objects.filter(user=world["people"]["passed"]).delete()

    with pytest.raises(Exception, match="differ from the reference"):
        call_command("training_standings", "--check")
    call_command("training_standings")
    call_command("training_standings", "--check")


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks: PostgreSQL (SQLite locks the file)"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_completions_leave_the_stored_standing_right(
    riverside: Organization,
    alice: User,
    bob: User,
    courses: dict[str, Course],
    monkeypatch: Any,
) -> None:
    """Completions and external records for one person land at once; each refresh reads the
    credits, then (slowed down here) writes: without the lock on the person, the last
    writer would store only what it saw."""
    police = courses["law-enforcement"]
    requirement = _requirement(
        riverside,
        "cycle",
        police,
        recurrence=Recurrence.FROM_EXPIRY,
        interval_months=12,
        due_soon_days=60,
    )
    today = timezone.localdate()
    days = [today - timedelta(days=n) for n in (700, 400, 330, 30, 2)]
    original = selectors.requirement_credits

    def slow_credits(**kwargs: Any) -> Any:
        found = original(**kwargs)
        time.sleep(0.3)  # every writer has read the credits before any of them writes
        return found

    monkeypatch.setattr(selectors, "requirement_credits", slow_credits)
    start = threading.Barrier(len(days))
    errors: list[BaseException] = []

    def complete_on(day: date) -> None:
        try:
            start.wait()
            if days.index(day) % 2:
                _complete(riverside, bob, police, day, certificate=False)
            else:
                external_record_create(
                    organization=riverside,
                    user=bob,
                    title="Elsewhere",
                    provider="Academy",
                    completed_on=day,
                    minutes=60,
                    requirement=requirement,
                    certificate_name="c.pdf",
                    certificate=PDF,
                    actor=alice,
                )
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=complete_on, args=(day,)) for day in days]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    row = RequirementStanding.objects.get(requirement=requirement, user=bob)
    assert row.credits == len(days)
    assert row.last_completed_on == max(days)
    assert row.expires_on == expiry_after(requirement.rule, days)


def test_the_compliance_cells_read_as_the_template_wrote_them(
    riverside: Organization, world: dict[str, Any]
) -> None:
    from django.template import Context, Template

    from safepath.training.templatetags.compliance import compliance_cells

    before = Template(
        '{% for cell in row.cells %}{% if cell %}<td class="st-{{ cell.status }}">'
        '{{ cell.status }}{% if cell.due_on %}<br><small>{{ cell.due_on|date:"Y-m-d" }}'
        '</small>{% endif %}</td>{% else %}<td class="muted">—</td>{% endif %}{% endfor %}'
    )
    matrix = selectors.compliance_matrix(
        organization=riverside, today=timezone.localdate(), include_inactive=True
    )
    assert matrix.rows
    for row in matrix.rows:
        assert compliance_cells(row) == before.render(Context({"row": row}))
