"""The responders' side: handling a report, cases that link reports, and shares.

The report itself (answers, status, priority) belongs to the reports app. What responders
add — who handles it, the outcome, internal notes, cases and shares with partners — lives
here, and every change is an event on the report's or case's timeline.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from safepath.accounts.models import Organization, Unit
from safepath.core.codes import new_code
from safepath.core.crypto import organization_scope, seal_text, unseal, unseal_text
from safepath.reports.models import Report


def _seal(organization_id: int, context: str, text: str) -> bytes:
    return seal_text(scope=organization_scope(organization_id), context=context, text=text)


def _unseal(organization_id: int, context: str, sealed: bytes | memoryview) -> str:
    return unseal_text(scope=organization_scope(organization_id), context=context, sealed=sealed)


class Outcome(models.TextChoices):
    VICTIM_ASSISTED = "victim_assisted", _("Victim identified and assisted")
    REFERRED_TO_SERVICES = "referred_to_services", _("Referred to services")
    INVESTIGATION_OPENED = "investigation_opened", _("Investigation opened")
    ARREST_MADE = "arrest_made", _("Arrest made")
    NO_INDICATORS = "no_indicators", _("No indicators of trafficking")
    UNABLE_TO_CONTACT = "unable_to_contact", _("Unable to make contact")
    DUPLICATE = "duplicate", _("Duplicate")
    FALSE_REPORT = "false_report", _("False report")


class ReportHandling(models.Model):
    """Who handles a report and how it ended. One row per report, created on first change."""

    report = models.OneToOneField(
        Report, on_delete=models.CASCADE, primary_key=True, related_name="handling"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assigned_unit = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=32, choices=Outcome.choices, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"handling of {self.report_id}"


class InternalNote(models.Model):
    """A note responders keep about a report; visible only inside the author's organization."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="internal_notes")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Notes quote reports: sealed with the organization's key like the report itself.
    sealed_body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"note {self.pk} on {self.report_id}"

    @staticmethod
    def seal_body(*, organization_id: int, report_id: int, body: str) -> bytes:
        return _seal(organization_id, f"internal-note:{report_id}", body)

    @property
    def body(self) -> str:
        return _unseal(self.organization_id, f"internal-note:{self.report_id}", self.sealed_body)


class WorkflowEvent(models.Model):
    """One step of a report's handling, for its timeline: status, assignment, outcome, share."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="workflow_events")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    kind = models.CharField(max_length=30)
    detail = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.report_id}"


def new_case_reference() -> str:
    return new_code(10)


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Case(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="cases")
    reference = models.CharField(
        max_length=16, unique=True, default=new_case_reference, editable=False
    )
    # The title names people, places and operations: sealed with the organization's key.
    sealed_title = models.BinaryField(default=b"")
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reports = models.ManyToManyField(Report, through="CaseReport", related_name="cases")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"case {self.reference}"

    @staticmethod
    def seal_title(*, organization_id: int, reference: str, title: str) -> bytes:
        return _seal(organization_id, f"case-title:{reference}", title)

    @property
    def title(self) -> str:
        if not self.sealed_title:
            return ""
        return _unseal(self.organization_id, f"case-title:{self.reference}", self.sealed_title)


class CaseReport(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="case_links")
    sealed_reason = models.BinaryField(default=b"")  # sealed with the case's organization key
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "report"], name="one_link")]

    def __str__(self) -> str:
        return f"{self.case_id} <- {self.report_id}"

    @staticmethod
    def seal_reason(*, organization_id: int, case_id: int, report_id: int, reason: str) -> bytes:
        return _seal(organization_id, f"case-link:{case_id}:{report_id}", reason)

    @property
    def reason(self) -> str:
        if not self.sealed_reason:
            return ""
        return _unseal(
            self.case.organization_id,
            f"case-link:{self.case_id}:{self.report_id}",
            self.sealed_reason,
        )


class EntryKind(models.TextChoices):
    PERSON = "person", _("Person")
    VEHICLE = "vehicle", _("Vehicle")
    PHONE = "phone", _("Phone number")
    LOCATION = "location", _("Location")


class CaseEntry(models.Model):
    """A structured fact in a case: a person, vehicle, phone number or location."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    # The value and its note, sealed with the case's organization's key (JSON).
    sealed = models.BinaryField(default=b"")
    # A keyed hash of the value reduced to what identifies it (digits of a phone, letters and
    # digits of a plate, a lower-cased name): the same thing written twice matches across
    # cases, without the database holding the value itself.
    match_key = models.CharField(max_length=64, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "created_at"]
        verbose_name_plural = "case entries"

    def __str__(self) -> str:
        return f"{self.kind} entry {self.pk}"

    @staticmethod
    def seal_fields(*, case: Case, value: str, note: str) -> bytes:
        return _seal(
            case.organization_id,
            f"case-entry:{case.pk}",
            json.dumps({"value": value, "note": note}, ensure_ascii=False),
        )

    @property
    def _fields(self) -> dict[str, str]:
        cached: dict[str, str] | None = getattr(self, "_opened", None)
        if cached is None:
            cached = json.loads(
                _unseal(self.case.organization_id, f"case-entry:{self.case_id}", self.sealed)
            )
            self._opened = cached
        return cached

    @property
    def value(self) -> str:
        return self._fields["value"]

    @property
    def note(self) -> str:
        return self._fields.get("note", "")


class CaseObservation(models.Model):
    """An indicator someone observed: what, when, by whom. Never a conclusion or a score."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="observations")
    indicator = models.CharField(max_length=10)
    sealed_note = models.BinaryField(default=b"")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["indicator", "recorded_at"]

    def __str__(self) -> str:
        return f"{self.indicator} on {self.case_id}"

    @property
    def note(self) -> str:
        return _unseal(
            self.case.organization_id, f"case-observation:{self.case_id}", self.sealed_note
        )


class CaseNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sealed_body = models.BinaryField(default=b"")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"note {self.pk} on {self.case_id}"

    @property
    def body(self) -> str:
        return _unseal(self.case.organization_id, f"case-note:{self.case_id}", self.sealed_body)


class CaseDocument(models.Model):
    """A file attached to a case, served only through an authenticated, tenant-scoped view."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sealed_data = models.BinaryField(default=b"")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def data(self) -> bytes:
        return unseal(
            scope=organization_scope(self.case.organization_id),
            context=f"case-document:{self.case_id}",
            sealed=self.sealed_data,
        )


class ShareAccess(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class Share(models.Model):
    """A report or case shared with another organization, with a reason, until revoked."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, null=True, blank=True, related_name="shares"
    )
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="shares"
    )
    shared_by = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    shared_with = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="shares_received"
    )
    access = models.CharField(max_length=8, choices=ShareAccess.choices)
    sealed_reason = models.BinaryField(default=b"")  # sealed with the sharing organization's key
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(report__isnull=False, case__isnull=True))
                | (Q(report__isnull=True, case__isnull=False)),
                name="share_one_object",
            )
        ]

    def __str__(self) -> str:
        return f"share {self.pk} -> {self.shared_with_id}"

    @staticmethod
    def seal_reason(*, shared_by_id: int, shared_with_id: int, reason: str) -> bytes:
        return _seal(shared_by_id, f"share-reason:{shared_with_id}", reason)

    @property
    def reason(self) -> str:
        if not self.sealed_reason:
            return ""
        return _unseal(self.shared_by_id, f"share-reason:{self.shared_with_id}", self.sealed_reason)

    @property
    def active(self) -> bool:
        return self.revoked_at is None
