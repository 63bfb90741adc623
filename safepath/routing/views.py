"""Routing settings for organization admins, and acknowledging a report. Thin: reads come from
selectors (scoped by tenancy), writes from services; bad input is a 400 with a message."""

from __future__ import annotations

from typing import Any, cast
from zoneinfo import available_timezones

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safepath.accounts.access import memberships_for
from safepath.accounts.models import Organization, User
from safepath.accounts.services import organization_set_time_zone
from safepath.placements.selectors import get_placement_for_member, placements_for_member
from safepath.reports.access import Access, get_report_for_member, report_access
from safepath.routing import services
from safepath.routing.forms import (
    AreaImportForm,
    ChannelsForm,
    NewPolicyForm,
    PlacementPolicyForm,
    PolicyForm,
    TimeZoneForm,
    WebhookForm,
)
from safepath.routing.models import PlacementRouting, ResponderChannels
from safepath.routing.policytext import tiers_as_text
from safepath.routing.selectors import (
    admin_organization_ids,
    areas_for_member,
    get_policy_for_member,
    policies_for_member,
    policy_for_placement,
    routing_timeline,
    webhooks_for_member,
)
from safepath.routing.services import ACKNOWLEDGING_ROLES
from safepath.routing.webhooks import webhook_secret, webhook_url_masked


def _admin_organization(request: HttpRequest, organization_id: int | None) -> Organization:
    """An organization the user administers: 404 if not theirs, 403 if they are not admin."""
    member_of = {m.organization_id: m for m in memberships_for(request.user)}
    if organization_id not in member_of:
        raise Http404
    if organization_id not in admin_organization_ids(user=request.user):
        raise PermissionDenied(_("Only an administrator of the organization can change routing."))
    return member_of[organization_id].organization


def _errors(error: ValidationError | Any) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return " ".join(f"{field}: {' '.join(errs)}" for field, errs in error.items())


def _overview(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    user = request.user
    admin_of = admin_organization_ids(user=user)
    placements = []
    for placement in placements_for_member(user=user):
        routing = PlacementRouting.objects.filter(placement=placement).first()
        placements.append(
            {
                "placement": placement,
                "policy": policy_for_placement(placement=placement),
                "routing": routing,
                "admin": placement.organization_id in admin_of,
            }
        )
    memberships = list(memberships_for(user))
    channels = {
        c.membership_id: c for c in ResponderChannels.objects.filter(membership__in=memberships)
    }
    # Webhook addresses may carry the receiver's credentials: only admins see them, masked.
    webhooks = [
        {"webhook": w, "url": webhook_url_masked(w.url), "secret": webhook_secret(w)}
        for w in webhooks_for_member(user=user)
        if w.organization_id in admin_of
    ]
    context = {
        "error": error,
        "memberships": [
            (m, channels.get(m.pk), m.organization_id in admin_of) for m in memberships
        ],
        "policies": [
            (p, tiers_as_text(p), p.organization_id in admin_of)
            for p in policies_for_member(user=user)
        ],
        "placements": placements,
        "webhooks": webhooks,
        "areas": areas_for_member(user=user),
        "admin_organizations": [
            m.organization for m in memberships if m.organization_id in admin_of
        ],
        "time_zones": sorted(available_timezones()),
    }
    return render(request, "routing/overview.html", context, status=status)


@login_required
@require_http_methods(["GET"])
def overview(request: HttpRequest) -> HttpResponse:
    return _overview(request)


@login_required
@require_POST
def policy_new(request: HttpRequest) -> HttpResponse:
    form = NewPolicyForm(request.POST)
    if not form.is_valid():
        return _overview(request, error=_errors(form.errors), status=400)
    organization = _admin_organization(request, form.cleaned_data["organization"])
    try:
        policy = services.policy_create(
            organization=organization,
            name=form.cleaned_data["name"],
            sector=form.cleaned_data["sector"],
            tiers_text=form.cleaned_data["tiers"],
        )
    except ValidationError as error:
        return _overview(request, error=_errors(error), status=400)
    messages.success(request, _("Routing policy created."))
    return redirect("routing:policy_edit", pk=policy.pk)


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    policy = get_policy_for_member(user=request.user, pk=pk)
    can_edit = policy.organization_id in admin_organization_ids(user=request.user)
    initial = {
        "name": policy.name,
        "tiers": tiers_as_text(policy),
        "police_when_urgent": policy.police_when_urgent,
        "services": ", ".join(o.slug for o in policy.service_organizations.all()),
    }
    form = PolicyForm(request.POST if request.method == "POST" else None, initial=initial)
    error = ""
    if request.method == "POST":
        _admin_organization(request, policy.organization_id)
        if form.is_valid():
            try:
                services.policy_update(
                    policy=policy,
                    name=form.cleaned_data["name"],
                    tiers_text=form.cleaned_data["tiers"],
                    police_when_urgent=form.cleaned_data["police_when_urgent"],
                    service_slugs=form.service_slugs(),
                )
            except ValidationError as invalid:
                error = _errors(invalid)
            else:
                messages.success(request, _("Routing policy saved."))
                return redirect("routing:policy_edit", pk=policy.pk)
        else:
            error = _errors(form.errors)
    return render(
        request,
        "routing/policy.html",
        {"policy": policy, "form": form, "error": error, "can_edit": can_edit},
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def placement_routing(request: HttpRequest, code: str) -> HttpResponse:
    placement = get_placement_for_member(user=request.user, code=code)
    if request.method == "GET":
        return _overview(request)
    _admin_organization(request, placement.organization_id)
    form = PlacementPolicyForm(request.POST)
    if not form.is_valid():
        return _overview(request, error=_errors(form.errors), status=400)
    policy = None
    if form.cleaned_data["policy"]:
        policy = (
            policies_for_member(user=request.user)
            .filter(pk=form.cleaned_data["policy"], organization_id=placement.organization_id)
            .first()
        )
        if policy is None:
            return _overview(
                request, error=_("Choose one of your organization's policies."), status=400
            )
    latitude, longitude = form.cleaned_data["latitude"], form.cleaned_data["longitude"]
    if (latitude is None) != (longitude is None):
        return _overview(
            request, error=_("Give both latitude and longitude, or neither."), status=400
        )
    services.placement_set_policy(placement=placement, policy=policy)
    if latitude is not None and longitude is not None:
        services.placement_set_location(
            placement=placement, latitude=latitude, longitude=longitude, actor=request.user
        )
    messages.success(request, _("Routing of %(place)s saved.") % {"place": placement.public_name})
    return redirect("routing:overview")


@login_required
@require_POST
def webhook_add(request: HttpRequest) -> HttpResponse:
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _overview(request, error=_errors(form.errors), status=400)
    organization = _admin_organization(request, form.cleaned_data["organization"])
    try:
        services.webhook_create(organization=organization, url=form.cleaned_data["url"])
    except ValidationError as error:
        return _overview(request, error=_errors(error), status=400)
    messages.success(request, _("Webhook added. Its signing secret is shown below."))
    return redirect("routing:overview")


@login_required
@require_POST
def time_zone_update(request: HttpRequest) -> HttpResponse:
    """An admin sets the zone their organization's staff see every time in."""
    form = TimeZoneForm(request.POST)
    if not form.is_valid():
        return _overview(request, error=_errors(form.errors), status=400)
    organization = _admin_organization(request, form.cleaned_data["organization"])
    try:
        organization_set_time_zone(
            organization=organization,
            time_zone=form.cleaned_data["time_zone"].strip(),
            actor=cast(User, request.user),
        )
    except ValidationError as error:
        return _overview(request, error=_errors(error), status=400)
    messages.success(
        request,
        _("Times for %(organization)s are now shown in %(zone)s.")
        % {"organization": organization.name, "zone": organization.time_zone},
    )
    return redirect("routing:overview")


@login_required
@require_POST
def area_import(request: HttpRequest) -> HttpResponse:
    form = AreaImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _overview(request, error=_errors(form.errors), status=400)
    organization = _admin_organization(request, form.cleaned_data["organization"])
    upload = form.cleaned_data["file"]
    if upload.size > 5 * 1024 * 1024:
        return _overview(request, error=_("The file is larger than 5 MB."), status=400)
    try:
        areas = services.areas_import(organization=organization, text=upload.read(), verified=False)
    except ValidationError as error:
        return _overview(request, error=_errors(error), status=400)
    messages.success(request, _("%(n)s areas imported.") % {"n": len(areas)})
    return redirect("routing:overview")


@login_required
@require_POST
def channels_update(request: HttpRequest) -> HttpResponse:
    form = ChannelsForm(request.POST)
    if not form.is_valid():
        return _overview(request, error=_errors(form.errors), status=400)
    membership = memberships_for(request.user).filter(pk=form.cleaned_data["membership"]).first()
    if membership is None:
        raise Http404
    services.responder_channels_set(
        membership=membership,
        email=form.cleaned_data["email"],
        phone=form.cleaned_data["phone"],
        sms_always=form.cleaned_data["sms_always"],
    )
    messages.success(request, _("Your notification channels are saved."))
    return redirect("routing:overview")


@login_required
@require_http_methods(["GET", "POST"])
def acknowledge(request: HttpRequest, reference: str) -> HttpResponse:
    """GET: a confirmation (the link in a notification lands here after sign-in). POST: do it."""
    report = get_report_for_member(user=request.user, reference=reference)
    if request.method == "POST":
        roles = {m.role for m in memberships_for(request.user)}
        if not roles & ACKNOWLEDGING_ROLES:
            raise PermissionDenied(_("Your role cannot acknowledge reports."))
        access, _organization = report_access(user=request.user, report=report)
        if access == Access.READ:
            raise PermissionDenied(_("This report was shared with your organization to read only."))
        assert isinstance(request.user, User)
        if services.report_acknowledge(report=report, user=request.user):
            messages.success(request, _("Report acknowledged. Escalation stopped."))
        else:
            messages.info(request, _("This report was already acknowledged."))
        return redirect(f"/dashboard/reports/{report.reference}/")
    return render(
        request,
        "routing/acknowledge.html",
        {"report": report, "timeline": routing_timeline(report=report)},
    )
