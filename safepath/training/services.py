"""Writes for training: loading content, assigning, progress, attempts, completions,
certificates, recertification and reminders.

Completions are only ever added (``completion_record``); recertification adds assignments.
Every multi-row write is one transaction, so a failure leaves nothing half-saved.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from safepath.accounts.models import Membership, Organization, Role, Unit, User
from safepath.core.audit import audit_record
from safepath.core.jobs import claim_due
from safepath.training import selectors
from safepath.training.content import CourseFile
from safepath.training.mandates import MANDATES, VERIFIED_ON
from safepath.training.models import (
    LOCAL_LESSON_MAX_CHARS,
    ORGANIZATION_LESSONS,
    Assignment,
    AssignmentSource,
    Attempt,
    Certificate,
    Completion,
    CompletionSource,
    Course,
    CourseVersion,
    ExternalRecord,
    Language,
    LessonProgress,
    LicenceRenewal,
    LocalLesson,
    Question,
    Reminder,
    ReminderKind,
    Requirement,
    RequirementStanding,
    ScenarioRun,
    Session,
    SessionSeat,
    TrainingSettings,
)
from safepath.training.recurrence import Status, add_months, expiry_after, next_expiry

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 60
DEFAULT_REMINDER_DAYS = 14
MAX_WINDOW_DAYS = 365  # a due-soon window or grace period longer than a year is a typo


# Content -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadResult:
    created: list[CourseVersion]
    unchanged: list[str]


@transaction.atomic
def course_versions_load(*, files: Iterable[CourseFile]) -> LoadResult:
    """A new immutable version for each file whose content changed; nothing for the others."""
    created: list[CourseVersion] = []
    unchanged: list[str] = []
    for course_file in files:
        data = course_file.data
        course, _created = Course.objects.get_or_create(
            slug=course_file.slug, defaults={"sector": data["course"]["sector"]}
        )
        versions = CourseVersion.objects.filter(course=course, language=course_file.language)
        if versions.filter(sha256=course_file.sha256).exists():
            unchanged.append(f"{course.slug}/{course_file.language}")
            continue
        latest = versions.order_by("-number").first()
        created.append(
            CourseVersion.objects.create(
                course=course,
                language=course_file.language,
                number=(latest.number + 1) if latest else 1,
                sha256=course_file.sha256,
                title=data["course"]["title"],
                data=data,
            )
        )
    if created:
        # Which courses teach a requirement's topics may have changed with the new content.
        standings_refresh_requirements(
            requirements=[
                requirement
                for requirement in Requirement.objects.filter(organization__isnull=False)
                if requirement.topics
            ]
        )
    return LoadResult(created=created, unchanged=unchanged)


@transaction.atomic
def requirements_load_library() -> int:
    """Create or refresh the library of real mandates (requirements with no organization)."""
    count = 0
    for spec in MANDATES:
        fields = {key: value for key, value in spec.items() if key not in {"code", "course"}}
        fields["course"] = Course.objects.filter(slug=spec["course"]).first()
        fields["verified_on"] = VERIFIED_ON
        Requirement.objects.update_or_create(organization=None, code=spec["code"], defaults=fields)
        count += 1
    return count


def requirement_code(*, template: Requirement, unit: Unit | None, role: str) -> str:
    """The code an adopted mandate gets: the library's, plus the unit and role it applies
    to, so one mandate can be adopted for several units or roles side by side."""
    parts = [template.code, unit.slug if unit is not None else "", role]
    return "-".join(part for part in parts if part)[:80]


@transaction.atomic
def requirement_adopt(
    *,
    organization: Organization,
    template: Requirement,
    unit: Unit | None = None,
    role: str = "",
    code: str | None = None,
    actor: User | None = None,
) -> Requirement:
    """Copy a library mandate into an organization, applied to a unit and/or role.

    Adopting again under the same code refreshes the copy (and brings a retired one back).
    """
    if template.organization_id is not None:
        raise ValidationError(_("Only requirements from the library can be adopted."))
    if unit is not None and unit.organization_id != organization.pk:
        raise ValidationError(_("That unit belongs to another organization."))
    if role and role not in dict(Role.choices):
        raise ValidationError(_("Please choose a role from the list."))
    fields = {
        field.name: getattr(template, field.name)
        for field in Requirement._meta.concrete_fields
        if field.name not in {"id", "organization", "code", "unit", "role", "retired_at"}
    }
    requirement, created = Requirement.objects.update_or_create(
        organization=organization,
        code=code or template.code,
        defaults={**fields, "unit": unit, "role": role, "retired_at": None},
    )
    standings_refresh_requirements(requirements=[requirement])
    if actor is not None:
        audit_record(
            actor=actor,
            organization=organization,
            action="training.requirement_adopted",
            object_type="requirement",
            object_ref=str(requirement.pk),
            detail=f"{requirement.code} from library {template.code}"
            f"{'' if created else ' (again)'}",
        )
    return requirement


MAX_INTERVAL_MONTHS = 120
MAX_INITIAL_DAYS = 3650


@transaction.atomic
def requirement_create(
    *,
    organization: Organization,
    title: str,
    course: Course,
    recurrence: str,
    interval_months: int = 12,
    initial_days: int = 30,
    minimum_minutes: int | None = None,
    unit: Unit | None = None,
    role: str = "",
    anniversary_month: int = 1,
    anniversary_day: int = 1,
    actor: User,
) -> Requirement:
    """An organization's own requirement beside the library: an annual refresher, a course
    within 30 days of hire... Its code is derived from the title and kept unique."""
    from django.utils.text import slugify

    from safepath.training.recurrence import Recurrence

    title = title.strip()
    if not title or len(title) > 200:
        raise ValidationError(_("Please give the requirement a title (up to 200 characters)."))
    if recurrence not in {r.value for r in Recurrence}:
        raise ValidationError(_("Please choose how often it recurs from the list."))
    if not 1 <= interval_months <= MAX_INTERVAL_MONTHS:
        raise ValidationError(_("Please give an interval between 1 and 120 months."))
    if not 0 <= initial_days <= MAX_INITIAL_DAYS:
        raise ValidationError(_("Please give a first deadline between 0 and 3650 days."))
    if minimum_minutes is not None and not 1 <= minimum_minutes <= 6000:
        raise ValidationError(_("Please give minimum minutes between 1 and 6000, or none."))
    if not (1 <= anniversary_month <= 12 and 1 <= anniversary_day <= 31):
        raise ValidationError(_("Please give a valid anniversary month and day."))
    if unit is not None and unit.organization_id != organization.pk:
        raise ValidationError(_("That unit belongs to another organization."))
    if role and role not in dict(Role.choices):
        raise ValidationError(_("Please choose a role from the list."))
    if not course.versions.exists():
        raise ValidationError(_("That course has no content loaded."))
    base = f"own-{slugify(title)[:60] or 'requirement'}"
    code, n = base, 1
    while Requirement.objects.filter(organization=organization, code=code).exists():
        n += 1
        code = f"{base}-{n}"
    requirement = Requirement.objects.create(
        organization=organization,
        code=code,
        title=title,
        jurisdiction=organization.name[:80],
        course=course,
        recurrence=recurrence,
        interval_months=interval_months,
        initial_days=initial_days,
        minimum_minutes=minimum_minutes,
        unit=unit,
        role=role,
        anniversary_month=anniversary_month,
        anniversary_day=anniversary_day,
    )
    standings_refresh_requirements(requirements=[requirement])
    audit_record(
        actor=actor,
        organization=organization,
        action="training.requirement_created",
        object_type="requirement",
        object_ref=str(requirement.pk),
        detail=f"{code}: {recurrence}, every {interval_months} months, first due "
        f"{initial_days} days after hire, course {course.slug}",
    )
    return requirement


@transaction.atomic
def requirement_update(
    *, requirement: Requirement, due_soon_days: int, grace_days: int, actor: User
) -> Requirement:
    """Change a requirement's due-soon window and grace period (in days)."""
    if requirement.organization is None:
        raise ValidationError(_("Library requirements cannot be changed here."))
    for value in (due_soon_days, grace_days):
        if not 0 <= value <= MAX_WINDOW_DAYS:
            raise ValidationError(
                _("Please give a number of days between 0 and %(max)d.") % {"max": MAX_WINDOW_DAYS}
            )
    before = (requirement.due_soon_days, requirement.grace_days)
    requirement.due_soon_days, requirement.grace_days = due_soon_days, grace_days
    requirement.save(update_fields=["due_soon_days", "grace_days"])
    # The window decides whether a renewal kept its cycle (from expiry, anniversary).
    standings_refresh_requirements(requirements=[requirement])
    audit_record(
        actor=actor,
        organization=requirement.organization,
        action="training.requirement_updated",
        object_type="requirement",
        object_ref=str(requirement.pk),
        detail=f"{requirement.code}: due soon {before[0]}->{due_soon_days} days, "
        f"grace {before[1]}->{grace_days} days",
    )
    return requirement


@transaction.atomic
def requirement_retire(*, requirement: Requirement, actor: User) -> Requirement:
    """Stop a requirement: no new cycles, gone from the compliance view. Its rows stay, and
    assignments it already created stay open for whoever is taking them."""
    if requirement.organization is None:
        raise ValidationError(_("Library requirements cannot be changed here."))
    if requirement.retired_at is None:
        requirement.retired_at = timezone.now()
        requirement.save(update_fields=["retired_at"])
        audit_record(
            actor=actor,
            organization=requirement.organization,
            action="training.requirement_retired",
            object_type="requirement",
            object_ref=str(requirement.pk),
            detail=requirement.code,
        )
    return requirement


@transaction.atomic
def local_lesson_save(
    *,
    organization: Organization,
    course: Course,
    lesson_id: str,
    texts: dict[str, str],
    actor: User,
) -> None:
    """Save an organization's own text for a lesson it fills in, per language. An empty
    text removes that language's version, so learners see the placeholder again."""
    if (course.slug, lesson_id) not in ORGANIZATION_LESSONS:
        raise ValidationError(_("Your organization cannot change that lesson."))
    for language, body in texts.items():
        if language not in dict(Language.choices):
            raise ValidationError(_("Please choose a language from the list."))
        if len(body) > LOCAL_LESSON_MAX_CHARS:
            raise ValidationError(
                _("Please keep the lesson under %(n)d characters.") % {"n": LOCAL_LESSON_MAX_CHARS}
            )
    changed = []
    for language, raw in texts.items():
        body = raw.strip()
        lookup = {
            "organization": organization,
            "course": course,
            "lesson_id": lesson_id,
            "language": language,
        }
        if not body:
            if LocalLesson.objects.filter(**lookup).delete()[0]:
                changed.append(f"{language} cleared")
            continue
        lesson, created = LocalLesson.objects.get_or_create(
            **lookup, defaults={"body": body, "updated_by": actor}
        )
        if created or lesson.body != body:
            lesson.body, lesson.updated_by = body, actor
            lesson.save()
            changed.append(f"{language} {len(body)} chars")
    if changed:
        audit_record(
            actor=actor,
            organization=organization,
            action="training.local_lesson_saved",
            object_type="lesson",
            object_ref=f"{course.slug}/{lesson_id}"[:64],
            detail=", ".join(changed),
        )


# Assignments and progress ----------------------------------------------------------------


@transaction.atomic
def assignments_create(
    *,
    organization: Organization,
    course: Course,
    due_on: date | None,
    assigned_by: User | None,
    users: Iterable[User] = (),
    unit: Unit | None = None,
    role: str = "",
    valid_months: int | None = None,
) -> list[Assignment]:
    """Assign a course to people, everyone in a unit, or everyone with a role.

    Units and roles expand to the people in them today (a snapshot, so that a person who
    joins later is assigned by a requirement, not silently by an old assignment). People
    who already have an open assignment for the course keep theirs.
    """
    members = Membership.objects.filter(organization=organization, user__is_active=True)
    if unit is not None:
        if unit.organization_id != organization.pk:
            raise ValidationError(_("That unit belongs to another organization."))
        members, source = members.filter(units=unit), AssignmentSource.UNIT
    elif role:
        members, source = members.filter(role=role), AssignmentSource.ROLE
    else:
        user_ids = [user.pk for user in users]
        members, source = members.filter(user_id__in=user_ids), AssignmentSource.PERSON
        if len(set(user_ids)) != members.count():
            raise ValidationError(_("Some of those people are not in this organization."))
    if not course.versions.exists():
        raise ValidationError(_("That course has no content loaded."))
    busy = set(
        Assignment.objects.filter(
            organization=organization,
            course=course,
            completed_at__isnull=True,
            cancelled_at__isnull=True,
        ).values_list("user_id", flat=True)
    )
    # A valid completion (not expired, certificate not revoked) satisfies a new assignment:
    # people who hold one are not sent back through the course.
    busy |= selectors.holders_of_valid_completion(
        organization=organization, course=course, today=timezone.localdate()
    )
    created = Assignment.objects.bulk_create(
        Assignment(
            organization=organization,
            user_id=membership.user_id,
            course=course,
            source=source,
            due_on=due_on,
            valid_months=valid_months,
            assigned_by=assigned_by,
        )
        for membership in members.distinct()
        if membership.user_id not in busy
    )
    target = (
        f"unit {unit.slug}"
        if unit is not None
        else f"role {role}"
        if role
        else f"{len(created)} person(s)"
    )
    audit_record(
        actor=assigned_by,
        organization=organization,
        action="training.course_assigned",
        object_type="course",
        object_ref=course.slug,
        detail=f"{course.slug} to {target}: {len(created)} assignment(s), due {due_on or '-'}",
    )
    return created


@transaction.atomic
def assignment_self_enrol(*, user: User, organization: Organization, course: Course) -> Assignment:
    training = TrainingSettings.objects.filter(organization=organization).first()
    if training is not None and not training.self_enrolment:
        raise ValidationError(_("Your organization does not allow self-enrolment."))
    if not Membership.objects.filter(user=user, organization=organization).exists():
        raise ValidationError(_("You are not a member of that organization."))
    existing = Assignment.objects.filter(
        user=user,
        organization=organization,
        course=course,
        completed_at__isnull=True,
        cancelled_at__isnull=True,
    ).first()
    if existing is not None:
        return existing
    return Assignment.objects.create(
        organization=organization, user=user, course=course, source=AssignmentSource.SELF
    )


@transaction.atomic
def assignment_cancel(*, assignment: Assignment) -> None:
    if assignment.is_open:
        assignment.cancelled_at = timezone.now()
        assignment.save(update_fields=["cancelled_at"])


def assignment_set_language(*, assignment: Assignment, language: str) -> None:
    if language not in dict(selectors.available_languages(course=assignment.course)):
        raise ValidationError(_("This course is not available in that language."))
    Assignment.objects.filter(pk=assignment.pk).update(language=language)
    assignment.language = language


def _lesson(assignment: Assignment, lesson_id: str) -> tuple[list[dict[str, Any]], int]:
    lessons = selectors.version_for(assignment=assignment).data["lessons"]
    index = next((i for i, lesson in enumerate(lessons) if lesson["id"] == lesson_id), None)
    if index is None:
        raise ValidationError(_("There is no such lesson in this course."))
    return lessons, index


@transaction.atomic
def lesson_open(*, assignment: Assignment, lesson_id: str) -> LessonProgress:
    """Open a lesson: only the next unread one (or one already read). The server notes
    when, so the time spent reading is measured here, not claimed by the browser."""
    lessons, index = _lesson(assignment, lesson_id)
    read = set(
        assignment.lessons.filter(completed_at__isnull=False).values_list("lesson_id", flat=True)
    )
    if any(lesson["id"] not in read for lesson in lessons[:index]):
        raise ValidationError(_("Please read the lessons in order."))
    progress, _created = LessonProgress.objects.get_or_create(
        assignment=assignment, lesson_id=lesson_id
    )
    return progress


@transaction.atomic
def lesson_complete(*, assignment: Assignment, lesson_id: str) -> LessonProgress:
    """Mark a lesson read: it must have been opened, in order, long enough ago to read it."""
    lessons, index = _lesson(assignment, lesson_id)
    progress = (
        LessonProgress.objects.select_for_update()
        .filter(assignment=assignment, lesson_id=lesson_id)
        .first()
    )
    if progress is None:
        raise ValidationError(_("Please open the lesson and read it first."))
    if progress.completed_at is not None:
        return progress
    elapsed = int((timezone.now() - progress.opened_at).total_seconds())
    needed = selectors.lesson_minimum_seconds(lessons[index])
    if elapsed < needed:
        raise ValidationError(
            _("Please take the time to read this lesson: about %(n)d more seconds.")
            % {"n": needed - elapsed}
        )
    progress.completed_at = timezone.now()
    progress.seconds = min(elapsed, selectors.LESSON_CAP_SECONDS)
    progress.save(update_fields=["completed_at", "seconds"])
    return progress


@transaction.atomic
def scenario_choose(
    *, assignment: Assignment, scenario_id: str, node_id: str, choice: int
) -> ScenarioRun:
    """Record one choice. ``node_id`` must be where the learner is, so a resubmitted form
    (back button, double click) cannot record a step twice or skip ahead."""
    scenario = selectors.scenario_of(assignment=assignment, scenario_id=scenario_id)
    run, _created = ScenarioRun.objects.select_for_update().get_or_create(
        assignment=assignment, scenario_id=scenario_id
    )
    if run.finished_at is not None:
        raise ValidationError(_("This scenario is finished. Start it again to try other choices."))
    current = selectors.scenario_position(scenario=scenario, run=run)
    if current != node_id:
        raise ValidationError(_("That step was already answered. Here is where you are now."))
    choices = scenario["nodes"][node_id]["choices"]
    if not 0 <= choice < len(choices):
        raise ValidationError(_("Please pick one of the choices."))
    picked = choices[choice]
    if not run.path:
        run.started_at = timezone.now()
    run.path = [*run.path, [node_id, choice]]
    run.score += int(picked["score"])
    if picked.get("end"):
        run.finished_at = timezone.now()
        played = int((run.finished_at - run.started_at).total_seconds())
        run.seconds += min(played, selectors.SCENARIO_CAP_SECONDS)
    run.save()
    return run


def scenario_restart(*, assignment: Assignment, scenario_id: str) -> None:
    selectors.scenario_of(assignment=assignment, scenario_id=scenario_id)
    ScenarioRun.objects.filter(assignment=assignment, scenario_id=scenario_id).update(
        path=[], score=0, finished_at=None, started_at=timezone.now()
    )


# Assessment -------------------------------------------------------------------------------


@transaction.atomic
def attempt_start(*, assignment: Assignment) -> Attempt:
    """Draw this attempt's questions from the bank, spread across topics, order shuffled."""
    if not assignment.is_open:
        raise ValidationError(_("This assignment is already complete."))
    Assignment.objects.select_for_update().filter(pk=assignment.pk).first()
    open_attempt = assignment.attempts.filter(submitted_at__isnull=True).first()
    if open_attempt is not None:
        return open_attempt
    blockers = selectors.progress_of(assignment=assignment).blockers
    if blockers:
        raise ValidationError(blockers)
    version = selectors.version_for(assignment=assignment)
    assessment = version.data["assessment"]
    used = assignment.attempts.count()
    if used >= assessment["max_attempts"]:
        raise ValidationError(_("You have used all your attempts for this assessment."))
    rng = random.SystemRandom()
    by_topic: dict[str, list[dict[str, Any]]] = {}
    for question in assessment["questions"]:
        by_topic.setdefault(question["topic"], []).append(question)
    for questions in by_topic.values():
        rng.shuffle(questions)
    drawn: list[dict[str, Any]] = []
    # Round-robin over topics so an attempt covers as many topics as it can.
    while len(drawn) < assessment["questions_per_attempt"]:
        for questions in by_topic.values():
            if questions and len(drawn) < assessment["questions_per_attempt"]:
                drawn.append(questions.pop())
    rng.shuffle(drawn)
    picked = []
    for question in drawn:
        order = list(range(len(question["choices"])))
        rng.shuffle(order)
        picked.append({"id": question["id"], "order": order})
    return Attempt.objects.create(assignment=assignment, number=used + 1, questions=picked)


@transaction.atomic
def attempt_submit(*, attempt: Attempt, answers: dict[str, int]) -> Attempt:
    """Score an attempt; a pass completes the assignment and issues a certificate."""
    attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.submitted_at is not None:
        raise ValidationError(_("This attempt was already submitted."))
    version = selectors.version_for(assignment=attempt.assignment)
    bank = {q["id"]: q for q in version.data["assessment"]["questions"]}
    missing = [q["id"] for q in attempt.questions if q["id"] not in answers]
    if missing:
        raise ValidationError(_("Please answer every question before you submit."))
    correct = 0
    for item in attempt.questions:
        question = bank[item["id"]]
        position = answers[item["id"]]
        if not 0 <= position < len(question["choices"]):
            raise ValidationError(_("Please pick one of the choices for every question."))
        correct += bool(question["choices"][position].get("correct"))
    attempt.answers = {key: answers[key] for key in bank.keys() & answers.keys()}
    attempt.score_percent = round(100 * correct / len(attempt.questions))
    attempt.passed = attempt.score_percent >= version.data["assessment"]["pass_mark"]
    attempt.submitted_at = timezone.now()
    attempt.save()
    if attempt.passed:
        spent = selectors.seconds_spent(assignment=attempt.assignment) // 60
        length = int(version.data["course"].get("estimated_minutes") or spent)
        completion = completion_record(
            assignment=attempt.assignment,
            version=version,
            completed_on=timezone.localdate(),
            score_percent=attempt.score_percent,
            minutes_spent=spent,
            credit_minutes=min(spent, length),
        )
        certificate_issue(completion=completion)
    return attempt


# Completions and certificates ------------------------------------------------------------


@transaction.atomic
def completion_record(
    *,
    assignment: Assignment,
    version: CourseVersion,
    completed_on: date,
    score_percent: int | None,
    minutes_spent: int | None = None,
    credit_minutes: int | None = None,
    source: str = CompletionSource.ONLINE,
    session: Session | None = None,
) -> Completion:
    """Append a completion, close the assignment (and any other open one for the course)."""
    expires_on: date | None = None
    if assignment.requirement is not None:
        previous = selectors.current_expiry(
            user=assignment.user, requirement=assignment.requirement
        )
        expires_on = next_expiry(assignment.requirement.rule, completed_on, previous)
    elif assignment.valid_months:
        expires_on = add_months(completed_on, assignment.valid_months)
    completion = Completion.objects.create(
        organization=assignment.organization,
        user=assignment.user,
        course=assignment.course,
        course_version=version,
        assignment=assignment,
        completed_on=completed_on,
        score_percent=score_percent,
        expires_on=expires_on,
        minutes_spent=minutes_spent,
        credit_minutes=credit_minutes,
        source=source,
        session=session,
    )
    Assignment.objects.filter(
        organization=assignment.organization,
        user=assignment.user,
        course=assignment.course,
        completed_at__isnull=True,
        cancelled_at__isnull=True,
    ).update(completed_at=timezone.now())
    assignment.completed_at = timezone.now()
    standings_refresh_person(user_id=assignment.user_id)
    return completion


# Stored standings ---------------------------------------------------------------------------


def _lock_people(user_ids: Iterable[int]) -> list[int]:
    """Hold each person's row until the transaction ends, in id order (no deadlock), so two
    refreshes of one person's standings run one after the other and the second sees the
    first's credits. SQLite's write lock already serializes writers."""
    return list(
        User.objects.select_for_update()
        .filter(pk__in=sorted(set(user_ids)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


STANDINGS_BATCH = 2000  # people per query: well under SQLite's limit on parameters


def _standings_write(*, requirements: list[Requirement], user_ids: list[int]) -> int:
    """Recompute the stored standing of these people on these requirements from their
    credits (``selectors.requirement_credits``, the rules the view has always used)."""
    if len(user_ids) > STANDINGS_BATCH:
        return sum(
            _standings_write(
                requirements=requirements, user_ids=user_ids[start : start + STANDINGS_BATCH]
            )
            for start in range(0, len(user_ids), STANDINGS_BATCH)
        )
    if not requirements or not user_ids:
        return 0
    found = selectors.requirement_credits(requirements=requirements, user_ids=user_ids)
    rows = []
    for requirement in requirements:
        rule = requirement.rule
        for user_id in user_ids:
            credits = found.get((requirement.pk, user_id))
            if not credits:
                continue
            last = credits[-1]
            rows.append(
                RequirementStanding(
                    requirement=requirement,
                    user_id=user_id,
                    credits=len(credits),
                    expires_on=expiry_after(rule, [credit.completed_on for credit in credits]),
                    last_kind=last.kind,
                    last_completed_on=last.completed_on,
                    last_minutes=last.minutes,
                    last_certificate_id=last.certificate_id,
                    last_score_percent=last.score_percent,
                    last_course_version=last.course_version[:300],
                )
            )
    kept = {(row.requirement.pk, row.user_id) for row in rows}
    stale = [
        pk
        for pk, requirement_id, user_id in RequirementStanding.objects.filter(
            requirement__in=requirements, user_id__in=user_ids
        ).values_list("pk", "requirement_id", "user_id")
        if (requirement_id, user_id) not in kept
    ]
    if stale:
        RequirementStanding.objects.filter(pk__in=stale).delete()
    RequirementStanding.objects.bulk_create(
        rows,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["requirement", "user"],
        update_fields=[
            "credits",
            "expires_on",
            "last_kind",
            "last_completed_on",
            "last_minutes",
            "last_certificate_id",
            "last_score_percent",
            "last_course_version",
            "refreshed_at",
        ],
    )
    return len(rows)


@transaction.atomic
def standings_refresh_person(*, user_id: int) -> int:
    """Recompute one person's stored standings on every requirement of every organization
    they belong to (a credit counts wherever it was earned). Called, in the same
    transaction, by every write that adds or withdraws a credit: a completion, a revoked
    certificate, an external record, a new membership."""
    _lock_people([user_id])
    requirements = list(
        Requirement.objects.filter(
            organization__in=Membership.objects.filter(user_id=user_id).values("organization_id")
        )
    )
    return _standings_write(requirements=requirements, user_ids=[user_id])


@transaction.atomic
def standings_refresh_requirements(*, requirements: Iterable[Requirement]) -> int:
    """Recompute every member's stored standing on these requirements: after a requirement
    is created, adopted or changed, or new course content changes which courses count."""
    written = 0
    for requirement in requirements:
        if requirement.organization_id is None:
            continue  # the library is never shown against people
        people = _lock_people(
            Membership.objects.filter(organization_id=requirement.organization_id).values_list(
                "user_id", flat=True
            )
        )
        written += _standings_write(requirements=[requirement], user_ids=people)
    return written


def standings_rebuild() -> int:
    """Recompute every stored standing (``manage.py training_standings``): after a bulk
    import, or to repair rows written by hand."""
    return standings_refresh_requirements(
        requirements=Requirement.objects.filter(organization__isnull=False).order_by("pk")
    )


def name_as_printed(user: User) -> str:
    return user.get_full_name().strip() or user.email.split("@")[0]


@transaction.atomic
def certificate_issue(*, completion: Completion) -> Certificate:
    from safepath.training.pdf import certificate_pdf

    existing = Certificate.objects.filter(completion=completion).first()
    if existing is not None:
        return existing
    version = completion.course_version
    certificate = Certificate(
        completion=completion,
        organization=completion.organization,
        name_as_printed=name_as_printed(completion.user),
        course_title=version.title,
        version_label=version.label,
        issued_on=completion.completed_on,
        expires_on=completion.expires_on,
    )
    certificate.pdf = certificate_pdf(certificate=certificate)
    certificate.pdf_sha256 = hashlib.sha256(certificate.pdf).hexdigest()
    certificate.save(force_insert=True)
    # The compliance export names the newest credit's certificate.
    standings_refresh_person(user_id=completion.user_id)
    return certificate


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, revoked_by: User, reason: str) -> Certificate:
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Please say why the certificate is revoked."))
    if len(reason) > 300:
        raise ValidationError(_("Please keep the reason under 300 characters."))
    if certificate.revoked_at is None:
        certificate.revoked_at = timezone.now()
        certificate.revoked_by = revoked_by
        certificate.revocation_reason = reason
        certificate.save(update_fields=["revoked_at", "revoked_by", "revocation_reason"])
        standings_refresh_person(user_id=certificate.completion.user_id)
        audit_record(
            actor=revoked_by,
            organization=certificate.organization,
            action="training.certificate_revoked",
            object_type="certificate",
            object_ref=str(certificate.pk)[:64],
            detail=reason,
        )
    return certificate


# Recertification and reminders -----------------------------------------------------------


@transaction.atomic
def requirements_sweep(*, today: date | None = None) -> int:
    """Give every person a requirement applies to an assignment for their current cycle.

    A new person gets one at once (due N days after they started); someone whose training
    is about to lapse gets a new one when the due-soon window opens. The unique
    (person, requirement, due date) constraint makes the sweep safe to repeat.
    """
    today = today or timezone.localdate()
    created = 0
    for requirement in Requirement.objects.filter(
        organization__isnull=False, retired_at__isnull=True
    ).select_related("organization"):
        course = selectors.requirement_course(requirement=requirement)
        if course is None or requirement.organization is None:
            continue
        for person in selectors.requirement_standings(requirement=requirement, today=today):
            standing = person.standing
            if standing.due_on is None or standing.status == Status.COMPLIANT:
                continue
            _assignment, was_created = Assignment.objects.get_or_create(
                user_id=person.user_id,
                requirement=requirement,
                due_on=standing.due_on,
                defaults={
                    "organization": requirement.organization,
                    "course": course,
                    "source": AssignmentSource.REQUIREMENT,
                },
            )
            created += was_created
    return created


def reminders_queue(*, today: date | None = None) -> int:
    """Add a reminder row for each open assignment entering its window and each certificate
    that has expired. One row per kind ever, so nobody is reminded twice."""
    today = today or timezone.localdate()
    rows: list[Reminder] = []
    horizon = today + timedelta(days=max(DEFAULT_REMINDER_DAYS, 0))
    due = (
        Assignment.objects.filter(
            completed_at__isnull=True, cancelled_at__isnull=True, due_on__isnull=False
        )
        .filter(Q(requirement__isnull=True, due_on__lte=horizon) | Q(requirement__isnull=False))
        .select_related("requirement")
        .exclude(reminder__kind=ReminderKind.DUE_SOON)
    )
    for assignment in due:
        window = assignment.requirement.due_soon_days if assignment.requirement else None
        if (
            window is not None
            and assignment.due_on
            and assignment.due_on - timedelta(days=window) > today
        ):
            continue
        rows.append(
            Reminder(user_id=assignment.user_id, kind=ReminderKind.DUE_SOON, assignment=assignment)
        )
    expired = (
        Certificate.objects.filter(expires_on__lte=today, revoked_at__isnull=True)
        .exclude(reminder__kind=ReminderKind.EXPIRED)
        .select_related("completion")
    )
    for certificate in expired:
        rows.append(
            Reminder(
                user_id=certificate.completion.user_id,
                kind=ReminderKind.EXPIRED,
                certificate=certificate,
            )
        )
    # Instructor-led sessions: everyone signed up gets one email when the session is within
    # TRAINING_SESSION_REMINDER_HOURS (a seat taken later than that still gets one, until
    # the session starts). A seat whose attendance is already recorded needs none.
    now = timezone.now()
    seats = (
        SessionSeat.objects.filter(
            attended__isnull=True,
            session__starts_at__gt=now,
            session__starts_at__lte=now + timedelta(hours=settings.TRAINING_SESSION_REMINDER_HOURS),
        )
        .exclude(reminder__kind=ReminderKind.SESSION_SOON)
        .only("pk", "user_id")
    )
    for seat in seats:
        rows.append(Reminder(user_id=seat.user_id, kind=ReminderKind.SESSION_SOON, seat=seat))
    # ignore_conflicts: a second worker that queued the same row first wins, quietly.
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def reminders_claim(*, limit: int = 20) -> list[Reminder]:
    claimed = claim_due(
        Reminder,
        due=Q(sent_at__isnull=True, attempts__lt=10),
        order="pk",
        limit=limit,
        hold_seconds=CLAIM_SECONDS,
    )
    return list(
        Reminder.objects.filter(pk__in=claimed).select_related(
            "user",
            "assignment__course",
            "certificate__completion__course_version",
            "seat__session",
        )
    )


def reminder_language(reminder: Reminder) -> str:
    """The language the learner chose for the course: the assignment's, or for an expired
    certificate the language of the course version they passed."""
    if reminder.assignment is not None:
        return reminder.assignment.language
    if reminder.certificate is not None:
        return reminder.certificate.completion.course_version.language
    return str(settings.LANGUAGE_CODE)


def reminder_message(reminder: Reminder) -> tuple[str, str]:
    """Subject and body of a reminder email, in the learner's language."""
    with translation.override(reminder_language(reminder)):
        return _reminder_message(reminder)


def _reminder_message(reminder: Reminder) -> tuple[str, str]:
    if reminder.kind == ReminderKind.SESSION_SOON and reminder.seat is not None:
        session = reminder.seat.session
        where = session.place or session.video_url
        starts = timezone.localtime(session.starts_at)
        return (
            _("SafePath training session on %(date)s") % {"date": f"{starts:%Y-%m-%d %H:%M}"},
            _(
                "You are signed up for “%(title)s” on %(date)s (%(minutes)d minutes), "
                "%(where)s. Details: %(link)s\n"
            )
            % {
                "title": session.title,
                "date": f"{starts:%Y-%m-%d %H:%M %Z}",
                "minutes": session.minutes,
                "where": where,
                "link": f"{settings.BASE_URL}/training/sessions/{session.pk}/",
            },
        )
    if reminder.kind == ReminderKind.EXPIRED and reminder.certificate is not None:
        certificate = reminder.certificate
        return (
            _("SafePath training: your certificate has expired"),
            _(
                "Your certificate for “%(course)s” expired on %(date)s. "
                "Your organization will assign the course again; see %(link)s\n"
            )
            % {
                "course": certificate.course_title,
                "date": certificate.expires_on,
                "link": f"{settings.BASE_URL}/training/",
            },
        )
    assignment = reminder.assignment
    assert assignment is not None  # a due-soon reminder always has its assignment
    return (
        _("SafePath training due on %(date)s") % {"date": assignment.due_on},
        _("Your training “%(course)s” is due on %(date)s. Continue where you left off: %(link)s\n")
        % {
            "course": selectors.course_title(
                course=assignment.course, language=assignment.language
            ),
            "date": assignment.due_on,
            "link": f"{settings.BASE_URL}/training/a/{assignment.pk}/",
        },
    )


def reminders_send_due(*, limit: int = 20) -> int:
    claimed = reminders_claim(limit=limit)
    for reminder in claimed:
        subject, body = reminder_message(reminder)
        try:
            send_mail(subject, body, None, [reminder.user.email])
        except Exception as error:
            Reminder.objects.filter(pk=reminder.pk).update(
                attempts=reminder.attempts + 1, locked_until=None, last_error=str(error)[:300]
            )
            logger.warning("Training reminder %s failed: %s", reminder.pk, error)
            continue
        Reminder.objects.filter(pk=reminder.pk).update(
            attempts=reminder.attempts + 1, sent_at=timezone.now(), locked_until=None
        )
    return len(claimed)


_last_sweep = 0.0


def training_process_due() -> int:
    """The worker's processor: sweep (at most every TRAINING_SWEEP_SECONDS), then send."""
    global _last_sweep
    now = time.monotonic()
    if now - _last_sweep >= settings.TRAINING_SWEEP_SECONDS or _last_sweep == 0.0:
        _last_sweep = now
        try:
            requirements_sweep()
        except IntegrityError:
            # Another worker created the same cycle's assignment first; the next sweep is fine.
            logger.info("Recertification sweep raced another worker; will retry")
        reminders_queue()
    return reminders_send_due()


# Instructor-led sessions ------------------------------------------------------------------

MAX_SESSION_MINUTES = 24 * 60
MAX_CAPACITY = 1000


@transaction.atomic
def session_create(
    *,
    organization: Organization,
    course: Course,
    title: str,
    starts_at: Any,
    minutes: int,
    capacity: int,
    instructor: User,
    place: str = "",
    video_url: str = "",
    approval: str = "",
    actor: User,
) -> Session:
    """Schedule a session. The instructor must belong to the organization; a session
    happens somewhere: a place, a video link, or both."""
    if not Membership.objects.filter(organization=organization, user=instructor).exists():
        raise ValidationError(_("The instructor must be a member of your organization."))
    if not title.strip():
        raise ValidationError(_("Please give the session a title."))
    if not (place.strip() or video_url.strip()):
        raise ValidationError(_("Please give a place or a video link."))
    if not 1 <= minutes <= MAX_SESSION_MINUTES:
        raise ValidationError(_("Please give a length between 1 minute and 24 hours."))
    if not 1 <= capacity <= MAX_CAPACITY:
        raise ValidationError(
            _("Please give a capacity between 1 and %(n)d.") % {"n": MAX_CAPACITY}
        )
    if not course.versions.exists():
        raise ValidationError(_("That course has no content loaded."))
    session = Session.objects.create(
        organization=organization,
        course=course,
        title=title.strip(),
        starts_at=starts_at,
        minutes=minutes,
        capacity=capacity,
        instructor=instructor,
        place=place.strip(),
        video_url=video_url.strip(),
        approval=approval.strip(),
    )
    audit_record(
        actor=actor,
        organization=organization,
        action="training.session_created",
        object_type="session",
        object_ref=str(session.pk),
        detail=f"{session.title} on {session.starts_at:%Y-%m-%d %H:%M}, {minutes} min, "
        f"{capacity} seats, instructor {instructor.email}",
    )
    return session


@transaction.atomic
def session_sign_up(*, session: Session, user: User, actor: User | None = None) -> SessionSeat:
    """A seat for a member: they sign up, or an administrator assigns them. Full is full."""
    Session.objects.select_for_update().filter(pk=session.pk).first()
    if not Membership.objects.filter(
        organization_id=session.organization_id, user=user, user__is_active=True
    ).exists():
        raise ValidationError(_("That person is not a member of this organization."))
    existing = SessionSeat.objects.filter(session=session, user=user).first()
    if existing is not None:
        return existing
    if session.seats.count() >= session.capacity:
        raise ValidationError(_("This session is full."))
    seat = SessionSeat.objects.create(session=session, user=user)
    if actor is not None and actor.pk != user.pk:
        audit_record(
            actor=actor,
            organization=session.organization,
            action="training.session_seat_assigned",
            object_type="session",
            object_ref=str(session.pk),
            detail=user.email,
        )
    return seat


@transaction.atomic
def session_attendance(
    *, session: Session, present: Iterable[int], actor: User
) -> list[Completion]:
    """Record who attended. Each person marked present gets a completion of the session's
    course carrying the session's minutes (and a certificate); that completes their open
    assignment or requirement. Presence, once recorded, is final: completions are never
    removed (revoke the certificate to correct a mistake)."""
    present_ids = set(present)
    seats = list(SessionSeat.objects.select_for_update().filter(session=session))
    unknown = present_ids - {seat.user_id for seat in seats}
    if unknown:
        raise ValidationError(_("Only people with a seat can be marked present."))
    version = selectors.latest_version(course=session.course, language="en")
    if version is None:
        raise ValidationError(_("That course has no content loaded."))
    # Each completion refreshes its person's standings under a lock on that person: take
    # them all now, in one order, so two attendance lists never wait on each other.
    _lock_people(present_ids)
    now = timezone.now()
    completions = []
    changed = []
    for seat in seats:
        attended = seat.user_id in present_ids
        if seat.attended is True:
            continue  # final
        if seat.attended is attended:
            continue
        seat.attended, seat.marked_at, seat.marked_by = attended, now, actor
        seat.save(update_fields=["attended", "marked_at", "marked_by"])
        changed.append(f"{seat.user_id}:{'present' if attended else 'absent'}")
        if not attended:
            continue
        assignment = (
            Assignment.objects.filter(
                organization=session.organization,
                user_id=seat.user_id,
                course=session.course,
                completed_at__isnull=True,
                cancelled_at__isnull=True,
            )
            .order_by("due_on", "pk")
            .first()
        )
        if assignment is None:
            assignment = Assignment.objects.create(
                organization=session.organization,
                user_id=seat.user_id,
                course=session.course,
                source=AssignmentSource.SESSION,
                assigned_by=actor,
            )
        completion = completion_record(
            assignment=assignment,
            version=version,
            completed_on=timezone.localtime(session.starts_at).date(),
            score_percent=None,
            minutes_spent=session.minutes,
            credit_minutes=session.minutes,
            source=CompletionSource.SESSION,
            session=session,
        )
        certificate_issue(completion=completion)
        completions.append(completion)
    if changed:
        audit_record(
            actor=actor,
            organization=session.organization,
            action="training.attendance_recorded",
            object_type="session",
            object_ref=str(session.pk),
            detail=", ".join(changed)[:500],
        )
    return completions


# External training ------------------------------------------------------------------------

MAX_CERTIFICATE_BYTES = 5 * 1024 * 1024
CERTIFICATE_TYPES = {  # the file's first bytes, not its name, decide what it is
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}


def certificate_file_type(content: bytes) -> str:
    for magic, media_type in CERTIFICATE_TYPES.items():
        if content.startswith(magic):
            return media_type
    raise ValidationError(_("Please upload the certificate as a PDF, PNG or JPEG file."))


@transaction.atomic
def external_record_create(
    *,
    organization: Organization,
    user: User,
    title: str,
    provider: str,
    completed_on: date,
    minutes: int,
    certificate_name: str,
    certificate: bytes,
    requirement: Requirement | None = None,
    approval: str = "",
    actor: User,
) -> ExternalRecord:
    """Record training taken elsewhere with its hours and certificate (audited)."""
    if not Membership.objects.filter(organization=organization, user=user).exists():
        raise ValidationError(_("That person is not a member of this organization."))
    if requirement is not None and requirement.organization_id != organization.pk:
        raise ValidationError(_("Please choose one of your organization's requirements."))
    if not title.strip() or not provider.strip():
        raise ValidationError(_("Please give the course title and who provided it."))
    if completed_on > timezone.localdate():
        raise ValidationError(_("The completion date cannot be in the future."))
    if not 1 <= minutes <= 100 * 60:
        raise ValidationError(_("Please give the hours as minutes between 1 and 6000."))
    if not certificate:
        raise ValidationError(_("Please upload the certificate."))
    if len(certificate) > MAX_CERTIFICATE_BYTES:
        raise ValidationError(_("Please keep the certificate file under 5 MB."))
    media_type = certificate_file_type(certificate)
    record = ExternalRecord.objects.create(
        organization=organization,
        user=user,
        title=title.strip()[:200],
        provider=provider.strip()[:200],
        completed_on=completed_on,
        minutes=minutes,
        requirement=requirement,
        approval=approval.strip()[:200],
        certificate_name=(certificate_name or "certificate")[:200],
        certificate_type=media_type,
        certificate=certificate,
        certificate_sha256=hashlib.sha256(certificate).hexdigest(),
        recorded_by=actor,
    )
    standings_refresh_person(user_id=user.pk)
    audit_record(
        actor=actor,
        organization=organization,
        action="training.external_recorded",
        object_type="external_training",
        object_ref=str(record.pk),
        detail=f"{user.email}: {record.title} ({record.provider}), {minutes} min, "
        f"{record.completed_on}, sha256 {record.certificate_sha256[:16]}",
    )
    return record


@transaction.atomic
def licence_renewal_set(
    *, organization: Organization, user: User, renews_on: date | None, actor: User
) -> None:
    """Record (or clear) when a person's licence renews; audited."""
    if not Membership.objects.filter(organization=organization, user=user).exists():
        raise ValidationError(_("That person is not a member of this organization."))
    if renews_on is None:
        changed = LicenceRenewal.objects.filter(organization=organization, user=user).delete()[0]
    else:
        LicenceRenewal.objects.update_or_create(
            organization=organization, user=user, defaults={"renews_on": renews_on}
        )
        changed = 1
    if changed:
        audit_record(
            actor=actor,
            organization=organization,
            action="training.licence_renewal_set",
            object_type="membership",
            object_ref=str(user.pk),
            detail=f"{user.email}: {renews_on or 'cleared'}",
        )


# xAPI: the organization's learning record store ------------------------------------------


def _lrs_context(organization: Organization) -> str:
    return f"training-lrs:{organization.pk}"


@transaction.atomic
def lrs_configure(
    *, organization: Organization, endpoint: str, username: str, password: str, actor: User
) -> TrainingSettings:
    """Save the organization's LRS address and credentials (the password sealed). An
    empty password keeps the one saved before."""
    from safepath.core.crypto import organization_scope, seal_text

    endpoint = endpoint.strip()
    if endpoint and not endpoint.startswith(("https://", "http://")):
        raise ValidationError(_("The LRS address must start with https:// or http://."))
    training, _created = TrainingSettings.objects.get_or_create(organization=organization)
    training.lrs_endpoint = endpoint
    training.lrs_username = username.strip()[:200]
    if password:
        training.lrs_password_sealed = seal_text(
            scope=organization_scope(organization.pk),
            context=_lrs_context(organization),
            text=password,
        )
    training.save()
    audit_record(
        actor=actor,
        organization=organization,
        action="training.lrs_configured",
        object_type="training_settings",
        object_ref=str(training.pk),
        detail=f"endpoint {endpoint or '(none)'}, user {training.lrs_username or '(none)'}",
    )
    return training


def lrs_send(*, organization: Organization, actor: User | None) -> int:
    """Send every completion and attendance as xAPI statements to the configured LRS."""
    from safepath.core.crypto import organization_scope, unseal_text
    from safepath.training.xapi import LrsError, organization_statements, send_to_lrs

    training = TrainingSettings.objects.filter(organization=organization).first()
    if training is None or not training.lrs_endpoint:
        raise ValidationError(_("Please configure your learning record store first."))
    password = ""
    if training.lrs_password_sealed:
        password = unseal_text(
            scope=organization_scope(organization.pk),
            context=_lrs_context(organization),
            sealed=training.lrs_password_sealed,
        )
    statements = organization_statements(organization=organization)
    try:
        sent = send_to_lrs(
            endpoint=training.lrs_endpoint,
            username=training.lrs_username,
            password=password,
            statements=statements,
        )
    except LrsError as error:
        raise ValidationError(str(error)) from error
    TrainingSettings.objects.filter(pk=training.pk).update(lrs_sent_at=timezone.now())
    audit_record(
        actor=actor,
        organization=organization,
        action="training.lrs_sent",
        object_type="training_settings",
        object_ref=str(training.pk),
        detail=f"{sent} statement(s) to {training.lrs_endpoint}",
    )
    return sent


# Questions ----------------------------------------------------------------------------------


@transaction.atomic
def question_ask(
    *, assignment: Assignment, kind: str, item_id: str, text: str, anonymous: bool
) -> Question:
    """A learner asks about a lesson or scenario of the course they are taking."""
    from safepath.training.models import QUESTION_MAX_CHARS

    version = selectors.version_for(assignment=assignment)
    items = version.data["lessons"] if kind == "lesson" else version.data["scenarios"]
    if kind not in {"lesson", "scenario"} or item_id not in {item["id"] for item in items}:
        raise ValidationError(_("There is no such lesson or scenario in this course."))
    text = text.strip()
    if not text:
        raise ValidationError(_("Please write your question."))
    if len(text) > QUESTION_MAX_CHARS:
        raise ValidationError(
            _("Please keep your question under %(n)d characters.") % {"n": QUESTION_MAX_CHARS}
        )
    return Question.objects.create(
        organization=assignment.organization,
        course=assignment.course,
        kind=kind,
        item_id=item_id,
        asked_by=assignment.user,
        anonymous=anonymous,
        text=text,
    )


@transaction.atomic
def question_answer(*, question: Question, answer: str, shared: bool, actor: User) -> Question:
    """A trainer answers; a shared answer is shown to everyone taking the course."""
    from safepath.training.models import QUESTION_MAX_CHARS

    answer = answer.strip()
    if not answer:
        raise ValidationError(_("Please write an answer."))
    if len(answer) > QUESTION_MAX_CHARS:
        raise ValidationError(
            _("Please keep the answer under %(n)d characters.") % {"n": QUESTION_MAX_CHARS}
        )
    question.answer, question.shared = answer, shared
    question.answered_by, question.answered_at = actor, timezone.now()
    question.save(update_fields=["answer", "shared", "answered_by", "answered_at"])
    audit_record(
        actor=actor,
        organization=question.organization,
        action="training.question_answered",
        object_type="question",
        object_ref=str(question.pk),
        detail=f"{question.course.slug}/{question.item_id}, shared: {shared}",
    )
    return question
