"""A placement is one printed code in one place, owned by one organization.

Around it: the codes it used to carry (a torn poster gets a new code, the old one keeps
leading to help), its history, its hourly scan counters and the poster batches printed
from it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safepath.accounts.models import Organization, Unit
from safepath.core.codes import new_code

# The languages a poster (and the reporter's page) can be printed in. A placement names up
# to three of them; the first is its main language.
POSTER_LANGUAGES: list[tuple[str, str]] = [
    ("en", "English"),
    ("es", "Español"),
    ("zh-hans", "简体中文"),
    ("vi", "Tiếng Việt"),
    ("ko", "한국어"),
    ("tl", "Tagalog"),
    ("ht", "Kreyòl ayisyen"),
    ("pt", "Português"),
    ("ru", "Русский"),
    ("uk", "Українська"),
    ("ar", "العربية"),
    ("fr", "Français"),
]
LANGUAGE_CODES = frozenset(code for code, _name in POSTER_LANGUAGES)
MAX_LANGUAGES = 3


def default_languages() -> list[str]:
    return ["en"]


class PlacementStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    # The poster went missing. Its code keeps working: it may hang somewhere else now, and a
    # person who finds it must still reach help and a responder.
    LOST = "lost", _("Lost")
    RETIRED = "retired", _("Retired")


class SiteType(models.TextChoices):
    RESTROOM = "restroom", _("Restroom")
    WAITING_ROOM = "waiting_room", _("Waiting room")
    EXAM_ROOM = "exam_room", _("Exam room")
    DISCHARGE_PACKET = "discharge_packet", _("Patient discharge packet")
    LOBBY = "lobby", _("Lobby")
    COUNSELING_OFFICE = "counseling_office", _("Counseling office")
    CLASSROOM_CORRIDOR = "classroom_corridor", _("Classroom corridor")
    TRANSIT = "transit", _("Transit stop or station")
    HOTEL_ROOM = "hotel_room", _("Hotel room")
    OTHER = "other", _("Other")


class Placement(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="placements"
    )
    code = models.CharField(max_length=16, unique=True, default=new_code, editable=False)
    # Shown to the person who scans, so they can tell a pasted fake sticker from the real one.
    public_name = models.CharField(_("public name"), max_length=120)
    internal_notes = models.TextField(_("internal notes"), blank=True, max_length=4000)
    site_type = models.CharField(
        _("site type"), max_length=32, choices=SiteType.choices, default=SiteType.OTHER
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="placements",
        verbose_name=_("unit"),
    )
    # Language codes from POSTER_LANGUAGES, main language first (the reporter's side reads it).
    languages = models.JSONField(_("languages"), default=default_languages)
    status = models.CharField(
        max_length=16, choices=PlacementStatus.choices, default=PlacementStatus.ACTIVE
    )
    installed_on = models.DateField(_("installed on"), null=True, blank=True)
    last_checked_on = models.DateField(_("last checked on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["public_name"]
        indexes = [models.Index(fields=["organization", "status"], name="placement_org_status")]

    def __str__(self) -> str:
        return f"{self.public_name} ({self.code})"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        languages = self.languages
        if (
            not isinstance(languages, list)
            or not 1 <= len(languages) <= MAX_LANGUAGES
            or len(set(languages)) != len(languages)
            or any(lang not in LANGUAGE_CODES for lang in languages)
        ):
            errors["languages"] = _("Choose one to three different poster languages from the list.")
        if (self.latitude is None) != (self.longitude is None):
            errors["latitude"] = _("Give both latitude and longitude, or neither.")
        if self.unit is not None and self.unit.organization_id != self.organization_id:
            errors["unit"] = _("That unit belongs to another organization.")
        if errors:
            raise ValidationError(errors)

    @property
    def is_active(self) -> bool:
        """Whether a scan of this code opens the report page (a lost poster's code still does)."""
        return self.status != PlacementStatus.RETIRED

    @property
    def grouped_code(self) -> str:
        """The code as printed for people: two groups of five, easy to read aloud."""
        return f"{self.code[:5]}-{self.code[5:]}"


class RetiredCode(models.Model):
    """A code a placement used to carry. Scanning it leads to help and is counted."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="retired_codes")
    code = models.CharField(max_length=16, unique=True)
    reason = models.CharField(max_length=200, blank=True)
    retired_at = models.DateTimeField(default=timezone.now)
    retired_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        ordering = ["-retired_at"]

    def __str__(self) -> str:
        return f"{self.code} (was {self.placement_id})"


class PlacementEvent(models.Model):
    """One line of a placement's history: who did what, when. Never about a reporter."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Edited")
        IMPORTED = "imported", _("Imported")
        STATUS = "status", _("Status changed")
        CODE_REPLACED = "code_replaced", _("Code replaced")
        CHECKED = "checked", _("Checked on site")

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    detail = models.CharField(max_length=300, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.placement_id} {self.kind} at {self.at:%Y-%m-%d %H:%M}"


class ScanCount(models.Model):
    """What happened at one placement in one hour, as numbers. Never a record of a person."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="scan_counts")
    hour = models.DateTimeField()
    scans = models.PositiveIntegerField(default=0)
    reports_started = models.PositiveIntegerField(default=0)
    reports_answered = models.PositiveIntegerField(default=0)  # with at least one answer
    followups = models.PositiveIntegerField(default=0)
    # Scans of a code this placement no longer carries: a torn poster still up, or a copy.
    retired_code_scans = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["placement", "hour"], name="one_scan_count_per_hour")
        ]
        indexes = [models.Index(fields=["hour"])]

    def __str__(self) -> str:
        return f"{self.placement_id} @ {self.hour:%Y-%m-%d %H}:00: {self.scans}"


class PosterPaper(models.TextChoices):
    LETTER = "letter", _("Letter poster")
    A4 = "a4", _("A4 poster")
    STICKERS = "stickers", _("Sheet of stickers")


class BatchStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Printing")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class PosterBatch(models.Model):
    """Many posters in one PDF, made by the worker. The PDF is kept in the row until fetched.

    Kept in the database rather than on disk so that any server process can hand it out and
    a crash loses nothing: the worker reclaims a batch whose claim has lapsed.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="poster_batches"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    placement_ids = models.JSONField(default=list)
    paper = models.CharField(max_length=16, choices=PosterPaper.choices)
    status = models.CharField(
        max_length=16, choices=BatchStatus.choices, default=BatchStatus.PENDING
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    pdf = models.BinaryField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="poster_batch_due")]
        verbose_name_plural = "poster batches"

    def __str__(self) -> str:
        return f"batch {self.pk} ({self.status}, {self.done}/{self.total})"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0
