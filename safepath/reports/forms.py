"""Forms of the reporter's side. Messages are short and plain: the reader may be frightened."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from safepath.reports.questions import QUESTIONS


class AnswerForm(forms.Form):
    step = forms.ChoiceField(choices=[(key, key) for key in QUESTIONS])
    answer = forms.CharField(
        strip=True,
        error_messages={
            "required": _("Please write something before you send."),
            "null_characters_not_allowed": _("This text has characters we cannot save."),
        },
    )

    def clean_answer(self) -> str:
        answer: str = self.cleaned_data["answer"]
        limit = settings.REPORT_ANSWER_MAX_CHARS
        if len(answer) > limit:
            raise forms.ValidationError(
                _("This is too long to send at once. Please keep it under %(limit)s characters.")
                % {"limit": limit}
            )
        return answer
