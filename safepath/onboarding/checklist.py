"""The guided onboarding checklist, measured from real data: nothing is ticked by hand.

Each step reads what the organization actually did (members who enrolled, areas the operator
verified, posters printed, a report that reached the inbox...). Schools follow the schools'
process instead: assessment, deployment plan, staff training rollout, monitoring.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from safepath.accounts.models import Invitation, Membership, Organization
from safepath.accounts.permissions import Capability, roles_with
from safepath.accounts.sectors import template_for
from safepath.core.models import AuditEntry
from safepath.placements.models import Placement, PosterBatch, SiteType
from safepath.routing.models import OrganizationArea, ReportRecipient
from safepath.training.models import Assignment, Completion

PROFILE_SAVED = "onboarding.profile_saved"
# Where students can reach a code privately (the schools' assessment).
PRIVATE_SITES = (SiteType.RESTROOM, SiteType.COUNSELING_OFFICE)


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    done: bool
    detail: str
    url: str


def _members_step(organization: Organization) -> Step:
    members = Membership.objects.filter(organization=organization, deactivated_at__isnull=True)
    active = members.count()
    pending = Invitation.objects.filter(
        organization=organization, accepted_at__isnull=True, revoked_at__isnull=True
    ).count()
    must_enrol = members.filter(role__in=roles_with(Capability.REPORT_READ))
    enrolled = must_enrol.filter(
        user__in=TOTPDevice.objects.filter(confirmed=True).values("user")
    ).count()
    return Step(
        "members",
        _("Members invited and enrolled"),
        active >= 2 and enrolled == must_enrol.count(),
        _(
            "%(active)d members, %(enrolled)d of %(must)d with a second step, "
            "%(pending)d invitations waiting"
        )
        % {
            "active": active,
            "enrolled": enrolled,
            "must": must_enrol.count(),
            "pending": pending,
        },
        "/dashboard/members/",
    )


def _profile_step(organization: Organization) -> Step:
    saved = AuditEntry.objects.filter(organization=organization, action=PROFILE_SAVED).exists()
    return Step(
        "profile",
        _("Organization profile and time zone"),
        saved,
        _("Time zone: %(zone)s") % {"zone": organization.time_zone},
        f"/dashboard/onboarding/profile/?organization={organization.slug}",
    )


def _drill_step(organization: Organization) -> Step:
    drills = ReportRecipient.objects.filter(organization=organization, report__is_drill=True)
    return Step(
        "drill",
        _("A drill travelled your routing"),
        drills.exists(),
        _("%(n)d drills received (start one from a placement's page)") % {"n": drills.count()},
        "/placements/",
    )


def _monitoring_step(organization: Organization) -> Step:
    received = ReportRecipient.objects.filter(organization=organization)
    return Step(
        "monitoring",
        _("Monitoring: a drill or a report reached your inbox"),
        received.exists(),
        _("%(d)d drills, %(r)d reports received")
        % {
            "d": received.filter(report__is_drill=True).count(),
            "r": received.filter(report__is_drill=False).count(),
        },
        "/dashboard/",
    )


def _training_steps(organization: Organization, *, title: str) -> list[Step]:
    assigned = Assignment.objects.filter(organization=organization, cancelled_at__isnull=True)
    completed = Completion.objects.filter(organization=organization).count()
    courses = ", ".join(template_for(organization.kind).courses)
    return [
        Step(
            "training",
            title,
            assigned.exists(),
            _("%(n)d assignments (suggested: %(courses)s)")
            % {"n": assigned.count(), "courses": courses},
            "/training/manage/",
        ),
        Step(
            "compliance",
            _("First compliance view"),
            completed > 0,
            _("%(n)d completed courses") % {"n": completed},
            "/training/manage/",
        ),
    ]


def checklist(organization: Organization) -> list[Step]:
    """The organization's steps, in order, each measured now."""
    template = template_for(organization.kind)
    placements = Placement.objects.filter(organization=organization)
    printed = (
        AuditEntry.objects.filter(organization=organization, action="placements.poster_printed")
        .values("object_ref")
        .distinct()
        .count()
    )
    batches = PosterBatch.objects.filter(organization=organization, finished_at__isnull=False)
    posters = printed + batches.count()
    steps = [_profile_step(organization), _members_step(organization)]
    if template.school_process:
        private = placements.filter(site_type__in=PRIVATE_SITES)
        steps += [
            Step(
                "assessment",
                _("Assessment: where students can reach a code privately"),
                private.exists(),
                _("%(n)d placements in restrooms and counseling offices") % {"n": private.count()},
                "/placements/new/",
            ),
            Step(
                "deployment",
                _("Deployment plan: every placement in a school, posters printed"),
                placements.exists()
                and not placements.filter(unit__isnull=True).exists()
                and posters > 0,
                _("%(n)d placements, %(p)d posters printed")
                % {"n": placements.count(), "p": posters},
                "/placements/",
            ),
            *_training_steps(organization, title=_("Staff training rollout")),
            _monitoring_step(organization),
        ]
        return steps
    if template.needs_area:
        areas = OrganizationArea.objects.filter(organization=organization)
        verified = areas.filter(verified_at__isnull=False).count()
        steps.append(
            Step(
                "area",
                _("Jurisdiction area uploaded and verified"),
                verified > 0,
                _("%(n)d areas uploaded, %(v)d verified by the operator")
                % {"n": areas.count(), "v": verified},
                "/dashboard/routing/",
            )
        )
    steps += [
        Step(
            "placements",
            _("Placements created and posters printed"),
            placements.exists() and posters > 0,
            _("%(n)d placements, %(p)d posters printed") % {"n": placements.count(), "p": posters},
            "/placements/",
        ),
        _drill_step(organization),
        *_training_steps(organization, title=_("Training assigned")),
    ]
    return steps


def checklist_done(organization: Organization) -> bool:
    return all(step.done for step in checklist(organization))


def organizations_for_progress(admin_organizations: object) -> list[Organization]:
    """The administrator's organizations and their child organizations (a district sees its
    schools' onboarding, never their reports)."""
    return list(
        Organization.objects.filter(
            Q(pk__in=admin_organizations) | Q(parent__in=admin_organizations)
        ).order_by("parent_id", "name")
    )
