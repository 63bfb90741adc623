"""The staff page where a person creates and revokes their own API tokens."""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from safepath.accounts.models import User
from safepath.api.models import ApiToken, Scope
from safepath.api.tokens import api_token_create, api_token_revoke
from safepath.core.audit import audit_record


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, strip=True)
    scopes = forms.MultipleChoiceField(
        label=_("Permissions"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )


@require_http_methods(["GET", "POST"])
@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = TokenForm(request.POST or None)
    created: str | None = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                record, created = api_token_create(
                    user=user, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"]
                )
            except ValidationError as error:
                form.add_error(None, error)
                status = 400
            else:
                audit_record(
                    actor=user,
                    organization=None,
                    action="api.token_created",
                    object_type="token",
                    object_ref=record.prefix,
                )
                form = TokenForm()
        else:
            status = 400
    return render(
        request,
        "api/tokens.html",
        {"form": form, "created": created, "tokens": ApiToken.objects.filter(user=user)},
        status=status,
    )


@require_POST
@login_required
def token_revoke(request: HttpRequest, prefix: str) -> HttpResponse:
    token = ApiToken.objects.filter(user=cast(User, request.user), prefix=prefix).first()
    if token is None:
        raise Http404
    api_token_revoke(token=token)
    audit_record(
        actor=request.user,
        organization=None,
        action="api.token_revoked",
        object_type="token",
        object_ref=token.prefix,
    )
    return HttpResponseRedirect("/accounts/tokens/")
