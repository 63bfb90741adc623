"""A report and what it is made of: answers, receipts, messages and a photo.

A report exists from its first committed answer. Each answer is its own row, written the
moment it is given, so a report cut short is still a report. Everything the reporter or a
responder writes is sealed with the placement owner's data key (``safepath.core.crypto``):
the database holds ciphertext only, and the ``body`` properties open it.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from safepath.core.codes import new_code
from safepath.core.crypto import CryptoError, organization_scope, seal_text, unseal_text
from safepath.placements.models import Placement

logger = logging.getLogger(__name__)

UNREADABLE = _(
    "[This answer could not be opened. Tell your administrator: the encryption key may be wrong.]"
)


def new_report_reference() -> str:
    return new_code(12)


class ReportStatus(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    REFERRED = "referred", _("Referred")
    CLOSED = "closed", _("Closed")


class ReportPriority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    # Someone is in danger now or under 18: shorter acknowledgement times, every channel.
    URGENT = "urgent", _("Urgent")


class RecipientPreference(models.TextChoices):
    """Who the reporter wants to receive the report. Routing must respect it."""

    EITHER = "either", _("Either")
    SERVICE = "service", _("A service organization, not police")
    POLICE = "police", _("Police")


class Report(models.Model):
    # Random, so report addresses cannot be enumerated.
    reference = models.CharField(
        max_length=16, unique=True, default=new_report_reference, editable=False
    )
    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="reports")
    status = models.CharField(max_length=20, choices=ReportStatus.choices, default=ReportStatus.NEW)
    # A drill an administrator started to watch the routing work: marked DRILL everywhere,
    # never counted as a real report, never routed outside the placement's organization.
    is_drill = models.BooleanField(default=False, db_index=True)
    # Routing metadata derived from the reporter's choices; kept in the clear so that routing
    # and the inbox can filter on it. Free-text answers never go here.
    priority = models.CharField(
        max_length=10, choices=ReportPriority.choices, default=ReportPriority.NORMAL, db_index=True
    )
    recipient_preference = models.CharField(
        max_length=10, choices=RecipientPreference.choices, default=RecipientPreference.EITHER
    )
    # SHA-256 of the random value in the reporter's browser cookie, so the same browser can keep
    # adding to its report. Not a credential worth a slow hash: it is 256 random bits.
    # Emptied when the reporter finishes, takes the receipt or quick-exits: from then on the
    # cookie writes nothing, and only the receipt adds to the report.
    browser_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    # SHA-256 of the one-time key in the first question's form: a second post of the same
    # first answer (a double tap, a retried autosave) finds this report instead of a new one.
    start_key_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # When the reporter said "I am done" or took the receipt.
    finished_at = models.DateTimeField(null=True, blank=True)
    # An open follow-up (after the receipt was typed): SHA-256 of the random value in the
    # follow-up cookie and its last request. Inactivity or quick exit ends it on the server.
    followup_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    followup_seen_at = models.DateTimeField(null=True, blank=True)
    # The language the reporter used, so responders can answer in it.
    language = models.CharField(max_length=12, blank=True)
    # Set by the abuse checks (bursts at a placement or on one report). A flag for
    # responders to weigh, never a refusal: a real victim may trip it.
    flagged = models.BooleanField(default=False)
    flag_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    last_activity_at = models.DateTimeField(auto_now_add=True)
    # How many entries (answers, added information) the report has: kept with each new entry,
    # so the inbox reads a number instead of counting every visible report's entries.
    answer_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The inbox's order: urgent first, then latest activity (read backwards).
            models.Index(fields=["priority", "last_activity_at", "id"], name="report_inbox_order"),
            # The inbox's counts by status (capped) and of urgent open reports; drills are
            # never counted, so is_drill is in it too (else a second index is read and ANDed).
            models.Index(fields=["status", "is_drill", "priority"], name="report_status_counts"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def key_scope(self) -> str:
        """Contents are sealed with the data key of the organization that owns the placement."""
        return organization_scope(self.placement.organization_id)

    def seal(self, context: str, text: str) -> bytes:
        return seal_text(scope=self.key_scope, context=f"{self.reference}:{context}", text=text)

    def unseal(self, context: str, sealed: bytes | memoryview) -> str:
        return unseal_text(
            scope=self.key_scope, context=f"{self.reference}:{context}", sealed=sealed
        )


class ReportEntry(models.Model):
    """One version of one answer. A saved answer is never replaced: a changed answer is a new
    row, so responders see every version with its time. Only a draft (autosave while the
    person types) is updated in place until it is saved; additions always append."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="entries")
    step = models.CharField(max_length=40)
    # JSON {"choices": [...], "text": "..."}, sealed.
    sealed_body = models.BinaryField()
    draft = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "report entries"
        constraints = [
            # At most one draft per question: concurrent autosaves update it, never multiply.
            models.UniqueConstraint(
                fields=["report", "step"],
                condition=models.Q(draft=True),
                name="one_draft_per_report_step",
            )
        ]

    def __str__(self) -> str:
        return f"{self.report_id}/{self.step}"

    @property
    def answer(self) -> dict[str, object]:
        try:
            value: dict[str, object] = json.loads(
                self.report.unseal(f"entry:{self.step}", self.sealed_body)
            )
        except CryptoError:
            # One unreadable answer (a wrong or missing key) must not hide the rest of the
            # report from the responder: say so in its place, and log it for the operator.
            logger.exception("Report %s: answer %s does not open", self.report_id, self.pk)
            return {"choices": [], "text": str(UNREADABLE)}
        return value

    @property
    def choices(self) -> list[str]:
        return [str(c) for c in self.answer.get("choices", []) or []]  # type: ignore[attr-defined]

    @property
    def text(self) -> str:
        return str(self.answer.get("text", "") or "")

    @property
    def prompt(self) -> str:
        """The question this answers, as a responder reads it."""
        from safepath.reports.questions import step_prompt

        return step_prompt(self.step)

    @property
    def body(self) -> str:
        """The answer as a responder reads it: the chosen options, then the words."""
        from safepath.reports.questions import describe_answer

        return describe_answer(step=self.step, choices=self.choices, text=self.text)


class ReportReceipt(models.Model):
    """A receipt the reporter can come back with. Only a slow hash of it is kept.

    ``lookup`` is a keyed hash of the receipt cut to a few hex characters: it narrows a
    follow-up to a handful of rows so that only those need the (slow, deliberate) Argon2id
    check, instead of hashing against every receipt in the database. Four hex characters
    (65,536 buckets) keep the candidates few while telling someone who reads the database
    almost nothing: the key lives wrapped by the master key, not in the database.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="receipts")
    lookup = models.CharField(max_length=8, db_index=True)
    receipt_hash = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # One receipt per report, even when several requests ask at the same moment.
            models.UniqueConstraint(fields=["report"], name="one_receipt_per_report")
        ]

    def __str__(self) -> str:
        return f"receipt for {self.report_id}"


class MessageDirection(models.TextChoices):
    FROM_RESPONDER = "from_responder", _("From a responder")
    FROM_REPORTER = "from_reporter", _("From the reporter")


class ReportMessage(models.Model):
    """A message between the responders and the reporter, who reads it with the receipt."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=20, choices=MessageDirection.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sealed_body = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.report_id}/{self.direction}"

    @property
    def body(self) -> str:
        return self.report.unseal("message", self.sealed_body)

    @property
    def from_responder(self) -> bool:
        return self.direction == MessageDirection.FROM_RESPONDER


class ReportPhoto(models.Model):
    """One photo, re-encoded without any metadata (GPS included), then sealed."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    sealed_data = models.BinaryField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"photo for {self.report_id}"


class FollowupFailure(models.Model):
    """Wrong receipt tries, counted in the database (a cache may evict a counter between two
    guesses). ``key`` is a keyed hash of the number tried, never the number itself; only
    failures count, so the real reporter opening her report often is never locked out."""

    key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    window_started_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.failures} failures"
