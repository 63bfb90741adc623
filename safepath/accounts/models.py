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
    # The first six values are stored in existing rows and used by routing; kinds added later
    # each belong to one of them (see KIND_FAMILY), so routing needs no new branches.
    LAW_ENFORCEMENT = "law_enforcement", _("Police department")
    HEALTHCARE = "healthcare", _("Hospital")
    SCHOOL = "school", _("School")
    BUSINESS = "business", _("Business")
    SERVICE_PROVIDER = "service_provider", _("Service organization")
    TASK_FORCE = "task_force", _("Task force")
    SHERIFF = "sheriff", _("Sheriff's office")
    FUSION_CENTER = "fusion_center", _("Fusion center")
    HEALTH_SYSTEM = "health_system", _("Health system")
    SCHOOL_DISTRICT = "school_district", _("School district")
    HOTEL = "hotel", _("Hotel or motel")
    TRANSIT = "transit", _("Transit operator")


# Which original kind each kind behaves like for routing and sector defaults.
KIND_FAMILY: dict[str, str] = {
    OrganizationKind.LAW_ENFORCEMENT: OrganizationKind.LAW_ENFORCEMENT,
    OrganizationKind.SHERIFF: OrganizationKind.LAW_ENFORCEMENT,
    OrganizationKind.TASK_FORCE: OrganizationKind.TASK_FORCE,
    OrganizationKind.FUSION_CENTER: OrganizationKind.TASK_FORCE,
    OrganizationKind.HEALTHCARE: OrganizationKind.HEALTHCARE,
    OrganizationKind.HEALTH_SYSTEM: OrganizationKind.HEALTHCARE,
    OrganizationKind.SCHOOL: OrganizationKind.SCHOOL,
    OrganizationKind.SCHOOL_DISTRICT: OrganizationKind.SCHOOL,
    OrganizationKind.BUSINESS: OrganizationKind.BUSINESS,
    OrganizationKind.HOTEL: OrganizationKind.BUSINESS,
    OrganizationKind.TRANSIT: OrganizationKind.BUSINESS,
    OrganizationKind.SERVICE_PROVIDER: OrganizationKind.SERVICE_PROVIDER,
}


def kinds_in_family(family: str) -> frozenset[str]:
    return frozenset(kind for kind, fam in KIND_FAMILY.items() if fam == family)


class Organization(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=OrganizationKind.choices)
    # An IANA name ("America/Chicago"): every time shown to this organization's staff, and to
    # reporters at its placements, is in this zone, never bare UTC.
    time_zone = models.CharField(_("time zone"), max_length=64, default="America/New_York")
    # A school district's schools or a health system's hospitals may be child organizations
    # (their own tenants, with their own staff and reports); the parent's administrators see
    # the children's onboarding and compliance, never their reports.
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    # Set by the operator: its staff see nothing until it is resumed. Its codes keep working
    # and its reports keep routing (a reporter is never turned away).
    suspended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def family(self) -> str:
        return KIND_FAMILY.get(self.kind, self.kind)

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
    # Staff who only take training (most hotel and school staff): courses and certificates.
    LEARNER = "learner", _("Learner")


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
    # Set when the person left: the row stays (training and audit history name it) but grants
    # nothing; access helpers skip deactivated memberships.
    deactivated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organization} ({self.role})"

    @property
    def unit_limited(self) -> bool:
        """Whether this member sees only their units' reports (need-to-know).

        Administrators see the whole organization; anyone else placed in units sees those.
        """
        return self.role != Role.ADMIN and self.units.exists()


class Invitation(models.Model):
    """An emailed, single-use, expiring link that makes its holder a member.

    Only a SHA-256 of the link's token is stored; resending makes a new token, so the old
    link stops working.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    units = models.ManyToManyField(Unit, blank=True, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation of {self.email} to {self.organization_id}"

    @property
    def pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None
