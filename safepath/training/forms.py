"""Forms for training: plain HTML forms, so everything works without JavaScript."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from safepath.accounts.models import Membership, Organization, Role, Unit
from safepath.training.models import Course


class AssignForm(forms.Form):
    course = forms.ModelChoiceField(queryset=Course.objects.none(), label=_("Course"))
    target = forms.ChoiceField(
        label=_("Assign to"),
        choices=[("person", _("A person")), ("unit", _("A unit")), ("role", _("A role"))],
    )
    person = forms.ModelChoiceField(
        queryset=Membership.objects.none(), required=False, label=_("Person")
    )
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False, label=_("Unit"))
    role = forms.ChoiceField(choices=[("", "—"), *Role.choices], required=False, label=_("Role"))
    due_on = forms.DateField(
        required=False, label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_months = forms.IntegerField(
        required=False, min_value=1, max_value=120, label=_("Valid for (months, optional)")
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        course_field: Any = self.fields["course"]
        course_field.queryset = Course.objects.filter(versions__isnull=False).distinct()
        person_field: Any = self.fields["person"]
        person_field.queryset = Membership.objects.filter(organization=organization).select_related(
            "user"
        )
        person_field.label_from_instance = lambda m: m.user.get_full_name() or m.user.email
        unit_field: Any = self.fields["unit"]
        unit_field.queryset = Unit.objects.filter(organization=organization)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        target = data.get("target")
        if target in {"person", "unit", "role"} and not data.get(target):
            self.add_error(target, _("Please choose who to assign the course to."))
        return data


class RevokeForm(forms.Form):
    reason = forms.CharField(max_length=300, label=_("Reason"))
