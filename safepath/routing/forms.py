"""Forms of the routing settings pages. Validation that needs the database is in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from safepath.routing.models import Sector


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    tiers = forms.CharField(
        label=_("Tiers, one per line"),
        widget=forms.Textarea(attrs={"rows": 6, "cols": 70}),
        max_length=4000,
        help_text=_(
            "“minutes/urgent minutes: recipient, recipient”. A recipient is an organization's "
            "slug, slug/team, @police or @task-force."
        ),
    )
    police_when_urgent = forms.BooleanField(
        label=_("Add the place's law enforcement when someone is in danger now"), required=False
    )
    services = forms.CharField(
        label=_("Service organizations for reporters who want no police (slugs, comma-separated)"),
        required=False,
        max_length=1000,
    )

    def service_slugs(self) -> list[str]:
        raw = self.cleaned_data.get("services") or ""
        return [slug.strip().lower() for slug in raw.split(",") if slug.strip()]


class NewPolicyForm(forms.Form):
    organization = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=120)
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices)
    tiers = forms.CharField(
        label=_("Tiers"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )


class PlacementPolicyForm(forms.Form):
    policy = forms.IntegerField(required=False)
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180)


class WebhookForm(forms.Form):
    organization = forms.IntegerField(widget=forms.HiddenInput)
    url = forms.CharField(label=_("Webhook address"), max_length=500)


class TimeZoneForm(forms.Form):
    organization = forms.IntegerField(widget=forms.HiddenInput)
    time_zone = forms.CharField(label=_("Time zone"), max_length=64)


class AreaImportForm(forms.Form):
    organization = forms.IntegerField(widget=forms.HiddenInput)
    file = forms.FileField(label=_("GeoJSON file"))


class ChannelsForm(forms.Form):
    membership = forms.IntegerField(widget=forms.HiddenInput)
    email = forms.BooleanField(label=_("Email"), required=False)
    phone = forms.RegexField(
        label=_("Mobile number for text messages (E.164, e.g. +15551234567)"),
        regex=r"^(\+[1-9]\d{6,14})?$",
        required=False,
        error_messages={"invalid": _("Write the number as + and country code, digits only.")},
    )
    sms_always = forms.BooleanField(
        label=_("Text me for every report, not only urgent ones"), required=False
    )
