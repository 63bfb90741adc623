"""Forms for placements. The CSV import validates each row with the same PlacementForm."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from safepath.accounts.models import Organization, Unit
from safepath.placements.models import (
    MAX_LANGUAGES,
    POSTER_LANGUAGES,
    Placement,
    PlacementStatus,
    PosterPaper,
)

LANGUAGE_FIELDS = tuple(f"language_{n}" for n in range(1, MAX_LANGUAGES + 1))


class PlacementForm(forms.ModelForm):
    """Create or edit a placement of one organization; languages as up to three choices."""

    language_1 = forms.ChoiceField(label=_("Main language"), choices=POSTER_LANGUAGES)
    language_2 = forms.ChoiceField(
        label=_("Second language"), choices=[("", "—"), *POSTER_LANGUAGES], required=False
    )
    language_3 = forms.ChoiceField(
        label=_("Third language"), choices=[("", "—"), *POSTER_LANGUAGES], required=False
    )

    class Meta:
        model = Placement
        fields = [
            "public_name",
            "site_type",
            "unit",
            "address",
            "latitude",
            "longitude",
            "installed_on",
            "last_checked_on",
            "internal_notes",
        ]
        widgets = {
            "installed_on": forms.DateInput(attrs={"type": "date"}),
            "last_checked_on": forms.DateInput(attrs={"type": "date"}),
            "internal_notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "public_name": _(
                "Shown to the person who scans, so they can tell it is the real code."
            ),
            "internal_notes": _("Staff only. Never shown to the person who scans."),
        }

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.instance.organization = organization
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = Unit.objects.filter(organization=organization)
        languages = list(self.instance.languages or ["en"])
        for name, value in zip(LANGUAGE_FIELDS, languages, strict=False):
            self.initial.setdefault(name, value)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = [cleaned.get(name) for name in LANGUAGE_FIELDS]
        languages = [lang for lang in chosen if lang]
        if len(set(languages)) != len(languages):
            self.add_error("language_2", _("Choose each language once."))
            languages = list(dict.fromkeys(languages))
        if not languages:
            languages = ["en"]  # language_1 already carries the "required" error
        cleaned["languages"] = languages
        # Set on the instance so the model's own checks see what the form will save.
        self.instance.languages = languages
        return cleaned

    def placement_details(self) -> dict[str, Any]:
        """What to hand to placement_create / placement_update."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["languages"] = self.cleaned_data["languages"]
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=PlacementStatus.choices)


class ReplaceCodeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why (optional)"),
        max_length=200,
        required=False,
        help_text=_("For example: torn, written on, a sticker pasted over it."),
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


class BatchForm(forms.Form):
    paper = forms.ChoiceField(label=_("Print as"), choices=PosterPaper.choices)
    codes = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False)

    def __init__(self, *args: Any, placements: list[Placement], units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codes_field = self.fields["codes"]
        assert isinstance(codes_field, forms.MultipleChoiceField)
        codes_field.choices = [(p.code, p.public_name) for p in placements]
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, forms.ModelChoiceField)
        unit_field.queryset = units

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("codes") and not cleaned.get("unit"):
            raise forms.ValidationError(_("Select some placements or a whole unit to print."))
        return cleaned
