"""Users, organizations and the memberships that join them.

An organization is a tenant: a police department, a hospital, a school district, a business
or a service provider. Everything an organization owns is reached through a membership.
"""

from __future__ import annotations

from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A staff person. People who report are never users: they stay anonymous."""

    username = None  # type: ignore[assignment]  # staff sign in with their email address
    email = models.EmailField(_("email address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]  # email login

    def __str__(self) -> str:
        return self.email


class OrganizationKind(models.TextChoices):
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    HEALTHCARE = "healthcare", _("Healthcare")
    SCHOOL = "school", _("School")
    BUSINESS = "business", _("Business")
    SERVICE_PROVIDER = "service_provider", _("Service provider")
    TASK_FORCE = "task_force", _("Task force")


class Organization(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=OrganizationKind.choices)
    # An IANA name ("America/Chicago"): every time shown to this organization's staff, and to
    # reporters at its placements, is in this zone, never bare UTC.
    time_zone = models.CharField(_("time zone"), max_length=64, default="America/New_York")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> ZoneInfo:
        """The organization's time zone; an unknown name falls back to UTC rather than failing."""
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")


class Unit(models.Model):
    """A team inside an organization: a hospital's social work team, a district's school."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="units")
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "slug"], name="unit_slug_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.name}"


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    SUPERVISOR = "supervisor", _("Supervisor")
    RESPONDER = "responder", _("Responder")
    ANALYST = "analyst", _("Analyst")
    AUDITOR = "auditor", _("Auditor")


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    # The teams this member belongs to inside the organization (none: the whole organization).
    units = models.ManyToManyField(Unit, blank=True, related_name="memberships")
    created_at = models.DateTimeField(auto_now_add=True)
    # For "within N days of hire" training rules; when unknown, created_at stands in.
    hired_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} ({self.role})"
