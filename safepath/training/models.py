"""Training: course versions, requirements, assignments, progress, completions, certificates.

Course content is global (shipped in ``content/training/``); everything about people is owned
by one organization. Completions are append-only: the audit trail of who trained when, on
which exact course version, is never rewritten; recertification adds rows.
"""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepath.accounts.models import Organization, Role, Unit
from safepath.training.recurrence import Recurrence, Rule


class Sector(models.TextChoices):
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    HEALTHCARE = "healthcare", _("Healthcare")
    SCHOOL = "school", _("Schools")
    HOSPITALITY_TRANSPORT = "hospitality_transport", _("Hospitality and transport")


class Language(models.TextChoices):
    EN = "en", "English"
    ES = "es", "Español"


class ImmutableError(Exception):
    """A write that would change or remove an append-only record."""


class Course(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    sector = models.CharField(max_length=32, choices=Sector.choices)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class CourseVersion(models.Model):
    """One language file of one course, exactly as loaded. Never changed after it is saved."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="versions")
    language = models.CharField(max_length=8, choices=Language.choices)
    number = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["course", "language", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "language", "number"], name="course_version_number"
            ),
            models.UniqueConstraint(
                fields=["course", "language", "sha256"], name="course_version_content"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course.slug} {self.language} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableError("A course version is immutable; load a new one instead.")
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        return f"{self.course.slug} v{self.number} ({self.language})"

    @property
    def topics(self) -> set[str]:
        return {topic for lesson in self.data["lessons"] for topic in lesson["topics"]}


class TrainingSettings(models.Model):
    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="training_settings"
    )
    # Law-enforcement staff may not want their full name on a public page.
    verify_shows_initials = models.BooleanField(default=False)
    self_enrolment = models.BooleanField(default=True)
    # The organization's learning record store: its xAPI endpoint and Basic credentials
    # (the password sealed with the organization's data key).
    lrs_endpoint = models.URLField(max_length=500, blank=True)
    lrs_username = models.CharField(max_length=200, blank=True)
    lrs_password_sealed = models.BinaryField(null=True, blank=True)
    lrs_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"training settings of {self.organization_id}"


class Requirement(models.Model):
    """A training rule as data: who, which course (or topics), how often, with its source.

    Rows without an organization are the library of real mandates (seeded with a source and
    the date someone verified it); an organization adopts one by copying it and saying who
    it applies to in its own structure (a unit, a role, or everyone).
    """

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="requirements"
    )
    code = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    jurisdiction = models.CharField(max_length=80, blank=True)
    audience = models.CharField(max_length=300, blank=True)
    course = models.ForeignKey(Course, null=True, blank=True, on_delete=models.PROTECT)
    topics = models.JSONField(default=list, blank=True)
    minimum_minutes = models.PositiveIntegerField(null=True, blank=True)
    recurrence = models.CharField(
        max_length=20, choices=[(r.value, r.value) for r in Recurrence], default=Recurrence.ONCE
    )
    interval_months = models.PositiveIntegerField(default=12)
    initial_days = models.PositiveIntegerField(default=60)
    due_soon_days = models.PositiveIntegerField(default=30)
    grace_days = models.PositiveIntegerField(default=0)
    anniversary_month = models.PositiveSmallIntegerField(default=1)
    anniversary_day = models.PositiveSmallIntegerField(default=1)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.CASCADE)
    role = models.CharField(max_length=20, choices=Role.choices, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    verified_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    # Who must approve the course (e.g. "California POST"). When set, SafePath's own online
    # course never satisfies the requirement: only a session or an external record that
    # carries that approval does.
    approval_body = models.CharField(max_length=200, blank=True)
    required_topics = models.JSONField(default=list, blank=True)  # the statute's topic list
    # When the first due date falls: days after hire, or (licensing mandates) at the
    # person's licence renewal, which the organization records per person.
    deadline_basis = models.CharField(
        max_length=20,
        choices=[("hire", _("After hire")), ("licence", _("At licence renewal"))],
        default="hire",
    )
    # Retired requirements are kept (assignments point at them) but create no new cycles and
    # leave the compliance view.
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="requirement_code"),
            models.UniqueConstraint(
                fields=["code"],
                condition=models.Q(organization__isnull=True),
                name="library_requirement_code",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def rule(self) -> Rule:
        return Rule(
            recurrence=Recurrence(self.recurrence),
            interval_months=self.interval_months,
            initial_days=self.initial_days,
            due_soon_days=self.due_soon_days,
            grace_days=self.grace_days,
            anniversary_month=self.anniversary_month,
            anniversary_day=self.anniversary_day,
        )


class AssignmentSource(models.TextChoices):
    PERSON = "person", _("Assigned to the person")
    UNIT = "unit", _("Assigned to a unit")
    ROLE = "role", _("Assigned to a role")
    SELF = "self", _("Self-enrolled")
    REQUIREMENT = "requirement", _("Required (recertification)")
    SESSION = "session", _("Instructor-led session")


def new_certificate_id() -> str:
    return secrets.token_hex(16)  # 32 hex characters, like Open edX's verify_uuid


class Assignment(models.Model):
    """One person has to take one course by a date. Units and roles expand to people."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="assignments"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT)
    requirement = models.ForeignKey(Requirement, null=True, blank=True, on_delete=models.PROTECT)
    source = models.CharField(max_length=20, choices=AssignmentSource.choices)
    due_on = models.DateField(null=True, blank=True)
    valid_months = models.PositiveIntegerField(null=True, blank=True)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.EN)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            # The recertification sweep may run many times: one assignment per cycle.
            models.UniqueConstraint(
                fields=["user", "requirement", "due_on"],
                condition=models.Q(requirement__isnull=False),
                name="one_assignment_per_cycle",
            )
        ]
        indexes = [models.Index(fields=["due_on"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.course} (due {self.due_on})"

    @property
    def is_open(self) -> bool:
        return self.completed_at is None and self.cancelled_at is None


class LessonProgress(models.Model):
    """A lesson the learner opened (server time) and, later, marked read. ``seconds`` is the
    time between the two as the server measured it, capped so an idle tab earns nothing."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="lessons")
    lesson_id = models.CharField(max_length=80)
    opened_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    seconds = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "lesson_id"], name="lesson_once")
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id}: {self.lesson_id}"


class ScenarioRun(models.Model):
    """A learner's path through one scenario: [node id, choice index] pairs, saved per step."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="scenarios")
    scenario_id = models.CharField(max_length=80)
    path = models.JSONField(default=list)
    score = models.IntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.PositiveIntegerField(default=0)  # server-measured, capped, all runs

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assignment", "scenario_id"], name="scenario_once")
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id}: {self.scenario_id}"


class Attempt(models.Model):
    """One try at the assessment: the questions drawn for it, the answers, the result."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveIntegerField()
    # [{"id": question id, "order": [choice positions in display order]}]
    questions = models.JSONField()
    answers = models.JSONField(default=dict)  # question id -> choice position
    score_percent = models.PositiveIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True)
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "number"], name="attempt_number")
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id}: attempt {self.number}"


class AppendOnlyQuerySet(models.QuerySet["Completion"]):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableError("Completions are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableError("Completions are append-only.")


class CompletionSource(models.TextChoices):
    ONLINE = "online", _("Online course")
    SESSION = "session", _("Instructor-led session")


class Completion(models.Model):
    """A person completed (and passed) a course version on a date. Append-only.

    ``minutes_spent`` is what the server measured (lessons, scenarios, assessment);
    ``credit_minutes`` is what the completion counts for: the measured time, at most the
    course's length, or a session's hours. A requirement's minimum minutes is checked
    against ``credit_minutes``.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="completions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="completions"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT)
    course_version = models.ForeignKey(CourseVersion, on_delete=models.PROTECT)
    assignment = models.OneToOneField(
        Assignment, null=True, blank=True, on_delete=models.PROTECT, related_name="completion"
    )
    completed_on = models.DateField()
    score_percent = models.PositiveIntegerField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    source = models.CharField(
        max_length=16, choices=CompletionSource.choices, default=CompletionSource.ONLINE
    )
    minutes_spent = models.PositiveIntegerField(null=True, blank=True)
    credit_minutes = models.PositiveIntegerField(null=True, blank=True)
    session = models.ForeignKey(
        "Session", null=True, blank=True, on_delete=models.PROTECT, related_name="completions"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects: ClassVar[models.Manager[Completion]] = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-completed_on", "-pk"]
        indexes = [models.Index(fields=["user", "course"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.course_version} on {self.completed_on}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ImmutableError("Completions are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableError("Completions are append-only.")


class Certificate(models.Model):
    """What was printed, kept as issued; its status is the only thing that changes."""

    id = models.CharField(
        primary_key=True, max_length=32, default=new_certificate_id, editable=False
    )
    completion = models.OneToOneField(
        Completion, on_delete=models.PROTECT, related_name="certificate"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="certificates"
    )
    name_as_printed = models.CharField(max_length=200)
    course_title = models.CharField(max_length=300)
    version_label = models.CharField(max_length=100)
    issued_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    pdf = models.BinaryField()
    pdf_sha256 = models.CharField(max_length=64)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revocation_reason = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return self.id


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Due soon")
    EXPIRED = "expired", _("Expired")
    SESSION_SOON = "session_soon", _("Session soon")


class Reminder(models.Model):
    """One email to one person about one assignment, certificate or session seat; one row
    per kind, ever."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    assignment = models.ForeignKey(Assignment, null=True, on_delete=models.CASCADE)
    certificate = models.ForeignKey(Certificate, null=True, on_delete=models.CASCADE)
    # A seat in an instructor-led session (the model is defined below; referenced by name).
    seat = models.ForeignKey("SessionSeat", null=True, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "kind"],
                condition=models.Q(assignment__isnull=False),
                name="one_reminder_per_assignment",
            ),
            models.UniqueConstraint(
                fields=["certificate", "kind"],
                condition=models.Q(certificate__isnull=False),
                name="one_reminder_per_certificate",
            ),
            models.UniqueConstraint(
                fields=["seat", "kind"],
                condition=models.Q(seat__isnull=False),
                name="one_reminder_per_seat",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} reminder to {self.user_id}"


# Lessons an organization writes itself: (course slug, lesson id). The shipped text is a
# placeholder that tells the organization what to fill in.
ORGANIZATION_LESSONS = frozenset({("law-enforcement", "local-resources")})
LOCAL_LESSON_MAX_CHARS = 20_000


class LocalLesson(models.Model):
    """An organization's own text for one lesson in one language, shown to its learners
    instead of the shipped placeholder. Markdown, rendered with raw HTML off."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="local_lessons"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE)
    lesson_id = models.CharField(max_length=80)
    language = models.CharField(max_length=8, choices=Language.choices)
    body = models.TextField(max_length=LOCAL_LESSON_MAX_CHARS)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "course", "lesson_id", "language"],
                name="one_local_lesson_per_language",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.course_id}/{self.lesson_id} ({self.language})"


class Session(models.Model):
    """An instructor-led session (a seminar): when, where (a place or a video link), how
    many seats, who teaches. Attendance completes its course with the session's hours."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="training_sessions"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT)
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    minutes = models.PositiveIntegerField()
    place = models.CharField(max_length=200, blank=True)
    video_url = models.URLField(max_length=500, blank=True)
    capacity = models.PositiveIntegerField()
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sessions_taught"
    )
    # e.g. "California POST course 1234": set when the session is an approved course.
    approval = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d})"


class SessionSeat(models.Model):
    """One person signed up for (or assigned to) a session, and whether they attended."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="seats")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_up_at = models.DateTimeField(auto_now_add=True)
    attended = models.BooleanField(null=True)  # None: not recorded yet
    marked_at = models.DateTimeField(null=True, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["session", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="one_seat_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} at {self.session_id}"


class ExternalRecord(models.Model):
    """Training taken elsewhere (an academy class, another provider's course), recorded by an
    administrator with its hours and the certificate the person brought."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="external_training"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    provider = models.CharField(max_length=200)
    completed_on = models.DateField()
    minutes = models.PositiveIntegerField()
    # The requirement it satisfies (optional) and the approval it carries (e.g. "TBI").
    requirement = models.ForeignKey(
        Requirement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approval = models.CharField(max_length=200, blank=True)
    certificate_name = models.CharField(max_length=200)
    certificate_type = models.CharField(max_length=40)
    certificate = models.BinaryField()
    certificate_sha256 = models.CharField(max_length=64)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.title} ({self.completed_on})"


class LicenceRenewal(models.Model):
    """When a person's professional licence next renews, for mandates due at renewal
    (Michigan, Texas and Florida health licences). Recorded by an administrator."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="licence_renewals"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    renews_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="one_licence_date")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} renews {self.renews_on}"


QUESTION_MAX_CHARS = 2000


class Question(models.Model):
    """A learner's question on a lesson or scenario, answered by the organization's
    trainers. An answer can be shared with everyone in the organization taking the course;
    an anonymous question is shown to peers without the asker's name (trainers see it)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="training_questions"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT)
    kind = models.CharField(
        max_length=10, choices=[("lesson", _("Lesson")), ("scenario", _("Scenario"))]
    )
    item_id = models.CharField(max_length=80)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    anonymous = models.BooleanField(default=False)
    text = models.TextField(max_length=QUESTION_MAX_CHARS)
    created_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(max_length=QUESTION_MAX_CHARS, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    shared = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "course", "kind", "item_id"])]

    def __str__(self) -> str:
        return f"question {self.pk} on {self.course_id}/{self.item_id}"


class RequirementStanding(models.Model):
    """What a person's training adds up to for one requirement, kept so the compliance view
    does not recompute every person's history on each request: how many things count, the
    newest (with what an auditor asks for) and when it lapses.

    Only what does not change with the calendar is stored. "Due soon", "overdue" and
    "expired" are read against today from these dates (and, for people with nothing that
    counts, from their hire date), so nothing goes stale at midnight. One row per person and
    requirement with at least one credit; written only by ``services.standings_refresh``,
    which every write that changes a credit calls in its own transaction
    (``manage.py training_standings`` rebuilds them all).
    """

    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    credits = models.PositiveIntegerField()
    expires_on = models.DateField(null=True, blank=True)  # None: never lapses (once)
    # The newest credit (the last in the order the compliance export lists them).
    last_kind = models.CharField(max_length=16)
    last_completed_on = models.DateField()
    last_minutes = models.PositiveIntegerField(null=True, blank=True)
    last_certificate_id = models.CharField(max_length=32, blank=True)
    last_score_percent = models.PositiveIntegerField(null=True, blank=True)
    last_course_version = models.CharField(max_length=300, blank=True)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["requirement", "user"], name="one_standing_per_person")
        ]
        indexes = [models.Index(fields=["user"])]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.requirement_id}: {self.credits} credits"
