"""The administrators' requirements screen: adopt a mandate from the library for a unit
and/or role, change its due-soon window and grace period, retire it — validated, scoped to
the organization, and written to the audit log, as is assigning a course."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from safepath.accounts.models import Organization, Role, Unit, User
from safepath.conftest import logged_in
from safepath.core.models import AuditEntry
from safepath.training import selectors
from safepath.training.models import Assignment, Course, Requirement
from safepath.training.services import requirements_sweep

pytestmark = pytest.mark.django_db

URL = "/training/manage/requirements/"


@pytest.fixture
def patrol(riverside: Organization) -> Unit:
    return Unit.objects.create(organization=riverside, slug="patrol", name="Patrol")


@pytest.fixture
def mandate(courses: dict[str, Course]) -> Requirement:
    return Requirement.objects.get(organization=None, code="tn-38-6-114-officers")


def adopt(client: Client, mandate: Requirement, **fields: Any) -> Any:
    return client.post(URL, {"template": mandate.pk, "unit": "", "role": "", **fields})


def test_an_admin_adopts_a_mandate_for_a_unit_and_a_role_and_it_is_audited(
    alice_client: Client, alice: User, mandate: Requirement, patrol: Unit
) -> None:
    page = alice_client.get(URL)
    response = adopt(alice_client, mandate, unit=patrol.pk, role=Role.RESPONDER)

    adopted = Requirement.objects.get(organization=alice.memberships.get().organization)
    assert page.status_code == 200 and mandate.title in page.content.decode()
    assert response.status_code == 302
    assert response["Location"] == f"{URL}{adopted.pk}/"
    assert (adopted.unit, adopted.role, adopted.recurrence) == (
        patrol,
        Role.RESPONDER,
        mandate.recurrence,
    )
    assert adopted.source_url == mandate.source_url and adopted.verified_on == mandate.verified_on
    entry = AuditEntry.objects.get(action="training.requirement_adopted")
    assert entry.actor == alice and entry.object_ref == str(adopted.pk)


def test_the_same_mandate_can_serve_two_units_but_not_twice_the_same(
    alice_client: Client, riverside: Organization, mandate: Requirement, patrol: Unit
) -> None:
    traffic = Unit.objects.create(organization=riverside, slug="traffic", name="Traffic")

    first = adopt(alice_client, mandate, unit=patrol.pk)
    second = adopt(alice_client, mandate, unit=traffic.pk)
    again = adopt(alice_client, mandate, unit=patrol.pk)

    assert first.status_code == second.status_code == 302
    assert again.status_code == 400
    assert "already adopted for that unit and role" in again.content.decode()
    assert Requirement.objects.filter(organization=riverside).count() == 2


@pytest.mark.parametrize(
    "fields",
    [
        {"template": "999999"},  # no such mandate
        {"role": "overlord"},
        {"template": ""},
    ],
)
def test_bad_adoptions_are_a_400_and_save_nothing(
    alice_client: Client, riverside: Organization, mandate: Requirement, fields: dict[str, str]
) -> None:
    response = adopt(alice_client, mandate, **fields)

    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert not Requirement.objects.filter(organization=riverside).exists()
    assert not AuditEntry.objects.exists()


def test_another_organizations_unit_cannot_be_named(
    alice_client: Client, st_brigid: Organization, riverside: Organization, mandate: Requirement
) -> None:
    theirs = Unit.objects.create(organization=st_brigid, slug="er", name="ER")

    response = adopt(alice_client, mandate, unit=theirs.pk)

    assert response.status_code == 400
    assert not Requirement.objects.filter(organization=riverside).exists()


def test_only_administrators_reach_the_requirements_screen(
    bob_client: Client, mandate: Requirement
) -> None:
    assert bob_client.get(URL).status_code == 404
    assert adopt(bob_client, mandate).status_code == 404
    assert not Requirement.objects.filter(organization__isnull=False).exists()


@pytest.fixture
def adopted(alice_client: Client, mandate: Requirement, patrol: Unit) -> Requirement:
    adopt(alice_client, mandate, unit=patrol.pk)
    return Requirement.objects.get(organization__isnull=False)


def test_an_admin_changes_the_windows_and_it_is_audited(
    alice_client: Client, adopted: Requirement
) -> None:
    url = f"{URL}{adopted.pk}/"

    response = alice_client.post(url, {"action": "edit", "due_soon_days": "45", "grace_days": "10"})

    adopted.refresh_from_db()
    assert response.status_code == 302
    assert (adopted.due_soon_days, adopted.grace_days) == (45, 10)
    assert adopted.rule.grace_days == 10
    entry = AuditEntry.objects.get(action="training.requirement_updated")
    assert "grace 0->10" in entry.detail


@pytest.mark.parametrize(
    "fields",
    [
        {"action": "edit", "due_soon_days": "-1", "grace_days": "0"},
        {"action": "edit", "due_soon_days": "30", "grace_days": "9999"},
        {"action": "edit", "due_soon_days": "soon", "grace_days": "0"},
        {"action": "edit"},
        {"action": "explode"},
    ],
)
def test_bad_window_edits_are_a_400_and_change_nothing(
    alice_client: Client, adopted: Requirement, fields: dict[str, str]
) -> None:
    before = (adopted.due_soon_days, adopted.grace_days)

    response = alice_client.post(f"{URL}{adopted.pk}/", fields)

    adopted.refresh_from_db()
    assert response.status_code == 400
    assert (adopted.due_soon_days, adopted.grace_days) == before
    assert not AuditEntry.objects.filter(action="training.requirement_updated").exists()


def test_retiring_stops_new_cycles_and_leaves_the_compliance_view(
    alice_client: Client, adopted: Requirement, patrol: Unit, bob: User
) -> None:
    bob.memberships.get().units.add(patrol)
    assert requirements_sweep() == 1  # bob is due under the adopted requirement
    Assignment.objects.all().delete()

    response = alice_client.post(f"{URL}{adopted.pk}/", {"action": "retire"})

    adopted.refresh_from_db()
    assert response.status_code == 302 and adopted.retired_at is not None
    assert requirements_sweep() == 0
    matrix = selectors.compliance_matrix(unit=patrol, today=timezone.localdate())
    assert matrix.requirements == []
    assert AuditEntry.objects.filter(action="training.requirement_retired").count() == 1
    assert "Retired on" in alice_client.get(f"{URL}{adopted.pk}/").content.decode()


def test_another_organizations_requirement_is_a_404_for_every_action(
    charlie_client: Client, adopted: Requirement
) -> None:
    url = f"{URL}{adopted.pk}/"
    before = AuditEntry.objects.count()

    answers = [
        charlie_client.get(url).status_code,
        charlie_client.post(url, {"action": "retire"}).status_code,
        charlie_client.post(
            url, {"action": "edit", "due_soon_days": "1", "grace_days": "1"}
        ).status_code,
    ]

    adopted.refresh_from_db()
    assert answers == [404, 404, 404]
    assert adopted.retired_at is None and adopted.due_soon_days != 1
    assert AuditEntry.objects.count() == before


def test_assigning_a_course_is_audited(
    alice_client: Client, alice: User, bob: User, courses: dict[str, Course]
) -> None:
    membership = bob.memberships.get()

    alice_client.post(
        "/training/manage/",
        {"course": courses["law-enforcement"].pk, "target": "person", "person": membership.pk},
    )

    entry = AuditEntry.objects.get(action="training.course_assigned")
    assert entry.actor == alice and entry.object_ref == "law-enforcement"
    assert "1 assignment(s)" in entry.detail


def test_an_administrator_creates_an_own_requirement_beside_the_library(
    alice: User, riverside: Organization, courses: dict[str, Course]
) -> None:
    client = logged_in(alice)

    response = client.post(
        "/training/manage/requirements/",
        {
            "action": "create",
            "title": "Annual refresher",
            "course": courses["law-enforcement"].pk,
            "recurrence": "from_completion",
            "interval_months": "12",
            "initial_days": "30",
        },
    )
    bad = client.post(
        "/training/manage/requirements/",
        {"action": "create", "title": "x", "course": "", "recurrence": "weekly"},
    )

    own = Requirement.objects.get(organization=riverside, code="own-annual-refresher")
    assert response.status_code == 302
    assert (own.recurrence, own.interval_months, own.initial_days) == ("from_completion", 12, 30)
    assert bad.status_code == 400
    assert Requirement.objects.filter(organization=riverside).count() == 1
    assert AuditEntry.objects.filter(action="training.requirement_created").count() == 1
    page = client.get("/training/manage/requirements/").content.decode()
    assert "Annual refresher" in page and "needs a course approved by California POST" in page
