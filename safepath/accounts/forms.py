"""Forms for staff sign-in steps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from safepath.accounts.models import Organization, Role, Unit, User


class SecondFactorForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=32,
        strip=True,
        error_messages={"required": _("Enter the 6-digit code from your app or a recovery code.")},
    )


class AcceptInvitationForm(forms.Form):
    """Choose a password (Django's validators) for a new account made from an invitation."""

    password1 = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("The same password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first, User(email=self.email))
            except ValidationError as error:
                self.add_error("password1", error)
        return data


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    units = forms.ModelMultipleChoiceField(
        label=_("Units (none: the whole organization)"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = organization.units.all()  # type: ignore[attr-defined]  # ModelMultipleChoiceField


class MembershipForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    units = forms.ModelMultipleChoiceField(
        label=_("Units (none: the whole organization)"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = organization.units.all()  # type: ignore[attr-defined]  # ModelMultipleChoiceField


class MembersCsvForm(forms.Form):
    file = forms.FileField(label=_("CSV file (email, role, units)"))
