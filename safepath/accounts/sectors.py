"""Sector templates: what a new organization of each kind starts with.

A template gives the units a new organization usually has (the school safety team that a
school's default routing policy sends reports to first, a hospital's social work team...),
the training courses its staff should take, and the onboarding steps its checklist follows.
The default routing policy itself is built by routing from the organization's kind and these
units (``routing.services.policy_create_default``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from safepath.accounts.models import KIND_FAMILY, OrganizationKind


@dataclass(frozen=True)
class UnitSpec:
    slug: str
    name: str | Promise


@dataclass(frozen=True)
class SectorTemplate:
    units: tuple[UnitSpec, ...]
    # Course slugs (content/training/<slug>/) suggested for the organization's staff.
    courses: tuple[str, ...]
    # Whether reports are routed by a jurisdiction area the organization must upload.
    needs_area: bool = False
    # Schools follow their own process: assessment, deployment plan, training, monitoring.
    school_process: bool = False


_POLICE = SectorTemplate(
    units=(UnitSpec("patrol", _("Patrol")), UnitSpec("investigations", _("Investigations"))),
    courses=("law-enforcement",),
    needs_area=True,
)
_TASK_FORCE = SectorTemplate(
    units=(UnitSpec("intake", _("Intake")), UnitSpec("investigations", _("Investigations"))),
    courses=("law-enforcement",),
    needs_area=True,
)
_HOSPITAL = SectorTemplate(
    units=(
        UnitSpec("social-work", _("Social work")),
        UnitSpec("security", _("Security")),
        UnitSpec("emergency", _("Emergency department")),
    ),
    courses=("healthcare",),
)
_SCHOOL = SectorTemplate(
    units=(UnitSpec("safety-team", _("School safety team")),),
    courses=("schools",),
    school_process=True,
)
_BUSINESS = SectorTemplate(
    units=(UnitSpec("security", _("Security")), UnitSpec("front-desk", _("Front desk"))),
    courses=("hospitality-transport",),
)
_SERVICE = SectorTemplate(
    units=(UnitSpec("case-management", _("Case management")),),
    courses=("healthcare",),
)

TEMPLATES: dict[str, SectorTemplate] = {
    OrganizationKind.LAW_ENFORCEMENT: _POLICE,
    OrganizationKind.SHERIFF: _POLICE,
    OrganizationKind.TASK_FORCE: _TASK_FORCE,
    OrganizationKind.FUSION_CENTER: _TASK_FORCE,
    OrganizationKind.HEALTHCARE: _HOSPITAL,
    OrganizationKind.HEALTH_SYSTEM: _HOSPITAL,
    OrganizationKind.SCHOOL: _SCHOOL,
    # A district's schools are added as units (see docs/operators.md); its safety team
    # receives reports first, as at a single school.
    OrganizationKind.SCHOOL_DISTRICT: _SCHOOL,
    OrganizationKind.BUSINESS: _BUSINESS,
    OrganizationKind.HOTEL: _BUSINESS,
    OrganizationKind.TRANSIT: _BUSINESS,
    OrganizationKind.SERVICE_PROVIDER: _SERVICE,
}


def template_for(kind: str) -> SectorTemplate:
    return TEMPLATES.get(kind) or TEMPLATES[KIND_FAMILY.get(kind, OrganizationKind.BUSINESS)]
