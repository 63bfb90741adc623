"""The recurrence engine: pure functions from a rule and dated completions to a standing.

No database, no clock: callers pass ``today``. A rule says when a person first has to train
(within N days of starting), how long a completion lasts and how the next expiry is computed
— Totara's three ways (from the completion date, from the previous expiry, or on a fixed
anniversary) — plus a due-soon window (which is also the recertification window) and a grace
period after a due date during which a person is not yet counted overdue or expired.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Recurrence(StrEnum):
    ONCE = "once"
    FROM_COMPLETION = "from_completion"
    FROM_EXPIRY = "from_expiry"
    ANNIVERSARY = "anniversary"


class Status(StrEnum):
    PENDING = "pending"  # assigned, not yet inside the due-soon window
    COMPLIANT = "compliant"
    DUE_SOON = "due_soon"  # inside the window before a due date, or in its grace period
    OVERDUE = "overdue"  # never completed, past the first due date and its grace
    EXPIRED = "expired"  # completed once, lapsed past the expiry and its grace


@dataclass(frozen=True)
class Rule:
    recurrence: Recurrence
    interval_months: int = 12  # ignored for ONCE
    initial_days: int = 60  # first due date: this many days after the person starts
    due_soon_days: int = 30
    grace_days: int = 0
    anniversary_month: int = 1  # ANNIVERSARY only
    anniversary_day: int = 1


@dataclass(frozen=True)
class Standing:
    status: Status
    due_on: date | None  # the date by which the next completion is needed (None: done for good)
    expires_on: date | None  # when the current completion lapses (None: never, or none yet)
    last_completed_on: date | None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _anniversary(year: int, rule: Rule) -> date:
    last = calendar.monthrange(year, rule.anniversary_month)[1]
    return date(year, rule.anniversary_month, min(rule.anniversary_day, last))


def anniversary_after(rule: Rule, day: date) -> date:
    """The first anniversary strictly after ``day``, on the rule's interval grid."""
    step = max(1, rule.interval_months // 12)
    year = day.year
    while _anniversary(year, rule) <= day:
        year += 1
    # Multi-year rules (every 2 years) keep the grid anchored on even/odd years from year 0.
    while (year % step) != 0:
        year += 1
    return _anniversary(year, rule)


def first_due(rule: Rule, started_on: date) -> date:
    return started_on + timedelta(days=rule.initial_days)


def next_expiry(rule: Rule, completed_on: date, previous_expiry: date | None) -> date | None:
    """When a completion on ``completed_on`` lapses, given the expiry it renews (if any)."""
    if rule.recurrence == Recurrence.ONCE:
        return None
    window = timedelta(days=rule.due_soon_days)
    if rule.recurrence == Recurrence.FROM_COMPLETION:
        expiry = add_months(completed_on, rule.interval_months)
    elif rule.recurrence == Recurrence.FROM_EXPIRY:
        in_window = (
            previous_expiry is not None
            and previous_expiry - window <= completed_on <= previous_expiry
        )
        # Renewing on time keeps the cycle; a late completion starts a new one from its date.
        base = previous_expiry if in_window and previous_expiry else completed_on
        expiry = add_months(base, rule.interval_months)
    else:
        # A completion inside the window before an anniversary counts for that anniversary
        # and lasts to the next one; an earlier one only lasts to the coming anniversary.
        expiry = anniversary_after(rule, completed_on + window)
    # Training again early must never shorten what a person already holds.
    return max(expiry, previous_expiry) if previous_expiry else expiry


def expiry_after(rule: Rule, completions: Iterable[date]) -> date | None:
    """When the last of ``completions`` lapses, following the chain from the first one
    (None: no completion, or a ONCE rule that never lapses)."""
    expiry: date | None = None
    for completed_on in sorted(completions):
        expiry = next_expiry(rule, completed_on, expiry)
    return expiry


def standing_on(
    rule: Rule,
    *,
    started_on: date,
    last_completed_on: date | None,
    expires_on: date | None,
    today: date,
) -> Standing:
    """Where a person stands on ``today``, given what their completions add up to: the last
    one (None: never completed) and when it lapses (``expiry_after``). Only dates, so a
    stored summary of the completions gives the same answer as the completions themselves."""
    window = timedelta(days=rule.due_soon_days)
    grace = timedelta(days=rule.grace_days)
    if last_completed_on is None:
        due = first_due(rule, started_on)
        if today > due + grace:
            status = Status.OVERDUE
        elif today >= due - window:
            status = Status.DUE_SOON
        else:
            status = Status.PENDING
        return Standing(status, due, None, None)
    if expires_on is None:
        return Standing(Status.COMPLIANT, None, None, last_completed_on)
    if today > expires_on + grace:
        status = Status.EXPIRED
    elif today >= expires_on - window:
        status = Status.DUE_SOON
    else:
        status = Status.COMPLIANT
    return Standing(status, expires_on, expires_on, last_completed_on)


def standing(rule: Rule, *, started_on: date, completions: Iterable[date], today: date) -> Standing:
    """Where a person stands on ``today`` for one rule."""
    done = sorted(completions)
    return standing_on(
        rule,
        started_on=started_on,
        last_completed_on=done[-1] if done else None,
        expires_on=expiry_after(rule, done),
        today=today,
    )
