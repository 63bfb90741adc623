"""The recurrence engine, by property: due dates never go backwards, a completion inside the
window renews from the right date, and grace periods hold."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from safepath.training.recurrence import (
    Recurrence,
    Rule,
    Status,
    add_months,
    anniversary_after,
    next_expiry,
    standing,
)

days = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))
recurring = st.sampled_from(
    [Recurrence.FROM_COMPLETION, Recurrence.FROM_EXPIRY, Recurrence.ANNIVERSARY]
)
rules = st.builds(
    Rule,
    recurrence=recurring,
    interval_months=st.sampled_from([12, 24, 36]),
    initial_days=st.integers(0, 365),
    due_soon_days=st.integers(0, 90),
    grace_days=st.integers(0, 60),
    anniversary_month=st.integers(1, 12),
    anniversary_day=st.integers(1, 31),
)


@given(rule=rules, completions=st.lists(days, min_size=1, max_size=8))
def test_due_dates_never_go_backwards(rule: Rule, completions: list[date]) -> None:
    expiry = None
    for completed_on in sorted(completions):
        renewed = next_expiry(rule, completed_on, expiry)
        assert renewed is not None
        if expiry is not None:
            assert renewed >= expiry
        assert renewed > completed_on
        expiry = renewed


@given(rule=rules, started=days, completions=st.lists(days, max_size=6), extra=days, today=days)
def test_another_completion_never_brings_the_due_date_forward(
    rule: Rule, started: date, completions: list[date], extra: date, today: date
) -> None:
    before = standing(rule, started_on=started, completions=completions, today=today)
    after = standing(rule, started_on=started, completions=[*completions, extra], today=today)
    if before.expires_on is not None and max(completions) <= extra:
        assert after.expires_on is not None and after.expires_on >= before.expires_on


@given(
    previous=days,
    early=st.integers(0, 90),
    window=st.integers(0, 90),
    months=st.sampled_from([12, 24]),
)
def test_on_time_renewal_from_expiry_keeps_the_cycle(
    previous: date, early: int, window: int, months: int
) -> None:
    rule = Rule(Recurrence.FROM_EXPIRY, interval_months=months, due_soon_days=window)
    completed_on = previous - timedelta(days=min(early, window))

    assert next_expiry(rule, completed_on, previous) == add_months(previous, months)


@given(previous=days, late=st.integers(1, 400), months=st.sampled_from([12, 24]))
def test_late_renewal_from_expiry_starts_from_the_completion(
    previous: date, late: int, months: int
) -> None:
    rule = Rule(Recurrence.FROM_EXPIRY, interval_months=months, due_soon_days=30)
    completed_on = previous + timedelta(days=late)

    assert next_expiry(rule, completed_on, previous) == add_months(completed_on, months)


@given(completed=days, months=st.sampled_from([12, 24, 36]), window=st.integers(0, 90))
def test_renewal_from_completion_counts_from_the_completion(
    completed: date, months: int, window: int
) -> None:
    rule = Rule(Recurrence.FROM_COMPLETION, interval_months=months, due_soon_days=window)

    assert next_expiry(rule, completed, None) == add_months(completed, months)


@given(year=st.integers(2016, 2034), early=st.integers(0, 60), month=st.integers(1, 12))
def test_completion_inside_the_anniversary_window_counts_for_that_anniversary(
    year: int, early: int, month: int
) -> None:
    rule = Rule(
        Recurrence.ANNIVERSARY, interval_months=12, due_soon_days=60, anniversary_month=month
    )
    anniversary = date(year, month, 1)
    completed_on = anniversary - timedelta(days=early)

    assert next_expiry(rule, completed_on, None) == date(year + 1, month, 1)
    assert anniversary_after(rule, anniversary) == date(year + 1, month, 1)


@given(rule=rules, started=days, offset=st.integers(0, 60))
def test_grace_period_holds_for_a_first_due_date(rule: Rule, started: date, offset: int) -> None:
    due = standing(rule, started_on=started, completions=[], today=started).due_on
    assert due is not None
    inside = due + timedelta(days=min(offset, rule.grace_days))
    after = due + timedelta(days=rule.grace_days + 1)

    assert (
        standing(rule, started_on=started, completions=[], today=inside).status == Status.DUE_SOON
    )
    assert standing(rule, started_on=started, completions=[], today=after).status == Status.OVERDUE


@given(rule=rules, completed=days, offset=st.integers(0, 60))
def test_grace_period_holds_after_an_expiry(rule: Rule, completed: date, offset: int) -> None:
    expiry = next_expiry(rule, completed, None)
    assert expiry is not None
    inside = expiry + timedelta(days=min(offset, rule.grace_days))
    after = expiry + timedelta(days=rule.grace_days + 1)
    start = completed - timedelta(days=10)

    held = standing(rule, started_on=start, completions=[completed], today=inside)
    lapsed = standing(rule, started_on=start, completions=[completed], today=after)

    assert held.status == Status.DUE_SOON
    assert lapsed.status == Status.EXPIRED


@given(started=days, completed=days, today=days)
def test_a_one_time_requirement_stays_met(started: date, completed: date, today: date) -> None:
    rule = Rule(Recurrence.ONCE, initial_days=60)

    result = standing(rule, started_on=started, completions=[completed], today=today)

    assert result.status == Status.COMPLIANT
    assert result.due_on is None


def test_add_months_clamps_to_the_end_of_the_month() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 12, 15), 24) == date(2025, 12, 15)


# Custom requirements: an organization's own rule, created through the service, is stored
# as the engine's rule, and the database's standings agree with the pure engine for it,
# minimum minutes included.

custom_rules = st.fixed_dictionaries(
    {
        "recurrence": st.sampled_from([r.value for r in Recurrence]),
        "interval_months": st.integers(1, 120),
        "initial_days": st.integers(0, 3650),
        "minimum_minutes": st.none() | st.integers(1, 240),
    }
)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    spec=custom_rules,
    hired_days_ago=st.integers(0, 4000),
    completed_days_ago=st.none() | st.integers(0, 4000),
    credit=st.integers(0, 300),
)
def test_custom_requirements_follow_the_engine(
    courses: dict[str, Any],
    riverside: Any,
    alice: Any,
    bob: Any,
    spec: dict[str, Any],
    hired_days_ago: int,
    completed_days_ago: int | None,
    credit: int,
) -> None:
    from django.db import transaction
    from django.utils import timezone

    from safepath.accounts.models import Membership
    from safepath.training import selectors
    from safepath.training.models import Assignment, AssignmentSource
    from safepath.training.services import completion_record, requirement_create

    today = timezone.localdate()
    with transaction.atomic():
        requirement = requirement_create(
            organization=riverside,
            title="Own rule",
            course=courses["schools"],
            actor=alice,
            **spec,
        )
        hired = today - timedelta(days=hired_days_ago)
        Membership.objects.filter(user=bob).update(hired_on=hired)
        completions = []
        if completed_days_ago is not None:
            done_on = today - timedelta(days=completed_days_ago)
            assignment = Assignment.objects.create(
                organization=riverside,
                user=bob,
                course=courses["schools"],
                source=AssignmentSource.SELF,
            )
            version = selectors.latest_version(course=courses["schools"], language="en")
            assert version is not None
            completion_record(
                assignment=assignment,
                version=version,
                completed_on=done_on,
                score_percent=100,
                credit_minutes=credit,
            )
            if credit >= (spec["minimum_minutes"] or 0):
                completions.append(done_on)

        standings = {
            person.user_id: person.standing
            for person in selectors.requirement_standings(requirement=requirement, today=today)
        }
        expected = standing(
            requirement.rule, started_on=hired, completions=completions, today=today
        )

        assert requirement.rule.recurrence == spec["recurrence"]
        assert requirement.rule.interval_months == spec["interval_months"]
        assert requirement.rule.initial_days == spec["initial_days"]
        assert standings[bob.pk] == expected
        if not completions:
            assert expected.due_on == hired + timedelta(days=spec["initial_days"])
        transaction.set_rollback(True)
