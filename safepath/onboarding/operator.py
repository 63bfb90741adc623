"""The operator's console: organizations (create, suspend), jurisdiction areas waiting for
verification (verify, refuse), and every organization's onboarding progress.

Operator accounts only (Django's ``is_staff`` flag, set by ``manage.py createsuperuser``),
after the second factor; anyone else gets a 404, as if the console did not exist. Every
change is recorded in the audit log of the organization it concerns.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from safepath.accounts.models import Organization, OrganizationKind, User
from safepath.core.activity import record_one
from safepath.onboarding.checklist import checklist
from safepath.onboarding.services import organization_onboard
from safepath.routing.models import OrganizationArea
from safepath.routing.policies import area_refuse, area_verify


class OrganizationForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=OrganizationKind.choices)
    admin = forms.EmailField(label=gettext_lazy("First administrator's email"))
    parent = forms.CharField(label=gettext_lazy("Parent (slug, optional)"), required=False)


def operator_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not (user.is_active and user.is_staff):
            raise Http404
        if not getattr(user, "is_verified", lambda: False)():
            return HttpResponseRedirect(
                f"/accounts/two-factor/?next={quote(request.get_full_path())}"
            )
        return view(request, *args, **kwargs)

    return wrapped


def _operator(request: HttpRequest) -> User:
    return cast(User, request.user)


def _page(request: HttpRequest, form: OrganizationForm | None = None, status: int = 200) -> Any:
    organizations = Organization.objects.select_related("parent").order_by("name")
    rows = []
    for organization in organizations:
        steps = checklist(organization)
        rows.append(
            {"organization": organization, "done": sum(s.done for s in steps), "total": len(steps)}
        )
    areas = OrganizationArea.objects.filter(verified_at__isnull=True).select_related("organization")
    return render(
        request,
        "onboarding/operator.html",
        {"rows": rows, "areas": areas, "form": form or OrganizationForm()},
        status=status,
    )


@operator_only
def console(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@operator_only
def organization_create(request: HttpRequest) -> HttpResponse:
    form = OrganizationForm(request.POST)
    if form.is_valid():
        try:
            new = organization_onboard(
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                admin_email=form.cleaned_data["admin"],
                parent_slug=form.cleaned_data["parent"] or None,
                actor=_operator(request),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s created; the invitation went to its administrator.")
                % {"name": new.organization.name},
            )
            return HttpResponseRedirect("/operator/")
    return _page(request, form, status=400)


def _set_suspended(request: HttpRequest, slug: str, *, suspend: bool) -> HttpResponse:
    with transaction.atomic():
        organization = get_object_or_404(Organization.objects.select_for_update(), slug=slug)
        organization.suspended_at = timezone.now() if suspend else None
        organization.save(update_fields=["suspended_at"])
        record_one(
            actor=_operator(request),
            organization=organization,
            action="operator.organization_suspended"
            if suspend
            else "operator.organization_resumed",
            object_type="organization",
            object_ref=organization.slug,
        )
    return HttpResponseRedirect("/operator/")


@require_POST
@operator_only
def organization_suspend(request: HttpRequest, slug: str) -> HttpResponse:
    return _set_suspended(request, slug, suspend=True)


@require_POST
@operator_only
def organization_resume(request: HttpRequest, slug: str) -> HttpResponse:
    return _set_suspended(request, slug, suspend=False)


@require_POST
@operator_only
def area_decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    area = get_object_or_404(OrganizationArea.objects.select_related("organization"), pk=pk)
    organization, name = area.organization, area.name
    with transaction.atomic():
        if decision == "verify":
            area_verify(area=area)
        else:
            area_refuse(area=area)
        record_one(
            actor=_operator(request),
            organization=organization,
            action=f"operator.area_{'verified' if decision == 'verify' else 'refused'}",
            object_type="area",
            object_ref=str(pk),
            detail=name,
        )
    return HttpResponseRedirect("/operator/")
