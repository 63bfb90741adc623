"""The questions a reporter is asked.

The walking skeleton asks one open question, then lets the person add more. Every question
has a stable key: answers are stored under it and responders see it on the timeline.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Question:
    key: str
    prompt: str | Promise
    hint: str | Promise


WHAT = Question(
    key="what",
    prompt=_("What is happening?"),
    hint=_("Write in your own words. You can skip anything you do not want to say."),
)
MORE = Question(
    key="more",
    prompt=_("Anything else you want to add?"),
    hint=_("A place, a name, a phone number, a car: anything helps."),
)

QUESTIONS = {question.key: question for question in (WHAT, MORE)}
