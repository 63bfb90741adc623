"""Reads for training, scoped by tenancy: a learner sees their own, staff see their
organization's, and the public sees only a certificate's minimum."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from safepath.accounts.access import memberships_for
from safepath.accounts.models import Membership, Organization, Role, Unit, User
from safepath.accounts.permissions import Capability, roles_with
from safepath.placements.models import Placement
from safepath.training.models import (
    ORGANIZATION_LESSONS,
    Assignment,
    Certificate,
    Completion,
    Course,
    CourseVersion,
    ExternalRecord,
    LicenceRenewal,
    LocalLesson,
    Question,
    Requirement,
    RequirementStanding,
    ScenarioRun,
    Session,
    SessionSeat,
)
from safepath.training.recurrence import Standing, Status, standing, standing_on

MANAGERS = roles_with(Capability.TRAINING_MANAGE)
VIEWERS = roles_with(Capability.TRAINING_VIEW)


# Content ------------------------------------------------------------------------------------


def language_label(code: str) -> str:
    """A language's own name ("Español", "Français") for any code a course file may use."""
    labels = dict(CourseVersion._meta.get_field("language").choices or [])
    if code in labels:
        return str(labels[code])
    try:
        return str(get_language_info(code)["name_local"])
    except KeyError:
        return code


def available_languages(*, course: Course) -> list[tuple[str, str]]:
    """Every language a course has been loaded in: whatever files its folder holds."""
    languages = sorted(set(course.versions.values_list("language", flat=True)))
    return [(language, language_label(language)) for language in languages]


def latest_version(*, course: Course, language: str) -> CourseVersion | None:
    return (
        CourseVersion.objects.filter(course=course, language=language)
        .order_by("-number")
        .select_related("course")
        .first()
    )


def version_for(*, assignment: Assignment) -> CourseVersion:
    """The newest version in the learner's language (English if it is missing)."""
    version = latest_version(course=assignment.course, language=assignment.language)
    version = version or latest_version(course=assignment.course, language="en")
    if version is None:
        raise Http404
    return version


def course_title(*, course: Course, language: str) -> str:
    version = latest_version(course=course, language=language) or latest_version(
        course=course, language="en"
    )
    return version.title if version else course.slug


def local_lesson_body(
    *, organization_id: int, course: Course, lesson_id: str, language: str
) -> str | None:
    """The organization's own text for a lesson it fills in: in the learner's language, else
    in English (better than the placeholder), else None (show the shipped placeholder)."""
    if (course.slug, lesson_id) not in ORGANIZATION_LESSONS:
        return None
    texts = dict(
        LocalLesson.objects.filter(
            organization_id=organization_id, course=course, lesson_id=lesson_id
        ).values_list("language", "body")
    )
    return texts.get(language) or texts.get("en")


def local_lessons_for(
    *, organization: Organization, course: Course, lesson_id: str
) -> dict[str, str]:
    """language -> the organization's text for that lesson, for its editing form."""
    return dict(
        LocalLesson.objects.filter(
            organization=organization, course=course, lesson_id=lesson_id
        ).values_list("language", "body")
    )


def scenario_of(*, assignment: Assignment, scenario_id: str) -> dict[str, Any]:
    version = version_for(assignment=assignment)
    for scenario in version.data["scenarios"]:
        if scenario["id"] == scenario_id:
            return dict(scenario)
    raise Http404


# Completion rules -----------------------------------------------------------------------------

LESSON_CAP_SECONDS = 30 * 60  # an idle tab earns at most this much per lesson
SCENARIO_CAP_SECONDS = 30 * 60
ATTEMPT_CAP_SECONDS = 60 * 60


def lesson_minimum_seconds(lesson: dict[str, Any]) -> int:
    """How long a lesson must stay open before it can be marked read: the course file's
    ``min_seconds`` if it gives one, else its words at TRAINING_READING_WPM, at least 20 s."""
    if "min_seconds" in lesson:
        return int(lesson["min_seconds"])
    words = len(str(lesson.get("body", "")).split())
    return max(20, words * 60 // max(1, settings.TRAINING_READING_WPM))


def seconds_spent(*, assignment: Assignment, include_open_attempt: bool = False) -> int:
    """Time the server measured on this assignment: lessons read, scenarios played and
    submitted assessment attempts, each capped."""
    total = sum(
        min(seconds, LESSON_CAP_SECONDS)
        for seconds in assignment.lessons.values_list("seconds", flat=True)
    )
    total += sum(assignment.scenarios.values_list("seconds", flat=True))
    now = timezone.now()
    for started, submitted in assignment.attempts.values_list("started_at", "submitted_at"):
        end = submitted or (now if include_open_attempt else None)
        if end is not None:
            total += min(int((end - started).total_seconds()), ATTEMPT_CAP_SECONDS)
    return total


@dataclass(frozen=True)
class Progress:
    lessons_read: set[str]
    next_lesson: str | None  # the first lesson not yet read (the only one that may be opened)
    scenarios_finished: set[str]
    seconds: int
    course_minutes: int
    required_minutes: int  # the requirement's minimum (0 when none)
    blockers: list[str]  # why the assessment cannot start yet (empty: it can)
    cannot_satisfy: str  # why this course cannot satisfy the assignment's requirement

    @property
    def minutes(self) -> int:
        return self.seconds // 60


def progress_of(*, assignment: Assignment) -> Progress:
    """Where a learner stands against the completion rules: every lesson read in order,
    every scenario finished, and (for a requirement with minimum minutes the course can
    meet) that much time measured, before the assessment opens."""
    data = version_for(assignment=assignment).data
    read = set(
        assignment.lessons.filter(completed_at__isnull=False).values_list("lesson_id", flat=True)
    )
    order = [lesson["id"] for lesson in data["lessons"]]
    next_lesson = next((lesson_id for lesson_id in order if lesson_id not in read), None)
    finished = set(
        assignment.scenarios.filter(finished_at__isnull=False).values_list("scenario_id", flat=True)
    )
    seconds = seconds_spent(assignment=assignment)
    course_minutes = int(data["course"].get("estimated_minutes") or 0)
    taught = {topic for lesson in data["lessons"] for topic in lesson["topics"]}
    requirement = assignment.requirement
    required = (requirement.minimum_minutes or 0) if requirement is not None else 0
    cannot = ""
    if requirement is not None and requirement.approval_body:
        cannot = _(
            "%(requirement)s needs a course approved by %(body)s. This course does not count "
            "for it; your organization records the approved course."
        ) % {"requirement": requirement.title, "body": requirement.approval_body}
    elif required > course_minutes:
        cannot = _(
            "%(requirement)s needs at least %(needed)d minutes; this course is %(length)d "
            "minutes, so it cannot satisfy it alone."
        ) % {
            "requirement": requirement.title if requirement else "",
            "needed": required,
            "length": course_minutes,
        }
    missing_topics = sorted(set(requirement.topics) - taught) if requirement is not None else []
    if not cannot and missing_topics:
        cannot = _(
            "%(requirement)s needs training on topics this course does not teach "
            "(%(topics)s), so this course cannot satisfy it alone; your organization records "
            "the training that covers them."
        ) % {
            "requirement": requirement.title if requirement else "",
            "topics": ", ".join(missing_topics),
        }
    blockers = []
    if next_lesson is not None:
        blockers.append(_("Read every lesson, in order, first."))
    missing = [s["id"] for s in data["scenarios"] if s["id"] not in finished]
    if missing:
        blockers.append(_("Finish every role-play scenario first."))
    if required and required <= course_minutes and seconds < required * 60:
        blockers.append(
            _(
                "This requirement asks for at least %(needed)d minutes of training; you have "
                "spent %(spent)d."
            )
            % {"needed": required, "spent": seconds // 60}
        )
    return Progress(
        lessons_read=read,
        next_lesson=next_lesson,
        scenarios_finished=finished,
        seconds=seconds,
        course_minutes=course_minutes,
        required_minutes=required,
        blockers=blockers,
        cannot_satisfy=cannot,
    )


def scenario_position(*, scenario: dict[str, Any], run: ScenarioRun | None) -> str | None:
    """The node the learner is at, or None when the scenario is finished."""
    if run is None or not run.path:
        return str(scenario["start"])
    node_id, choice = run.path[-1]
    picked = scenario["nodes"][node_id]["choices"][choice]
    return None if picked.get("end") else str(picked["next"])


# Learners ------------------------------------------------------------------------------------


def assignments_for_learner(*, user: User | AnonymousUser) -> QuerySet[Assignment]:
    organizations = [membership.organization_id for membership in memberships_for(user)]
    return (
        Assignment.objects.filter(user_id=user.pk or 0, organization_id__in=organizations)
        .filter(cancelled_at__isnull=True)
        .select_related("course", "organization")
        .order_by("completed_at", "due_on", "pk")
    )


def get_assignment_for_learner(*, user: User | AnonymousUser, pk: int) -> Assignment:
    """The learner's own assignment; anyone else's (or a missing one) is a 404."""
    try:
        return assignments_for_learner(user=user).get(pk=pk)
    except Assignment.DoesNotExist:
        raise Http404 from None


def self_enrolment_courses(*, user: User | AnonymousUser) -> list[tuple[Organization, Course]]:
    """Courses a learner may enrol in themselves, per organization that allows it."""
    found = []
    courses = list(Course.objects.filter(versions__isnull=False).distinct())
    for membership in memberships_for(user):
        training = getattr(membership.organization, "training_settings", None)
        if training is not None and not training.self_enrolment:
            continue
        found += [(membership.organization, course) for course in courses]
    return found


def certificates_for_learner(*, user: User | AnonymousUser) -> QuerySet[Certificate]:
    return Certificate.objects.filter(completion__user_id=user.pk or 0).order_by("-issued_on")


def get_certificate_for_holder_or_staff(*, user: User | AnonymousUser, pk: str) -> Certificate:
    """The holder may download their certificate; the organization's viewers may too."""
    mine = Q(completion__user_id=user.pk or 0)
    staff = Q(organization_id__in=organization_ids_with(user=user, roles=VIEWERS))
    try:
        return Certificate.objects.filter(mine | staff).get(pk=pk)
    except Certificate.DoesNotExist:
        raise Http404 from None


# Staff ----------------------------------------------------------------------------------------


def organization_ids_with(*, user: User | AnonymousUser, roles: Iterable[str]) -> list[int]:
    return [m.organization_id for m in memberships_for(user) if m.role in set(roles)]


def require_role(*, user: User | AnonymousUser, organization_id: int, roles: set[Role]) -> None:
    """404 unless the user holds one of ``roles`` in that organization."""
    if organization_id not in organization_ids_with(user=user, roles=roles):
        raise Http404


def units_for_viewer(*, user: User | AnonymousUser) -> QuerySet[Unit]:
    return Unit.objects.filter(
        organization_id__in=organization_ids_with(user=user, roles=VIEWERS)
    ).select_related("organization")


def get_unit_for_viewer(*, user: User | AnonymousUser, pk: int) -> Unit:
    try:
        return units_for_viewer(user=user).get(pk=pk)
    except Unit.DoesNotExist:
        raise Http404 from None


def certificates_for_manager(*, user: User | AnonymousUser) -> QuerySet[Certificate]:
    return (
        Certificate.objects.filter(
            organization_id__in=organization_ids_with(user=user, roles=MANAGERS)
        )
        .select_related("completion__user")
        .order_by("-issued_on", "pk")
    )


def get_certificate_for_manager(*, user: User | AnonymousUser, pk: str) -> Certificate:
    try:
        return certificates_for_manager(user=user).get(pk=pk)
    except Certificate.DoesNotExist:
        raise Http404 from None


def get_completion_for_viewer(*, user: User | AnonymousUser, pk: int) -> Completion:
    try:
        return Completion.objects.select_related(
            "user", "course_version__course", "organization", "assignment"
        ).get(pk=pk, organization_id__in=organization_ids_with(user=user, roles=VIEWERS))
    except Completion.DoesNotExist:
        raise Http404 from None


def assignments_for_manager(*, user: User | AnonymousUser) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(
            organization_id__in=organization_ids_with(user=user, roles=MANAGERS)
        )
        .select_related("user", "course", "requirement")
        .order_by("completed_at", "due_on", "pk")
    )


def get_assignment_for_manager(*, user: User | AnonymousUser, pk: int) -> Assignment:
    try:
        return assignments_for_manager(user=user).get(pk=pk)
    except Assignment.DoesNotExist:
        raise Http404 from None


def get_membership_for_manager(*, user: User | AnonymousUser, pk: int) -> Membership:
    """A member of an organization this user administers; anyone else is a 404."""
    try:
        return Membership.objects.select_related("user", "organization").get(
            pk=pk, organization_id__in=organization_ids_with(user=user, roles=MANAGERS)
        )
    except Membership.DoesNotExist:
        raise Http404 from None


def members_of(*, organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.filter(
        organization=organization, user__is_active=True
    ).select_related("user")


# Requirements and compliance ------------------------------------------------------------------


def library_requirements() -> QuerySet[Requirement]:
    """The library of real mandates an organization can adopt."""
    return Requirement.objects.filter(organization__isnull=True).select_related("course")


def requirements_for_manager(*, user: User | AnonymousUser) -> QuerySet[Requirement]:
    return (
        Requirement.objects.filter(
            organization_id__in=organization_ids_with(user=user, roles=MANAGERS)
        )
        .select_related("course", "unit", "organization")
        .order_by("retired_at", "title", "pk")
    )


def get_requirement_for_manager(*, user: User | AnonymousUser, pk: int) -> Requirement:
    """An organization's own requirement for its administrators; anything else is a 404."""
    try:
        return requirements_for_manager(user=user).get(pk=pk)
    except Requirement.DoesNotExist:
        raise Http404 from None


def requirement_course_ids(*, requirements: Iterable[Requirement]) -> dict[int, set[int]]:
    """Which courses satisfy each requirement: its course (when the requirement lists topics,
    only if the course's content covers all of them), or every course whose content covers
    all of its topics."""
    wanted: dict[int, set[int]] = {}
    coverage: dict[int, set[str]] | None = None
    for requirement in requirements:
        topics = set(requirement.topics)
        if requirement.course_id is not None and not topics:
            wanted[requirement.pk] = {requirement.course_id}
            continue
        if coverage is None:
            coverage = defaultdict(set)
            for version in CourseVersion.objects.only("course_id", "data"):
                coverage[version.course_id] |= version.topics
        if requirement.course_id is not None:
            # A named course counts only when its content teaches every topic the mandate
            # lists (a course that cannot satisfy the mandate never shows compliant).
            covered = coverage.get(requirement.course_id, set())
            wanted[requirement.pk] = {requirement.course_id} if topics <= covered else set()
            continue
        wanted[requirement.pk] = {
            course_id for course_id, covered in coverage.items() if topics and topics <= covered
        }
    return wanted


def requirement_course(*, requirement: Requirement) -> Course | None:
    ids = requirement_course_ids(requirements=[requirement])[requirement.pk]
    return Course.objects.filter(pk__in=ids).order_by("slug").first()


@dataclass(frozen=True)
class Credit:
    """One thing that counts for a requirement: an online completion, a session attended or
    an external record, with what an auditor asks for."""

    kind: str  # "online", "session" or "external"
    completed_on: date
    minutes: int | None
    certificate_id: str
    score_percent: int | None
    course_version: str


def requirement_credits(
    *, requirements: list[Requirement], user_ids: Any
) -> dict[tuple[int, int], list[Credit]]:
    """(requirement, user) -> everything that counts for that requirement, oldest first.

    A completion counts when it is of a course that satisfies the requirement, its
    certificate is not revoked, it carries at least the requirement's minimum minutes of
    credit, and, when the requirement needs an approved course, it came from a session
    that carries an approval. An external record counts for the requirement it was recorded
    against under the same minutes and approval rules.
    """
    wanted = requirement_course_ids(requirements=requirements)
    all_courses = set().union(*wanted.values()) if wanted else set()
    rows = list(
        Completion.objects.filter(user_id__in=user_ids, course_id__in=list(all_courses))
        .exclude(certificate__revoked_at__isnull=False)
        .values_list(
            "user_id",
            "course_id",
            "completed_on",
            "credit_minutes",
            "session__approval",
            "source",
            "certificate__id",
            "score_percent",
            "course_version__course__slug",
            "course_version__number",
            "course_version__language",
        )
    )
    externals = list(
        ExternalRecord.objects.filter(
            user_id__in=user_ids, requirement__in=[r.pk for r in requirements]
        ).values_list("user_id", "requirement_id", "completed_on", "minutes", "approval", "title")
    )
    found: dict[tuple[int, int], list[Credit]] = defaultdict(list)
    for requirement in requirements:
        minimum = requirement.minimum_minutes or 0
        courses = wanted[requirement.pk]
        for user_id, course_id, day, credit, approval, source, cert, score, slug, n, lang in rows:
            if course_id not in courses or (credit or 0) < minimum:
                continue
            if requirement.approval_body and not approval:
                continue
            found[(requirement.pk, user_id)].append(
                Credit(source, day, credit, cert or "", score, f"{slug} v{n} ({lang})")
            )
        for user_id, requirement_id, day, minutes, approval, title in externals:
            if requirement_id != requirement.pk or minutes < minimum:
                continue
            if requirement.approval_body and not approval:
                continue
            found[(requirement.pk, user_id)].append(
                Credit("external", day, minutes, "", None, title)
            )
    for credits in found.values():
        credits.sort(key=lambda credit: credit.completed_on)
    return found


def requirement_dates(
    *, requirements: list[Requirement], user_ids: Any
) -> dict[tuple[int, int], list[date]]:
    """(requirement, user) -> the dates of everything that counts for that requirement."""
    return {
        key: [credit.completed_on for credit in credits]
        for key, credits in requirement_credits(
            requirements=requirements, user_ids=user_ids
        ).items()
    }


def current_expiry(*, user: User, requirement: Requirement) -> date | None:
    dates = requirement_dates(requirements=[requirement], user_ids=[user.pk]).get(
        (requirement.pk, user.pk), []
    )
    if not dates:
        return None
    from safepath.training.recurrence import next_expiry

    expiry = None
    for completed_on in sorted(dates):
        expiry = next_expiry(requirement.rule, completed_on, expiry)
    return expiry


@dataclass(frozen=True)
class PersonStanding:
    user_id: int
    standing: Standing


def requirement_standings(*, requirement: Requirement, today: date) -> list[PersonStanding]:
    """Everyone a requirement applies to, with where they stand."""
    members = Membership.objects.filter(
        organization_id=requirement.organization_id or 0, user__is_active=True
    )
    if requirement.unit_id:
        members = members.filter(units=requirement.unit_id)
    if requirement.role:
        members = members.filter(role=requirement.role)
    done = requirement_dates(requirements=[requirement], user_ids=members.values("user_id"))
    licences = licence_dates(organization_id=requirement.organization_id or 0)
    return [
        PersonStanding(
            user_id=membership.user_id,
            standing=person_standing(
                requirement=requirement,
                membership=membership,
                completions=done.get((requirement.pk, membership.user_id), []),
                licence_renews_on=licences.get(membership.user_id),
                today=today,
            ),
        )
        for membership in members
    ]


def licence_dates(*, organization_id: int) -> dict[int, date]:
    """user id -> the licence renewal date recorded for them in this organization."""
    return dict(
        LicenceRenewal.objects.filter(organization_id=organization_id).values_list(
            "user_id", "renews_on"
        )
    )


def person_standing(
    *,
    requirement: Requirement,
    membership: Membership,
    completions: list[date],
    licence_renews_on: date | None,
    today: date,
) -> Standing:
    """Where one person stands on one requirement. A requirement due at licence renewal
    counts from the renewal date recorded for the person; with none recorded and nothing
    completed, it is pending with no due date (not overdue from the day they joined)."""
    if requirement.deadline_basis == "licence":
        if licence_renews_on is None and not completions:
            return Standing(Status.PENDING, None, None, None)
        started = licence_renews_on or today
    else:
        started = membership.hired_on or membership.created_at.date()
    return standing(requirement.rule, started_on=started, completions=completions, today=today)


@dataclass
class ComplianceCell:
    standing: Standing
    last: Credit | None  # the newest thing that counts, for exports

    @property
    def status(self) -> Status:
        return self.standing.status

    @property
    def due_on(self) -> date | None:
        return self.standing.due_on


@dataclass
class ComplianceRow:
    name: str
    email: str
    membership_id: int
    hired_on: date | None
    units: str
    active: bool
    status: Status | None  # the person's worst standing (None: nothing applies)
    cells: list[ComplianceCell | None]  # one per requirement; None: does not apply


@dataclass
class ComplianceMatrix:
    organization: Organization
    unit: Unit | None  # None: the whole organization, members without a unit included
    requirements: list[Requirement]
    rows: list[ComplianceRow]
    counts: dict[str, int]  # people by their worst standing
    total_people: int

    @property
    def scope(self) -> str:
        return self.unit.name if self.unit is not None else self.organization.name


# Worst first: a person is counted once, under the worst of their standings.
SEVERITY = [Status.OVERDUE, Status.EXPIRED, Status.DUE_SOON, Status.PENDING, Status.COMPLIANT]


def compliance_matrix_reference(
    *,
    today: date,
    unit: Unit | None = None,
    organization: Organization | None = None,
    offset: int = 0,
    limit: int | None = None,
    include_inactive: bool = False,
) -> ComplianceMatrix:
    """The compliance matrix computed from every person's whole history on each call: the
    definition ``compliance_matrix`` (stored standings) must match, kept as the oracle of
    its tests and of ``manage.py training_standings --check``. Slow at scale: every credit
    of everyone in scope is read and every standing computed."""
    if unit is not None:
        organization = unit.organization
    assert organization is not None
    requirements_qs = Requirement.objects.filter(
        organization_id=organization.pk, retired_at__isnull=True
    )
    if unit is not None:
        requirements_qs = requirements_qs.filter(Q(unit__isnull=True) | Q(unit=unit))
    requirements = list(requirements_qs.order_by("title", "pk"))
    members_qs = Membership.objects.filter(organization=organization)
    if unit is not None:
        members_qs = members_qs.filter(units=unit)
    if not include_inactive:
        members_qs = members_qs.filter(user__is_active=True)
    members = list(
        members_qs.select_related("user")
        .prefetch_related("units")
        .order_by("user__last_name", "user__first_name", "user__email")
    )
    credits = requirement_credits(
        requirements=requirements, user_ids=[membership.user_id for membership in members]
    )
    licences = licence_dates(organization_id=organization.pk)
    counts = {status.value: 0 for status in SEVERITY}
    rows: list[ComplianceRow] = []
    stop = None if limit is None else offset + limit
    for index, membership in enumerate(members):
        unit_ids = {u.pk for u in membership.units.all()}
        cells: list[ComplianceCell | None] = []
        for requirement in requirements:
            applies = (not requirement.role or requirement.role == membership.role) and (
                requirement.unit_id is None or requirement.unit_id in unit_ids
            )
            if not applies:
                cells.append(None)
                continue
            found = credits.get((requirement.pk, membership.user_id), [])
            person = person_standing(
                requirement=requirement,
                membership=membership,
                completions=[credit.completed_on for credit in found],
                licence_renews_on=licences.get(membership.user_id),
                today=today,
            )
            cells.append(ComplianceCell(person, found[-1] if found else None))
        statuses = {cell.status for cell in cells if cell is not None}
        worst = next((status for status in SEVERITY if status in statuses), None)
        if worst is not None:
            counts[worst.value] += 1
        if index >= offset and (stop is None or index < stop):
            user = membership.user
            rows.append(
                ComplianceRow(
                    name=user.get_full_name() or user.email,
                    email=user.email,
                    membership_id=membership.pk,
                    hired_on=membership.hired_on,
                    units=", ".join(sorted(u.name for u in membership.units.all())),
                    active=user.is_active,
                    status=worst,
                    cells=cells,
                )
            )
    return ComplianceMatrix(
        organization=organization,
        unit=unit,
        requirements=requirements,
        rows=rows,
        counts=counts,
        total_people=len(members),
    )


def _requirements_in_scope(*, organization: Organization, unit: Unit | None) -> list[Requirement]:
    requirements_qs = Requirement.objects.filter(
        organization_id=organization.pk, retired_at__isnull=True
    )
    if unit is not None:
        requirements_qs = requirements_qs.filter(Q(unit__isnull=True) | Q(unit=unit))
    return list(requirements_qs.order_by("title", "pk"))


# Up to this many people, a compliance page names them by id in its queries; more (an
# export) read them through a subquery of the same scope.
NAMED_PEOPLE_UP_TO = 2000


def _members_in_scope(
    *, organization: Organization, unit: Unit | None, include_inactive: bool
) -> QuerySet[Membership]:
    members_qs = Membership.objects.filter(organization=organization)
    if unit is not None:
        members_qs = members_qs.filter(units=unit)
    if not include_inactive:
        members_qs = members_qs.filter(user__is_active=True)
    return members_qs


def _sql_date(day: date) -> Any:
    # SQLite keeps dates as ISO text; PostgreSQL compares real dates.
    return day if connection.vendor == "postgresql" else day.isoformat()


def compliance_counts(
    *,
    organization: Organization,
    unit: Unit | None,
    requirements: list[Requirement],
    include_inactive: bool,
    today: date,
) -> dict[str, int]:
    """People by their worst standing, counted by the database in one query from the stored
    standings (``RequirementStanding``) and the dates the calendar turns into "due soon",
    "overdue" and "expired" today: nobody's history is read.

    Each requirement's rule becomes four dates (a credit lapsed before, lapses by, a first
    deadline passed for people who started before, comes within the window for people who
    started by), so the comparisons are plain date comparisons on both databases and give
    what ``recurrence.standing_on`` gives.
    """
    counts = {status.value: 0 for status in SEVERITY}
    if not requirements:
        return counts
    rank = {status: index for index, status in enumerate(SEVERITY)}
    thresholds: list[Any] = []
    for requirement in requirements:
        window = timedelta(days=requirement.due_soon_days)
        grace = timedelta(days=requirement.grace_days)
        initial = timedelta(days=requirement.initial_days)
        thresholds += [
            requirement.pk,
            _sql_date(today - grace),  # a credit expiring before this is expired
            _sql_date(today + window),  # ... by this, due soon
            _sql_date(today - initial - grace),  # started before this, nothing done: overdue
            _sql_date(today - initial + window),  # ... by this: due soon
        ]
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(requirements))
    if connection.vendor == "postgresql":
        joined = "(m.created_at AT TIME ZONE 'UTC')::date"
    else:
        joined = "DATE(m.created_at)"  # stored in UTC, as Django reads it back
    started = f"COALESCE(m.hired_on, {joined})"
    through = Membership.units.through._meta.db_table
    scope = ""
    params: list[Any] = [*thresholds]
    params += [
        rank[Status.COMPLIANT],
        rank[Status.EXPIRED],
        rank[Status.DUE_SOON],
        rank[Status.COMPLIANT],
        rank[Status.PENDING],
        rank[Status.OVERDUE],
        rank[Status.DUE_SOON],
        rank[Status.PENDING],
        rank[Status.OVERDUE],
        rank[Status.DUE_SOON],
        rank[Status.PENDING],
        organization.pk,
    ]
    if unit is not None:
        scope += " AND EXISTS (SELECT 1 FROM {through} mu WHERE mu.membership_id = m.id"
        scope += " AND mu.unit_id = %s)"
        params.append(unit.pk)
    if not include_inactive:
        scope += " AND u.is_active = %s"
        params.append(True)
    # Table names come from the models; every value is a parameter.
    sql = f"""
        WITH t (rid, expired_before, soon_until, overdue_before, soon_from) AS (VALUES {values})
        SELECT worst, COUNT(*) FROM (
            SELECT m.id, MIN(CASE
                WHEN s.id IS NOT NULL THEN CASE
                    WHEN s.expires_on IS NULL THEN %s
                    WHEN s.expires_on < t.expired_before THEN %s
                    WHEN s.expires_on <= t.soon_until THEN %s
                    ELSE %s END
                WHEN r.deadline_basis = 'licence' THEN CASE
                    WHEN l.renews_on IS NULL THEN %s
                    WHEN l.renews_on < t.overdue_before THEN %s
                    WHEN l.renews_on <= t.soon_from THEN %s
                    ELSE %s END
                ELSE CASE
                    WHEN {started} < t.overdue_before THEN %s
                    WHEN {started} <= t.soon_from THEN %s
                    ELSE %s END
                END) AS worst
            FROM {Membership._meta.db_table} m
            JOIN {User._meta.db_table} u ON u.id = m.user_id
            CROSS JOIN t
            JOIN {Requirement._meta.db_table} r ON r.id = t.rid
            LEFT JOIN {RequirementStanding._meta.db_table} s
                ON s.requirement_id = r.id AND s.user_id = m.user_id
            LEFT JOIN {through} ru ON ru.membership_id = m.id AND ru.unit_id = r.unit_id
            LEFT JOIN {LicenceRenewal._meta.db_table} l
                ON l.organization_id = m.organization_id AND l.user_id = m.user_id
            WHERE m.organization_id = %s{scope.replace("{through}", through)}
              AND (r.role = '' OR r.role = m.role)
              AND (r.unit_id IS NULL OR ru.unit_id IS NOT NULL)
            GROUP BY m.id
        ) people
        GROUP BY worst
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for worst, count in cursor.fetchall():
            counts[SEVERITY[worst].value] = count
    return counts


def compliance_rows(
    *,
    members: QuerySet[Membership],
    requirements: list[Requirement],
    today: date,
    organization: Organization,
) -> list[ComplianceRow]:
    """The rows for these people (a page, or everyone for an export): each cell from the
    stored standing read against today, or, with nothing that counts, from the person's
    start (hire date or licence renewal)."""
    people = list(
        members.values_list(
            "pk",
            "user_id",
            "role",
            "hired_on",
            "created_at",
            "user__first_name",
            "user__last_name",
            "user__email",
            "user__is_active",
        )
    )
    if not people:
        return []
    # A page names its people by id; an export of thousands reads the same scope as a
    # subquery (thousands of bound ids cost more to build and send than the rows they find).
    chunks: list[tuple[Any, Any]]
    if len(people) > NAMED_PEOPLE_UP_TO:
        chunks = [(members.values("pk"), members.values("user_id"))]
    else:
        chunks = [([person[0] for person in people], [person[1] for person in people])]
    units: dict[int, list[tuple[int, str]]] = defaultdict(list)
    through = Membership.units.through.objects
    for membership_ids, _user_ids in chunks:
        for membership_id, unit_id, unit_name in through.filter(
            membership_id__in=membership_ids
        ).values_list("membership_id", "unit_id", "unit__name"):
            units[membership_id].append((unit_id, unit_name))
    stored: dict[tuple[int, int], tuple[Any, ...]] = {}
    for _membership_ids, user_ids in chunks:
        for row in RequirementStanding.objects.filter(
            requirement__in=[requirement.pk for requirement in requirements],
            user_id__in=user_ids,
        ).values_list(
            "requirement_id",
            "user_id",
            "expires_on",
            "last_kind",
            "last_completed_on",
            "last_minutes",
            "last_certificate_id",
            "last_score_percent",
            "last_course_version",
        ):
            stored[(row[0], row[1])] = row[2:]
    licences = licence_dates(organization_id=organization.pk)
    facts = [
        (index, r.pk, r.role, r.unit_id, r.deadline_basis == "licence", r.rule)
        for index, r in enumerate(requirements)
    ]
    # Many people share a start date or an expiry: their standings are the same objects.
    standings: dict[tuple[Any, ...], Standing] = {}
    untrained: dict[tuple[int, date | None], ComplianceCell] = {}
    rows = []
    for membership_id, user_id, role, hired_on, created_at, first, last, email, active in people:
        unit_ids = {unit_id for unit_id, _name in units[membership_id]}
        cells: list[ComplianceCell | None] = []
        for index, requirement_id, only_role, only_unit, by_licence, rule in facts:
            if (only_role and only_role != role) or (
                only_unit is not None and only_unit not in unit_ids
            ):
                cells.append(None)  # does not apply
                continue
            found = stored.get((requirement_id, user_id))
            if found is not None:
                expires_on, completed_on = found[0], found[2]
                person = standings.get((index, expires_on, completed_on))
                if person is None:
                    person = standings[(index, expires_on, completed_on)] = standing_on(
                        rule,
                        started_on=completed_on,  # not used once something counts
                        last_completed_on=completed_on,
                        expires_on=expires_on,
                        today=today,
                    )
                cells.append(ComplianceCell(person, Credit(*found[1:])))
                continue
            # By licence: its renewal date (None: none recorded, so pending); else the hire.
            started = licences.get(user_id) if by_licence else hired_on or created_at.date()
            cell = untrained.get((index, started))
            if cell is None:
                if started is None:
                    person = Standing(Status.PENDING, None, None, None)
                else:
                    person = standing_on(
                        rule,
                        started_on=started,
                        last_completed_on=None,
                        expires_on=None,
                        today=today,
                    )
                cell = untrained[(index, started)] = ComplianceCell(person, None)
            cells.append(cell)
        statuses = {cell.status for cell in cells if cell is not None}
        rows.append(
            ComplianceRow(
                name=f"{first} {last}".strip() or email,
                email=email,
                membership_id=membership_id,
                hired_on=hired_on,
                units=", ".join(sorted(name for _id, name in units[membership_id])),
                active=active,
                status=next((status for status in SEVERITY if status in statuses), None),
                cells=cells,
            )
        )
    return rows


def compliance_matrix(
    *,
    today: date,
    unit: Unit | None = None,
    organization: Organization | None = None,
    offset: int = 0,
    limit: int | None = None,
    include_inactive: bool = False,
) -> ComplianceMatrix:
    """People x requirements for one unit or (``unit=None``) the whole organization.

    Counts are people (each under their worst standing) across the whole scope, counted by
    the database; rows can be paged with ``offset``/``limit`` and only the page is read.
    ``include_inactive`` adds people who have left (their accounts deactivated), for an
    auditor's export. Reads the stored standings: the same answer as
    ``compliance_matrix_reference`` without reading anyone's history.
    """
    if unit is not None:
        organization = unit.organization
    assert organization is not None
    requirements = _requirements_in_scope(organization=organization, unit=unit)
    members = _members_in_scope(
        organization=organization, unit=unit, include_inactive=include_inactive
    )
    ordered = members.order_by("user__last_name", "user__first_name", "user__email")
    page = ordered[offset : None if limit is None else offset + limit]
    return ComplianceMatrix(
        organization=organization,
        unit=unit,
        requirements=requirements,
        rows=compliance_rows(
            members=page, requirements=requirements, today=today, organization=organization
        )
        if limit != 0
        else [],
        counts=compliance_counts(
            organization=organization,
            unit=unit,
            requirements=requirements,
            include_inactive=include_inactive,
            today=today,
        ),
        total_people=members.count(),
    )


def holders_of_valid_completion(
    *, organization: Organization, course: Course, today: date
) -> set[int]:
    """Users of an organization who hold a completion of ``course`` that is still valid:
    not expired and its certificate not revoked."""
    return set(
        Completion.objects.filter(organization=organization, course=course)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .exclude(certificate__revoked_at__isnull=False)
        .values_list("user_id", flat=True)
    )


# Transcripts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TranscriptEntry:
    kind: str  # online, session, external
    kind_label: str
    completed_on: date
    title: str
    minutes: int | None
    score_percent: int | None
    course_version: str
    certificate_id: str
    status: str  # valid, expired, revoked, recorded, attended


@dataclass(frozen=True)
class Transcript:
    organization: Organization
    membership_id: int
    name: str
    email: str
    active: bool
    entries: list[TranscriptEntry]
    sessions_booked: list[Any]  # seats not (yet) attended

    @property
    def total_minutes(self) -> int:
        return sum(entry.minutes or 0 for entry in self.entries if entry.status != "revoked")


def get_membership_for_viewer(*, user: User | AnonymousUser, pk: int) -> Membership:
    """A member (active or not) of an organization this user may audit; else a 404."""
    try:
        return Membership.objects.select_related("user", "organization").get(
            pk=pk, organization_id__in=organization_ids_with(user=user, roles=VIEWERS)
        )
    except Membership.DoesNotExist:
        raise Http404 from None


def people_for_viewer(*, organization: Organization) -> QuerySet[Membership]:
    """Everyone in the organization, people who have left (deactivated) included, last."""
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .prefetch_related("units")
        .order_by("-user__is_active", "user__last_name", "user__first_name", "user__email")
    )


def transcript(*, membership: Membership, today: date) -> Transcript:
    """Every completion (revoked ones shown as such), session and external record of one
    person in one organization, newest first."""
    user = membership.user
    organization = membership.organization
    labels = {
        "online": _("Online course"),
        "session": _("Instructor-led session"),
        "external": _("External training"),
    }
    entries: list[TranscriptEntry] = []
    completions = Completion.objects.filter(organization=organization, user=user).select_related(
        "course_version__course", "certificate", "session"
    )
    for completion in completions:
        certificate = getattr(completion, "certificate", None)
        status = (
            certificate_status(certificate=certificate, today=today) if certificate else "valid"
        )
        title = completion.course_version.title
        if completion.session is not None:
            title = f"{completion.session.title} ({title})"
        entries.append(
            TranscriptEntry(
                kind=completion.source,
                kind_label=labels.get(completion.source, completion.source),
                completed_on=completion.completed_on,
                title=title,
                minutes=completion.credit_minutes,
                score_percent=completion.score_percent,
                course_version=completion.course_version.label,
                certificate_id=certificate.pk if certificate else "",
                status=status,
            )
        )
    for record in ExternalRecord.objects.filter(organization=organization, user=user):
        entries.append(
            TranscriptEntry(
                kind="external",
                kind_label=labels["external"],
                completed_on=record.completed_on,
                title=f"{record.title} ({record.provider})",
                minutes=record.minutes,
                score_percent=None,
                course_version=record.approval,
                certificate_id=f"sha256:{record.certificate_sha256[:16]}",
                status="recorded",
            )
        )
    entries.sort(key=lambda entry: entry.completed_on, reverse=True)
    booked = list(
        SessionSeat.objects.filter(
            session__organization=organization, user=user, attended__isnull=True
        ).select_related("session")
    )
    return Transcript(
        organization=organization,
        membership_id=membership.pk,
        name=user.get_full_name() or user.email,
        email=user.email,
        active=user.is_active,
        entries=entries,
        sessions_booked=booked,
    )


# Sessions -------------------------------------------------------------------------------------


def sessions_for_member(*, user: User | AnonymousUser) -> QuerySet[Session]:
    organizations = [membership.organization_id for membership in memberships_for(user)]
    return (
        Session.objects.filter(organization_id__in=organizations)
        .select_related("course", "instructor", "organization")
        .order_by("starts_at", "pk")
    )


def get_session_for_member(*, user: User | AnonymousUser, pk: int) -> Session:
    try:
        return sessions_for_member(user=user).get(pk=pk)
    except Session.DoesNotExist:
        raise Http404 from None


def can_take_attendance(*, user: User | AnonymousUser, session: Session) -> bool:
    """The session's instructor and the organization's administrators."""
    return session.instructor_id == user.pk or session.organization_id in organization_ids_with(
        user=user, roles=MANAGERS
    )


# Questions ----------------------------------------------------------------------------------------


def questions_for_item(*, assignment: Assignment, kind: str, item_id: str) -> list[Question]:
    """What a learner sees under a lesson or scenario: answered questions the trainers
    shared with the organization, and the learner's own (answered or not)."""
    return list(
        Question.objects.filter(
            organization_id=assignment.organization_id,
            course_id=assignment.course_id,
            kind=kind,
            item_id=item_id,
        )
        .filter(Q(shared=True, answered_at__isnull=False) | Q(asked_by_id=assignment.user_id))
        .select_related("asked_by")
        .order_by("created_at", "pk")
    )


def questions_for_manager(*, user: User | AnonymousUser, organization: Organization) -> Any:
    if organization.pk not in organization_ids_with(user=user, roles=MANAGERS):
        raise Http404
    return (
        Question.objects.filter(organization=organization)
        .select_related("asked_by", "course")
        .order_by("answered_at", "-created_at")
    )


def get_question_for_manager(*, user: User | AnonymousUser, pk: int) -> Question:
    try:
        return Question.objects.select_related("asked_by", "course", "organization").get(
            pk=pk, organization_id__in=organization_ids_with(user=user, roles=MANAGERS)
        )
    except Question.DoesNotExist:
        raise Http404 from None


# Sites with placements -------------------------------------------------------------------------


@dataclass
class SiteTraining:
    placement: Placement
    staff: int
    trained: int
    scope: str


def site_training(*, user: User | AnonymousUser, today: date) -> list[SiteTraining]:
    """For each placement, whether the staff who work there hold current training.

    A placement's staff are the members of its unit, or the whole organization when it has
    no unit. "Trained" means at least one completion that is neither expired nor revoked.
    """
    organization_ids = organization_ids_with(user=user, roles=VIEWERS)
    placements = list(
        Placement.objects.filter(organization_id__in=organization_ids).order_by("public_name")
    )
    memberships = Membership.objects.filter(
        organization_id__in=organization_ids, user__is_active=True
    ).prefetch_related("units")
    staff_by_org: dict[int, set[int]] = defaultdict(set)
    staff_by_unit: dict[int, set[int]] = defaultdict(set)
    for membership in memberships:
        staff_by_org[membership.organization_id].add(membership.user_id)
        for unit in membership.units.all():
            staff_by_unit[unit.pk].add(membership.user_id)
    trained = set(
        Completion.objects.filter(organization_id__in=organization_ids)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .exclude(certificate__revoked_at__isnull=False)
        .values_list("user_id", flat=True)
    )
    sites = []
    for placement in placements:
        # A placement with a unit is staffed by that unit; without one, by its organization.
        unit_id = placement.unit_id
        staff = staff_by_unit[unit_id] if unit_id else staff_by_org[placement.organization_id]
        sites.append(
            SiteTraining(
                placement=placement,
                staff=len(staff),
                trained=len(staff & trained),
                scope=_("unit") if unit_id else _("whole organization"),
            )
        )
    return sites


# Public ----------------------------------------------------------------------------------------


def certificate_for_public(*, pk: str) -> Certificate:
    """A certificate by its unguessable id, for the public verification page."""
    if not pk.isalnum() or len(pk) > 32:
        raise Http404
    try:
        return Certificate.objects.select_related("organization").get(pk=pk.lower())
    except Certificate.DoesNotExist:
        raise Http404 from None


def certificate_status(*, certificate: Certificate, today: date) -> str:
    if certificate.revoked_at is not None:
        return "revoked"
    if certificate.expires_on is not None and certificate.expires_on < today:
        return "expired"
    return "valid"


def printed_name(*, certificate: Certificate) -> str:
    """The name as printed, or only its initials when the organization asks for that."""
    training = getattr(certificate.organization, "training_settings", None)
    if training is not None and training.verify_shows_initials:
        return " ".join(f"{part[0]}." for part in certificate.name_as_printed.split() if part)
    return certificate.name_as_printed
