"""Creating an organization from its sector template and inviting its first administrator.

This sits above accounts, routing and training because a new organization needs all three:
its units (accounts), its default routing policy (routing) and its suggested training.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from safepath.accounts.models import Organization, OrganizationKind, Role, Unit, User
from safepath.accounts.sectors import template_for
from safepath.accounts.services import (
    invitation_create,
    invitation_send,
    invitation_url,
    organization_create,
)
from safepath.core.activity import record_one
from safepath.routing.models import RoutingPolicy
from safepath.routing.services import policy_create_default


@dataclass
class NewOrganization:
    organization: Organization
    invitation_url: str
    units: list[Unit]
    policy: RoutingPolicy
    courses: tuple[str, ...]


def _free_slug(name: str) -> str:
    base = slugify(name)[:50] or "organization"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def organization_onboard(
    *,
    name: str,
    kind: str,
    admin_email: str,
    parent_slug: str | None = None,
    actor: User | None = None,
) -> NewOrganization:
    """Create the organization, its sector's units and default routing policy, and invite
    its first administrator by email. Nothing is saved if any part is refused."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationError(_("Give the organization a name (200 characters at most)."))
    if kind not in OrganizationKind.values:
        raise ValidationError(
            _("Unknown kind “%(kind)s”. Choose one of: %(kinds)s")
            % {"kind": kind, "kinds": ", ".join(OrganizationKind.values)}
        )
    parent = None
    if parent_slug:
        parent = Organization.objects.filter(slug=parent_slug).first()
        if parent is None:
            raise ValidationError(_("There is no organization “%(slug)s”.") % {"slug": parent_slug})
    template = template_for(kind)
    with transaction.atomic():
        organization = organization_create(slug=_free_slug(name), name=name, kind=kind)
        if parent is not None:
            organization.parent = parent
            organization.save(update_fields=["parent"])
        units = [
            Unit.objects.create(organization=organization, slug=spec.slug, name=str(spec.name))
            for spec in template.units
        ]
        policy = policy_create_default(organization=organization)
        invitation, token = invitation_create(
            organization=organization, email=admin_email, role=Role.ADMIN, actor=actor, send=False
        )
        record_one(
            actor=actor,
            organization=organization,
            action="onboarding.organization_created",
            object_type="organization",
            object_ref=organization.slug,
            detail=f"{kind}; parent {parent.slug if parent else '-'}; admin {admin_email}",
        )
    # The email goes out only once everything above is committed.
    invitation_send(invitation=invitation, token=token)
    return NewOrganization(
        organization=organization,
        invitation_url=invitation_url(token),
        units=units,
        policy=policy,
        courses=template.courses,
    )
