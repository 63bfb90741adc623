"""Forms for training: plain HTML forms, so everything works without JavaScript."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from safepath.accounts.models import Membership, Organization, Role, Unit
from safepath.training.models import LOCAL_LESSON_MAX_CHARS, Course, Requirement
from safepath.training.services import requirement_code


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


class AdoptForm(forms.Form):
    """Adopt a mandate from the library for a unit and/or a role (or everyone)."""

    template = forms.ModelChoiceField(
        queryset=Requirement.objects.none(), label=_("Requirement from the library")
    )
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(), required=False, label=_("Unit (optional)")
    )
    role = forms.ChoiceField(
        choices=[("", "—"), *Role.choices], required=False, label=_("Role (optional)")
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        template_field: Any = self.fields["template"]
        template_field.queryset = Requirement.objects.filter(organization__isnull=True)
        unit_field: Any = self.fields["unit"]
        unit_field.queryset = Unit.objects.filter(organization=organization)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        template = data.get("template")
        if template is not None and not self.errors:
            code = requirement_code(template=template, unit=data.get("unit"), role=data["role"])
            data["code"] = code
            if Requirement.objects.filter(
                organization=self.organization, code=code, retired_at__isnull=True
            ).exists():
                raise forms.ValidationError(
                    _("This requirement is already adopted for that unit and role.")
                )
        return data


class OwnRequirementForm(forms.Form):
    """An organization's own requirement, beside the library's mandates."""

    title = forms.CharField(max_length=200, label=_("Title"))
    course = forms.ModelChoiceField(queryset=Course.objects.none(), label=_("Course"))
    recurrence = forms.ChoiceField(
        label=_("How often"),
        choices=[
            ("once", _("Once")),
            ("from_completion", _("Again N months after each completion")),
            ("from_expiry", _("Again N months after the previous expiry")),
            ("anniversary", _("Every year on a fixed date")),
        ],
    )
    interval_months = forms.IntegerField(
        min_value=1, max_value=120, initial=12, label=_("Every (months)")
    )
    initial_days = forms.IntegerField(
        min_value=0, max_value=3650, initial=30, label=_("First due (days after hire)")
    )
    minimum_minutes = forms.IntegerField(
        min_value=1, max_value=6000, required=False, label=_("Minimum minutes (optional)")
    )
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(), required=False, label=_("Unit (optional)")
    )
    role = forms.ChoiceField(
        choices=[("", "—"), *Role.choices], required=False, label=_("Role (optional)")
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        course_field: Any = self.fields["course"]
        course_field.queryset = Course.objects.filter(versions__isnull=False).distinct()
        unit_field: Any = self.fields["unit"]
        unit_field.queryset = Unit.objects.filter(organization=organization)


class RequirementForm(forms.Form):
    """What an organization may change in an adopted requirement: its windows."""

    due_soon_days = forms.IntegerField(
        min_value=0, max_value=365, label=_("Due-soon window (days before the due date)")
    )
    grace_days = forms.IntegerField(
        min_value=0, max_value=365, label=_("Grace period (days after the due date)")
    )


class LocalLessonForm(forms.Form):
    """An organization's own text for a lesson it fills in, in each course language."""

    body_en = forms.CharField(
        required=False,
        max_length=LOCAL_LESSON_MAX_CHARS,
        label=_("English (Markdown)"),
        widget=forms.Textarea(attrs={"rows": 18}),
    )
    body_es = forms.CharField(
        required=False,
        max_length=LOCAL_LESSON_MAX_CHARS,
        label=_("Spanish (Markdown)"),
        widget=forms.Textarea(attrs={"rows": 18}),
    )


class HireDateForm(forms.Form):
    hired_on = forms.DateField(
        required=False,
        label=_("Hire date (empty: the date they joined SafePath is used)"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class LicenceForm(forms.Form):
    renews_on = forms.DateField(
        required=False,
        label=_("Licence renews on (for mandates due at licence renewal)"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class SessionForm(forms.Form):
    """Schedule an instructor-led session."""

    course = forms.ModelChoiceField(queryset=Course.objects.none(), label=_("Course"))
    title = forms.CharField(max_length=200, label=_("Title"))
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    minutes = forms.IntegerField(min_value=1, max_value=24 * 60, label=_("Length (minutes)"))
    place = forms.CharField(max_length=200, required=False, label=_("Place"))
    video_url = forms.URLField(
        max_length=500, required=False, label=_("Video link"), assume_scheme="https"
    )
    capacity = forms.IntegerField(min_value=1, max_value=1000, label=_("Seats"))
    instructor = forms.ModelChoiceField(queryset=Membership.objects.none(), label=_("Instructor"))
    approval = forms.CharField(
        max_length=200,
        required=False,
        label=_("Approval (optional)"),
        help_text=_("For example “California POST course 1234”, when the session is approved."),
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        course_field: Any = self.fields["course"]
        course_field.queryset = Course.objects.filter(versions__isnull=False).distinct()
        instructor: Any = self.fields["instructor"]
        instructor.queryset = Membership.objects.filter(
            organization=organization, user__is_active=True
        ).select_related("user")
        instructor.label_from_instance = lambda m: m.user.get_full_name() or m.user.email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("place") or data.get("video_url")):
            self.add_error("place", _("Please give a place or a video link."))
        return data


class ExternalRecordForm(forms.Form):
    """Training a person took elsewhere, with its certificate."""

    title = forms.CharField(max_length=200, label=_("Course or class"))
    provider = forms.CharField(max_length=200, label=_("Provider"))
    completed_on = forms.DateField(
        label=_("Completed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    minutes = forms.IntegerField(min_value=1, max_value=6000, label=_("Length (minutes)"))
    requirement = forms.ModelChoiceField(
        queryset=Requirement.objects.none(), required=False, label=_("Counts for (optional)")
    )
    approval = forms.CharField(
        max_length=200,
        required=False,
        label=_("Approval (optional)"),
        help_text=_("Who approved the course, e.g. “Tennessee TBI”."),
    )
    certificate = forms.FileField(label=_("Certificate (PDF, PNG or JPEG, up to 5 MB)"))

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        requirement: Any = self.fields["requirement"]
        requirement.queryset = Requirement.objects.filter(
            organization=organization, retired_at__isnull=True
        )
