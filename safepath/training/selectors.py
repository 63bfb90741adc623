"""Reads for training, scoped by tenancy: a learner sees their own, staff see their
organization's, and the public sees only a certificate's minimum."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404
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
    LocalLesson,
    Requirement,
    ScenarioRun,
)
from safepath.training.recurrence import Standing, Status, standing

MANAGERS = roles_with(Capability.TRAINING_MANAGE)
VIEWERS = roles_with(Capability.TRAINING_VIEW)


# Content ------------------------------------------------------------------------------------


def available_languages(*, course: Course) -> list[tuple[str, str]]:
    labels = dict(CourseVersion._meta.get_field("language").choices or [])
    languages = sorted(set(course.versions.values_list("language", flat=True)))
    return [(language, str(labels.get(language, language))) for language in languages]


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
    """Which courses satisfy each requirement: its course, or every course whose content
    covers all of its topics."""
    wanted: dict[int, set[int]] = {}
    coverage: dict[int, set[str]] | None = None
    for requirement in requirements:
        if requirement.course_id is not None:
            wanted[requirement.pk] = {requirement.course_id}
            continue
        if coverage is None:
            coverage = defaultdict(set)
            for version in CourseVersion.objects.only("course_id", "data"):
                coverage[version.course_id] |= version.topics
        topics = set(requirement.topics)
        wanted[requirement.pk] = {
            course_id for course_id, covered in coverage.items() if topics and topics <= covered
        }
    return wanted


def requirement_course(*, requirement: Requirement) -> Course | None:
    ids = requirement_course_ids(requirements=[requirement])[requirement.pk]
    return Course.objects.filter(pk__in=ids).order_by("slug").first()


def _valid_completions(
    *, user_ids: Any, course_ids: Iterable[int]
) -> dict[tuple[int, int], list[date]]:
    """Completion dates per (user, course), without those whose certificate was revoked."""
    dated: dict[tuple[int, int], list[date]] = defaultdict(list)
    rows = (
        Completion.objects.filter(user_id__in=user_ids, course_id__in=list(course_ids))
        .exclude(certificate__revoked_at__isnull=False)
        .values_list("user_id", "course_id", "completed_on")
    )
    for user_id, course_id, completed_on in rows:
        dated[(user_id, course_id)].append(completed_on)
    return dated


def current_expiry(*, user: User, requirement: Requirement) -> date | None:
    course_ids = requirement_course_ids(requirements=[requirement])[requirement.pk]
    dates = [
        completed_on
        for (_user, _course), days in _valid_completions(
            user_ids=[user.pk], course_ids=course_ids
        ).items()
        for completed_on in days
    ]
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
    course_ids = requirement_course_ids(requirements=[requirement])[requirement.pk]
    done = _valid_completions(user_ids=members.values("user_id"), course_ids=course_ids)
    return [
        PersonStanding(
            user_id=membership.user_id,
            standing=standing(
                requirement.rule,
                started_on=membership.hired_on or membership.created_at.date(),
                completions=[d for c in course_ids for d in done.get((membership.user_id, c), [])],
                today=today,
            ),
        )
        for membership in members
    ]


@dataclass
class ComplianceRow:
    name: str
    email: str
    membership_id: int
    hired_on: date | None
    cells: list[Standing | None]  # one per requirement; None: does not apply to this person


@dataclass
class ComplianceMatrix:
    unit: Unit
    requirements: list[Requirement]
    rows: list[ComplianceRow]
    counts: dict[str, int]
    total_people: int


def compliance_matrix(
    *, unit: Unit, today: date, offset: int = 0, limit: int | None = None
) -> ComplianceMatrix:
    """People x requirements for one unit, in a fixed number of queries whatever its size.

    Counts cover the whole unit; rows can be paged with ``offset``/``limit``.
    """
    requirements = list(
        Requirement.objects.filter(organization_id=unit.organization_id, retired_at__isnull=True)
        .filter(Q(unit__isnull=True) | Q(unit=unit))
        .order_by("title", "pk")
    )
    wanted = requirement_course_ids(requirements=requirements)
    all_courses = set().union(*wanted.values()) if wanted else set()
    members = list(
        Membership.objects.filter(units=unit, user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__email")
    )
    done = _valid_completions(
        user_ids=Membership.objects.filter(units=unit).values("user_id"), course_ids=all_courses
    )
    counts = {status.value: 0 for status in Status}
    rows: list[ComplianceRow] = []
    stop = None if limit is None else offset + limit
    for index, membership in enumerate(members):
        cells: list[Standing | None] = []
        for requirement in requirements:
            if requirement.role and requirement.role != membership.role:
                cells.append(None)
                continue
            person = standing(
                requirement.rule,
                started_on=membership.hired_on or membership.created_at.date(),
                completions=[
                    d for c in wanted[requirement.pk] for d in done.get((membership.user_id, c), [])
                ],
                today=today,
            )
            counts[person.status.value] += 1
            cells.append(person)
        if index >= offset and (stop is None or index < stop):
            user = membership.user
            rows.append(
                ComplianceRow(
                    name=user.get_full_name() or user.email,
                    email=user.email,
                    membership_id=membership.pk,
                    hired_on=membership.hired_on,
                    cells=cells,
                )
            )
    return ComplianceMatrix(
        unit=unit, requirements=requirements, rows=rows, counts=counts, total_people=len(members)
    )


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
