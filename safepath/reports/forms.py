"""Forms of the reporter's side. Messages are short and plain: the reader may be frightened."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from safepath.reports.photos import CleanPhoto, NotAnImage, clean_photo
from safepath.reports.questions import QUESTIONS, Kind

TEXT_ERRORS = {
    "required": _("Please write something before you send."),
    "null_characters_not_allowed": _("This text has characters we cannot save."),
}


def _limit_text(text: str) -> str:
    limit = settings.REPORT_ANSWER_MAX_CHARS
    if len(text) > limit:
        raise forms.ValidationError(
            _("This is too long to send at once. Please keep it under %(limit)s characters.")
            % {"limit": limit}
        )
    return text


class AnswerForm(forms.Form):
    """One screen's answer: choices, words, or a photo. An empty answer is a skip."""

    step = forms.ChoiceField(choices=[(key, key) for key in QUESTIONS])
    choice = forms.MultipleChoiceField(required=False, choices=[])
    text = forms.CharField(required=False, strip=True, error_messages=TEXT_ERRORS)
    photo = forms.FileField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any choice of any question passes the field; clean() checks it against the step.
        self.fields["choice"].choices = sorted(  # type: ignore[attr-defined]
            {(c.key, c.key) for q in QUESTIONS.values() for c in q.choices}
        )
        self.fields["choice"].error_messages["invalid_choice"] = _(
            "Please pick one of the answers shown."
        )

    def clean_text(self) -> str:
        return _limit_text(self.cleaned_data.get("text") or "")

    def clean_photo(self) -> CleanPhoto | None:
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        if upload.size > settings.REPORT_PHOTO_MAX_BYTES:
            raise forms.ValidationError(
                _("This photo is too big. Please send one under %(mb)s MB.")
                % {"mb": settings.REPORT_PHOTO_MAX_BYTES // (1024 * 1024)}
            )
        try:
            return clean_photo(upload.read())
        except NotAnImage:
            raise forms.ValidationError(
                _("This file is not a photo we can use. Please pick a picture.")
            ) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        question = QUESTIONS.get(data.get("step", ""))
        if question is None:
            return data
        allowed = {choice.key for choice in question.choices}
        picked = data.get("choice") or []
        if any(choice not in allowed for choice in picked) or (
            question.kind == Kind.SINGLE and len(picked) > 1
        ):
            self.add_error("choice", _("Please pick one of the answers shown."))
        if data.get("photo") and question.kind != Kind.PHOTO:
            self.add_error("photo", _("A photo can only be added on the photo question."))
        return data

    @property
    def is_empty(self) -> bool:
        data = self.cleaned_data
        return not (data.get("choice") or data.get("text") or data.get("photo"))


RECEIPT_DIGITS = re.compile(r"[\s\-.]")


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        max_length=40,
        strip=True,
        error_messages={
            "required": _("Please type your receipt number."),
            "max_length": _("A receipt number has 16 digits."),
        },
    )

    def clean_receipt(self) -> str:
        typed = RECEIPT_DIGITS.sub("", self.cleaned_data["receipt"])
        # Phones in Arabic, Persian and other scripts type their own digits: read them as 0-9.
        digits = "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in typed)
        if not (len(digits) == 16 and digits.isascii() and digits.isdigit()):
            raise forms.ValidationError(_("A receipt number has 16 digits."))
        return digits


class FollowupTextForm(forms.Form):
    """A message to the helpers, or more information for the report."""

    text = forms.CharField(strip=True, error_messages=TEXT_ERRORS)

    def clean_text(self) -> str:
        return _limit_text(self.cleaned_data["text"])
