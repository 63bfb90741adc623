"""Forms for staff sign-in steps."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SecondFactorForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=32,
        strip=True,
        error_messages={"required": _("Enter the 6-digit code from your app or a recovery code.")},
    )
