"""Forms of the responders' side. Choices are limited to what the member's organization has."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from safepath.accounts.models import Organization, Unit, User
from safepath.cases.indicators import INDICATORS
from safepath.cases.models import EntryKind, Outcome, ShareAccess
from safepath.cases.ready_messages import ready_message, ready_messages_for, reply_language
from safepath.core.codes import normalize_code
from safepath.reports.models import ReportPriority, ReportStatus

ASSIGNEE_ME = "me"
ASSIGNEE_NONE = "none"


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", _("Any status")), *ReportStatus.choices], required=False
    )
    priority = forms.ChoiceField(
        choices=[("", _("Any priority")), *ReportPriority.choices], required=False
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Reference, place, address or assignee"),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    placement = forms.CharField(label=_("Place (name or code)"), required=False, max_length=100)
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False)
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False, choices=[])
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(organization__in=organizations)  # type: ignore[attr-defined]  # ModelChoiceField
        members = (
            User.objects.filter(memberships__organization__in=organizations, is_active=True)
            .distinct()
            .order_by("first_name", "last_name", "email")
        )
        self.fields["assignee"].choices = [  # type: ignore[attr-defined]  # ChoiceField
            ("", _("Anyone")),
            (ASSIGNEE_ME, _("Me")),
            (ASSIGNEE_NONE, _("Nobody")),
            *((str(member.pk), member.get_full_name() or member.email) for member in members),
        ]

    def clean_placement(self) -> str:
        # A code (typed any way) or part of a place's name: both are searched.
        return " ".join(self.cleaned_data["placement"].split())

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())

    def placement_code(self) -> str | None:
        raw = self.cleaned_data.get("placement") or ""
        return normalize_code(raw) if raw else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=ReportStatus.choices)
    outcome = forms.ChoiceField(choices=[("", "—"), *Outcome.choices], required=False)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False)
    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False)

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(  # type: ignore[attr-defined]  # ModelChoiceField
            memberships__organization=organization, is_active=True
        ).order_by("email")
        self.fields["unit"].queryset = Unit.objects.filter(organization=organization)  # type: ignore[attr-defined]  # ModelChoiceField


class NoteForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea, max_length=5000, strip=True)


class ReplyForm(forms.Form):
    """A message to the reporter: a ready-made one in their language, or free text as written."""

    ready = forms.ChoiceField(required=False, label=_("Ready-made message"))
    body = forms.CharField(
        required=False,
        strip=True,
        max_length=settings.REPORT_ANSWER_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Or write your own (sent as written)"),
    )

    def __init__(self, *args: Any, language: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language = reply_language(language)
        self.ready_messages = ready_messages_for(self.language)
        self.fields["ready"].choices = [  # type: ignore[attr-defined]  # ChoiceField
            ("", _("— none, I write my own —")),
            *[
                (m.key, m.text if m.text == m.meaning else f"{m.text} — {m.meaning}")
                for m in self.ready_messages
            ],
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        ready, body = data.get("ready"), data.get("body")
        if ready and body:
            raise forms.ValidationError(
                _("Send either a ready-made message or your own words, not both.")
            )
        if ready:
            data["body"] = ready_message(key=ready, language=self.language).text
        elif not body and not self.errors:
            raise forms.ValidationError(_("Write a message or choose one before you send it."))
        return data


class ShareForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none())
    access = forms.ChoiceField(choices=ShareAccess.choices)
    reason = forms.CharField(max_length=300, strip=True)

    def __init__(self, *args: Any, exclude: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.exclude(pk=exclude.pk)  # type: ignore[attr-defined]  # ModelChoiceField


class CaseForm(forms.Form):
    title = forms.CharField(max_length=200, strip=True)


class LinkForm(forms.Form):
    case = forms.CharField(max_length=20, strip=True)
    reason = forms.CharField(max_length=200, required=False, strip=True)


class EntryForm(forms.Form):
    kind = forms.ChoiceField(choices=EntryKind.choices)
    value = forms.CharField(max_length=300, strip=True)
    note = forms.CharField(max_length=500, required=False, strip=True)


class ObservationForm(forms.Form):
    indicator = forms.ChoiceField(choices=[(i.code, f"{i.code} · {i.text}") for i in INDICATORS])
    note = forms.CharField(max_length=500, required=False, strip=True)


class DocumentForm(forms.Form):
    file = forms.FileField()
