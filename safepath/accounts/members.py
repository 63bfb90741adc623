"""The administrator's members screen: invite, import, change, deactivate, reset.

Another organization's member or invitation is a 404; a member of the same organization who
is not its administrator gets a 403 (the object is theirs to see exist, not to change).
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from safepath.accounts import services
from safepath.accounts.access import organizations_for
from safepath.accounts.forms import InviteForm, MembersCsvForm, MembershipForm
from safepath.accounts.models import Invitation, Membership, Organization, User
from safepath.accounts.permissions import Capability, organizations_with

CSV_MAX_BYTES = 512 * 1024


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _admin_organizations(request: HttpRequest) -> Any:
    return organizations_with(request.user, Capability.MEMBERS_MANAGE)


def _organization(request: HttpRequest) -> Organization:
    """The organization the administrator is working on (chosen by slug, else the first)."""
    organizations = _admin_organizations(request)
    slug = request.POST.get("organization") or request.GET.get("organization")
    if slug:
        organization = organizations.filter(slug=slug).first()
        if organization is None:
            if organizations_for(request.user).filter(slug=slug).exists():
                raise PermissionDenied
            raise Http404
        return cast(Organization, organization)
    organization = organizations.first()
    if organization is None:
        if organizations_for(request.user).exists():
            raise PermissionDenied
        raise Http404
    return cast(Organization, organization)


def _check_admin(request: HttpRequest, organization_id: int) -> None:
    if not _admin_organizations(request).filter(pk=organization_id).exists():
        raise PermissionDenied


def _membership(request: HttpRequest, pk: int) -> Membership:
    membership = (
        Membership.objects.filter(pk=pk, organization__in=organizations_for(request.user))
        .select_related("user", "organization")
        .first()
    )
    if membership is None:
        raise Http404
    _check_admin(request, membership.organization_id)
    return membership


def _invitation(request: HttpRequest, pk: int) -> Invitation:
    invitation = (
        Invitation.objects.filter(pk=pk, organization__in=organizations_for(request.user))
        .select_related("organization")
        .first()
    )
    if invitation is None:
        raise Http404
    _check_admin(request, invitation.organization_id)
    return invitation


def _back(organization: Organization) -> HttpResponseRedirect:
    return HttpResponseRedirect(f"/dashboard/members/?organization={organization.slug}")


def _list_page(
    request: HttpRequest,
    organization: Organization,
    *,
    invite_form: InviteForm | None = None,
    csv_form: MembersCsvForm | None = None,
    csv_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    members = (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .prefetch_related("units")
        .order_by("deactivated_at", "user__email")
    )
    invitations = Invitation.objects.filter(
        organization=organization, accepted_at__isnull=True, revoked_at__isnull=True
    ).prefetch_related("units")
    return render(
        request,
        "accounts/members.html",
        {
            "organization": organization,
            "organizations": _admin_organizations(request),
            "members": members,
            "invitations": invitations,
            "invite_form": invite_form or InviteForm(organization=organization),
            "csv_form": csv_form or MembersCsvForm(),
            "csv_errors": csv_errors or [],
        },
        status=status,
    )


@login_required
def members_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, _organization(request))


@login_required
@require_POST
def member_invite(request: HttpRequest) -> HttpResponse:
    organization = _organization(request)
    form = InviteForm(request.POST, organization=organization)
    if form.is_valid():
        try:
            invitation, _token = services.invitation_create(
                organization=organization,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                units=form.cleaned_data["units"],
                actor=_user(request),
            )
        except ValidationError as error:
            form.add_error("email", error)
        else:
            invitation.refresh_from_db()
            if invitation.sent_at:
                messages.success(request, _("Invitation sent to %(e)s.") % {"e": invitation.email})
            else:
                messages.error(
                    request,
                    _("The invitation is saved but the email could not be sent: resend it."),
                )
            return _back(organization)
    return _list_page(request, organization, invite_form=form, status=400)


@login_required
@require_POST
def members_import(request: HttpRequest) -> HttpResponse:
    organization = _organization(request)
    form = MembersCsvForm(request.POST, request.FILES)
    if not form.is_valid():
        return _list_page(request, organization, csv_form=form, status=400)
    upload = form.cleaned_data["file"]
    if upload.size > CSV_MAX_BYTES:
        return _list_page(
            request,
            organization,
            csv_errors=[_("The file is too large (512 KB at most).")],
            status=400,
        )
    result = services.members_import_csv(
        organization=organization, data=upload.read(), actor=_user(request)
    )
    if result.errors:
        return _list_page(request, organization, csv_errors=result.errors, status=400)
    messages.success(request, _("%(n)d invitations sent.") % {"n": len(result.invitations)})
    return _back(organization)


@login_required
@require_POST
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _invitation(request, pk)
    try:
        services.invitation_resend(invitation=invitation, actor=_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(invitation.organization)
    messages.success(request, _("A new link was sent to %(e)s.") % {"e": invitation.email})
    return _back(invitation.organization)


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _invitation(request, pk)
    services.invitation_revoke(invitation=invitation, actor=_user(request))
    messages.success(request, _("The invitation link no longer works."))
    return _back(invitation.organization)


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request, pk)
    organization = membership.organization
    initial = {"role": membership.role, "units": list(membership.units.all())}
    form = MembershipForm(request.POST or None, initial=initial, organization=organization)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_change(
                membership=membership,
                role=form.cleaned_data["role"],
                units=form.cleaned_data["units"],
                actor=_user(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Saved."))
            return _back(organization)
    return render(
        request,
        "accounts/member_edit.html",
        {"membership": membership, "form": form, "organization": organization},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def member_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request, pk)
    try:
        services.membership_deactivate(membership=membership, actor=_user(request))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponse(" ".join(error.messages), status=400)
    messages.success(request, _("%(e)s can no longer sign in here.") % {"e": membership.user.email})
    return _back(membership.organization)


@login_required
@require_POST
def member_reset_second_factor(request: HttpRequest, pk: int) -> HttpResponse:
    membership = _membership(request, pk)
    services.second_factor_reset(membership=membership, actor=_user(request))
    messages.success(
        request,
        _("%(e)s will set up a new second step at their next sign-in.")
        % {"e": membership.user.email},
    )
    return _back(membership.organization)
