"""Hire dates: "within N days of hire" requirements count from Membership.hired_on when an
administrator has recorded it (on the person's training page), else from when the person
joined SafePath."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from safepath.accounts.models import Membership, Organization, Unit, User
from safepath.conftest import logged_in
from safepath.core.models import AuditEntry
from safepath.training import selectors
from safepath.training.models import Course, Requirement
from safepath.training.recurrence import Recurrence, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def patrol(riverside: Organization, bob: User) -> Unit:
    unit = Unit.objects.create(organization=riverside, slug="patrol", name="Patrol")
    bob.memberships.get().units.add(unit)
    return unit


@pytest.fixture
def within_60_days(riverside: Organization, courses: dict[str, Course]) -> Requirement:
    return Requirement.objects.create(
        organization=riverside,
        code="new-hires",
        title="New hires within 60 days",
        course=courses["law-enforcement"],
        recurrence=Recurrence.ONCE,
        initial_days=60,
        due_soon_days=14,
    )


def bobs_cell(patrol: Unit) -> tuple[Status, object]:
    [row] = selectors.compliance_matrix(unit=patrol, today=timezone.localdate()).rows
    [cell] = row.cells
    assert cell is not None
    return cell.status, cell.due_on


def test_the_first_due_date_counts_from_the_hire_date_when_there_is_one(
    bob: User, patrol: Unit, within_60_days: Requirement
) -> None:
    today = timezone.localdate()
    joined_today = bobs_cell(patrol)
    Membership.objects.filter(user=bob).update(hired_on=today - timedelta(days=200))

    hired_long_ago = bobs_cell(patrol)
    [standing] = selectors.requirement_standings(requirement=within_60_days, today=today)

    assert joined_today == (Status.PENDING, today + timedelta(days=60))
    assert hired_long_ago == (Status.OVERDUE, today - timedelta(days=140))
    assert standing.standing.due_on == today - timedelta(days=140)


def test_an_admin_records_a_hire_date_on_the_persons_page_and_it_is_audited(
    alice_client: Client, bob: User, patrol: Unit, within_60_days: Requirement
) -> None:
    membership = bob.memberships.get()
    url = f"/training/manage/people/{membership.pk}/"
    compliance = alice_client.get(f"/training/manage/units/{patrol.pk}/").content.decode()

    response = alice_client.post(url, {"hired_on": "2024-03-15"})

    membership.refresh_from_db()
    assert f'href="{url}"' in compliance
    assert response.status_code == 302
    assert str(membership.hired_on) == "2024-03-15"
    assert "2024-03-15" in alice_client.get(url).content.decode()
    entry = AuditEntry.objects.get(action="accounts.hire_date_set")
    assert "- -> 2024-03-15" in entry.detail
    assert bobs_cell(patrol)[0] == Status.OVERDUE


@pytest.mark.parametrize("value", ["1850-01-01", "2999-01-01", "yesterday", "2024-02-30"])
def test_an_impossible_hire_date_is_a_400_and_changes_nothing(
    alice_client: Client, bob: User, value: str
) -> None:
    membership = bob.memberships.get()

    response = alice_client.post(f"/training/manage/people/{membership.pk}/", {"hired_on": value})

    membership.refresh_from_db()
    assert response.status_code == 400
    assert membership.hired_on is None
    assert not AuditEntry.objects.exists()


def test_clearing_the_hire_date_falls_back_to_joining(alice_client: Client, bob: User) -> None:
    membership = bob.memberships.get()
    Membership.objects.filter(pk=membership.pk).update(hired_on=timezone.localdate())

    response = alice_client.post(f"/training/manage/people/{membership.pk}/", {"hired_on": ""})

    membership.refresh_from_db()
    assert response.status_code == 302 and membership.hired_on is None


def test_only_the_organizations_admins_see_or_change_a_hire_date(
    bob_client: Client, charlie_client: Client, bob: User
) -> None:
    url = f"/training/manage/people/{bob.memberships.get().pk}/"

    answers = [
        bob_client.get(url).status_code,
        charlie_client.get(url).status_code,
        charlie_client.post(url, {"hired_on": "2024-01-01"}).status_code,
    ]

    assert answers == [404, 404, 404]
    assert bob.memberships.get().hired_on is None


def test_a_mandate_due_at_licence_renewal_counts_from_the_recorded_renewal(
    alice: User, bob: User, riverside: Organization, courses: dict[str, Course]
) -> None:
    from safepath.training.models import Requirement
    from safepath.training.services import requirement_adopt, requirements_load_library

    requirements_load_library()
    michigan = requirement_adopt(
        organization=riverside,
        template=Requirement.objects.get(organization=None, code="mi-333-16148-health"),
    )
    membership = Membership.objects.get(user=bob, organization=riverside)
    Membership.objects.filter(pk=membership.pk).update(
        created_at=timezone.now() - timedelta(days=800)
    )
    today = timezone.localdate()

    def bobs() -> Any:
        people = selectors.requirement_standings(requirement=michigan, today=today)
        return next(p.standing for p in people if p.user_id == bob.pk)

    before = bobs()
    logged_in(alice).post(
        f"/training/manage/people/{membership.pk}/",
        {"action": "licence", "renews_on": str(today + timedelta(days=90))},
    )
    after = bobs()

    assert (before.status.value, before.due_on) == ("pending", None)  # not overdue from joining
    assert (after.status.value, after.due_on) == ("pending", today + timedelta(days=90))
    assert AuditEntry.objects.filter(action="training.licence_renewal_set").count() == 1
