"""The administrator's onboarding checklist and organization profile."""

from __future__ import annotations

from typing import cast
from zoneinfo import ZoneInfo, available_timezones

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from safepath.accounts.access import organizations_for
from safepath.accounts.models import Organization, User
from safepath.accounts.permissions import Capability, organizations_with
from safepath.core.activity import record_one
from safepath.onboarding.checklist import PROFILE_SAVED, checklist, organizations_for_progress
from safepath.placements.selectors import get_placement_for_member
from safepath.reports.services import report_start
from safepath.training.selectors import compliance_matrix


class ProfileForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        choices=sorted((z, z) for z in available_timezones() if "/" in z or z == "UTC"),
    )


def _admin_organizations(request: HttpRequest) -> QuerySet[Organization]:
    return organizations_with(request.user, Capability.MEMBERS_MANAGE)


@login_required
def progress(request: HttpRequest) -> HttpResponse:
    admin = _admin_organizations(request)
    if not admin.exists():
        if organizations_for(request.user).exists():
            raise PermissionDenied
        raise Http404
    rows = []
    compliance = []
    today = timezone.localdate()
    for organization in organizations_for_progress(admin):
        steps = checklist(organization)
        # Training compliance as counts per organization (people by their worst standing):
        # a parent reads how its children stand, never who is behind.
        matrix = compliance_matrix(today=today, organization=organization, limit=0)
        compliance.append(
            {
                "organization": organization,
                "counts": matrix.counts,
                "people": matrix.total_people,
                "requirements": len(matrix.requirements),
                "own": admin.filter(pk=organization.pk).exists(),
            }
        )
        rows.append(
            {
                "organization": organization,
                "steps": steps,
                "done": sum(step.done for step in steps),
                "child": organization.parent_id is not None
                and not admin.filter(pk=organization.pk).exists(),
            }
        )
    return render(request, "onboarding/progress.html", {"rows": rows, "compliance": compliance})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    admin = _admin_organizations(request)
    slug = request.GET.get("organization") or request.POST.get("organization")
    organization = admin.filter(slug=slug).first() if slug else admin.first()
    if organization is None:
        if organizations_for(request.user).exists() and (
            not slug or organizations_for(request.user).filter(slug=slug).exists()
        ):
            raise PermissionDenied
        raise Http404
    organization = cast(Organization, organization)
    form = ProfileForm(
        request.POST or None,
        initial={"name": organization.name, "time_zone": organization.time_zone},
    )
    if request.method == "POST" and form.is_valid():
        ZoneInfo(form.cleaned_data["time_zone"])  # the choices are valid zone names
        with transaction.atomic():
            organization.name = form.cleaned_data["name"].strip()
            organization.time_zone = form.cleaned_data["time_zone"]
            organization.save(update_fields=["name", "time_zone"])
            record_one(
                actor=cast(User, request.user),
                organization=organization,
                action=PROFILE_SAVED,
                object_type="organization",
                object_ref=organization.slug,
                detail=f"{organization.name}; {organization.time_zone}",
            )
        return HttpResponseRedirect("/dashboard/onboarding/")
    return render(
        request,
        "onboarding/profile.html",
        {"form": form, "organization": organization, "title": _("Organization profile")},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def drill(request: HttpRequest, code: str) -> HttpResponse:
    """Start a drill at one of the member's placements: a report marked DRILL that travels the
    placement's routing (inbox, email, webhook) inside the organization only."""
    placement = get_placement_for_member(user=request.user, code=code)
    managers = organizations_with(request.user, Capability.PLACEMENT_MANAGE)
    if not managers.filter(pk=placement.organization_id).exists():
        raise PermissionDenied
    report, _token = report_start(
        placement=placement,
        step="what",
        value=_("This is a drill started by %(email)s.")
        % {"email": cast(User, request.user).email},
        choices=["other"],
        drill=True,
    )
    record_one(
        actor=cast(User, request.user),
        organization=placement.organization,
        action="onboarding.drill_started",
        object_type="report",
        object_ref=report.reference,
        detail=placement.code,
    )
    messages.success(request, _("Drill started: watch it arrive in the inbox and by email."))
    return HttpResponseRedirect("/dashboard/")
