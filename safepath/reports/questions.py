"""The questions a reporter is asked, one per screen, in this order. Every one can be skipped.

Each question has a stable key: answers are stored under it and responders see it on the
timeline. Choices have stable keys too; routing facts (priority, who should receive the
report) are derived from those keys, never from free text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Kind(StrEnum):
    SINGLE = "single"  # pick one (radio buttons)
    MULTI = "multi"  # pick any (checkboxes)
    TEXT = "text"  # words only
    PHOTO = "photo"  # one picture


@dataclass(frozen=True)
class Choice:
    key: str
    label: str | Promise


@dataclass(frozen=True)
class Question:
    key: str
    kind: Kind
    prompt: str | Promise
    hint: str | Promise = ""
    choices: tuple[Choice, ...] = ()
    # A text box under the choices, for the details a choice may need.
    text_label: str | Promise = ""


YES_NO = (
    Choice("yes", _("Yes")),
    Choice("no", _("No")),
    Choice("unsure", _("I do not know")),
)

QUESTION_LIST: tuple[Question, ...] = (
    Question(
        "about",
        Kind.SINGLE,
        _("Is this about you or someone else?"),
        choices=(Choice("me", _("About me")), Choice("other", _("About someone else"))),
    ),
    Question("danger", Kind.SINGLE, _("Is anyone in danger right now?"), choices=YES_NO),
    Question("under18", Kind.SINGLE, _("Is anyone under 18?"), choices=YES_NO),
    Question(
        "what",
        Kind.MULTI,
        _("What is happening?"),
        _("Pick all that are true."),
        choices=(
            Choice("work", _("Made to work")),
            Choice("sex", _("Made to do sex acts")),
            Choice("cannot_leave", _("Cannot leave")),
            Choice("documents", _("ID or passport was taken")),
            Choice("hurt", _("Threatened or hurt")),
            Choice("debt", _("Owes money to someone")),
            Choice("other", _("Something else")),
        ),
        text_label=_("Tell us more, if you want"),
    ),
    Question(
        "where",
        Kind.SINGLE,
        _("Where is this happening?"),
        choices=(Choice("here", _("Here, at this place")), Choice("moved", _("Not here any more"))),
        text_label=_("If not here, where?"),
    ),
    Question(
        "details",
        Kind.TEXT,
        _("Who or what did you see?"),
        _("People, cars, phone numbers, what they look like. Anything helps."),
    ),
    Question(
        "contact",
        Kind.SINGLE,
        _("How can the helpers reach you safely?"),
        choices=(
            Choice("none", _("Do not contact me")),
            Choice("page", _("Only through this page")),
            Choice("phone", _("A safe phone number at a safe time")),
            Choice("code_word", _("Ask for me with a code word")),
        ),
        text_label=_("Safe number and time, or your code word"),
    ),
    Question(
        "recipient",
        Kind.SINGLE,
        _("Who should get this report?"),
        choices=(
            Choice("service", _("A help group, not police")),
            Choice("police", _("Police")),
            Choice("either", _("Either one is fine")),
        ),
    ),
    Question("more", Kind.TEXT, _("Anything else you want to say?")),
    Question(
        "photo",
        Kind.PHOTO,
        _("Add one photo, if you want"),
        _("Only pictures. We remove hidden data, like where it was taken."),
    ),
)

QUESTIONS = {question.key: question for question in QUESTION_LIST}
# Information added later, from the follow-up page: appended, never replacing.
FOLLOWUP_STEP = "followup"
STEP_LABELS: dict[str, str | Promise] = {FOLLOWUP_STEP: _("Added later")}


def next_question(key: str | None) -> Question | None:
    """The question after ``key`` (the first one for None), or None after the last."""
    if key is None:
        return QUESTION_LIST[0]
    keys = [question.key for question in QUESTION_LIST]
    index = keys.index(key) + 1 if key in keys else len(keys)
    return QUESTION_LIST[index] if index < len(keys) else None


def describe_answer(*, step: str, choices: list[str], text: str) -> str:
    """An answer in words for a responder: the chosen options' labels, then the free text."""
    question = QUESTIONS.get(step)
    labels = {choice.key: str(choice.label) for choice in question.choices} if question else {}
    parts = [labels.get(choice, choice) for choice in choices]
    if text:
        parts.append(text)
    return "; ".join(parts) if not text or not choices else f"{'; '.join(parts[:-1])} — {text}"


def step_prompt(step: str) -> str:
    question = QUESTIONS.get(step)
    if question is not None:
        return str(question.prompt)
    return str(STEP_LABELS.get(step, step))
