"""The operator's console: operators only (after the second factor), everything audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from safepath.accounts.models import Organization, User
from safepath.conftest import PASSWORD, logged_in
from safepath.core.models import AuditEntry
from safepath.placements.models import Placement
from safepath.routing.models import OrganizationArea

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(db: None) -> User:
    return User.objects.create_user("ops@safepath.test", PASSWORD, is_staff=True)


@pytest.fixture
def area(riverside: Organization) -> OrganizationArea:
    return OrganizationArea.objects.create(
        organization=riverside,
        name="City of Riverside",
        geometry={},
        size=1,
        min_lon=0,
        min_lat=0,
        max_lon=1,
        max_lat=1,
    )


def urls(riverside: Organization, area: OrganizationArea) -> list[tuple[str, str]]:
    return [
        ("GET", "/operator/"),
        ("POST", "/operator/organizations/"),
        ("POST", f"/operator/organizations/{riverside.slug}/suspend/"),
        ("POST", f"/operator/organizations/{riverside.slug}/resume/"),
        ("POST", f"/operator/areas/{area.pk}/verify/"),
        ("POST", f"/operator/areas/{area.pk}/refuse/"),
    ]


def test_the_console_is_a_404_to_organization_staff_and_needs_a_login(
    alice: User, charlie: User, riverside: Organization, area: OrganizationArea
) -> None:
    before = AuditEntry.objects.count()
    for method, url in urls(riverside, area):
        for client in (logged_in(alice), logged_in(charlie)):
            response = client.get(url) if method == "GET" else client.post(url)
            assert response.status_code == 404, url
        anonymous = Client().get(url) if method == "GET" else Client().post(url)
        assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    assert AuditEntry.objects.count() == before
    area.refresh_from_db()
    assert area.verified_at is None


def test_an_operator_must_pass_the_second_factor(operator: User) -> None:
    client = Client()
    client.force_login(operator)

    response = client.get("/operator/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/")


def test_operator_creates_an_organization_and_it_is_audited(
    operator: User, mail_server: Any
) -> None:
    response = logged_in(operator).post(
        "/operator/organizations/",
        {"name": "Bay Transit", "kind": "transit", "admin": "ops@baytransit.test"},
    )

    assert response.status_code == 302
    organization = Organization.objects.get(name="Bay Transit")
    mail_server.wait_for("ops@baytransit.test")
    entry = AuditEntry.objects.get(action="onboarding.organization_created")
    assert entry.actor == operator and entry.organization == organization


def test_bad_input_is_refused_with_a_message(operator: User, riverside) -> None:
    response = logged_in(operator).post(
        "/operator/organizations/",
        {"name": "X", "kind": "school", "admin": "a@x.test", "parent": "nowhere"},
    )

    assert response.status_code == 400
    assert b"There is no organization" in response.content
    assert not Organization.objects.filter(name="X").exists()


def test_operator_verifies_and_refuses_areas_in_the_browser(
    operator: User, area: OrganizationArea, riverside: Organization
) -> None:
    other = OrganizationArea.objects.create(
        organization=riverside,
        name="Too wide",
        geometry={},
        size=9,
        min_lon=0,
        min_lat=0,
        max_lon=3,
        max_lat=3,
    )
    client = logged_in(operator)
    assert b"City of Riverside" in client.get("/operator/").content

    client.post(f"/operator/areas/{area.pk}/verify/")
    client.post(f"/operator/areas/{other.pk}/refuse/")

    area.refresh_from_db()
    assert area.verified_at is not None
    assert not OrganizationArea.objects.filter(pk=other.pk).exists()
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"operator.area_verified", "operator.area_refused"} <= actions


def test_a_suspended_organizations_staff_see_nothing_until_resumed(
    operator: User, bob: User, riverside: Organization, bus_station: Placement
) -> None:
    client = logged_in(operator)
    bob_client = logged_in(bob)
    assert bob_client.get(f"/placements/{bus_station.code}/").status_code == 200

    client.post(f"/operator/organizations/{riverside.slug}/suspend/")

    assert bob_client.get(f"/placements/{bus_station.code}/").status_code == 404
    # Its codes keep working for reporters.
    assert Client().get(f"/Q/{bus_station.code}").status_code == 200
    client.post(f"/operator/organizations/{riverside.slug}/resume/")
    assert bob_client.get(f"/placements/{bus_station.code}/").status_code == 200
    actions = list(
        AuditEntry.objects.filter(organization=riverside).values_list("action", flat=True)
    )
    assert "operator.organization_suspended" in actions
    assert "operator.organization_resumed" in actions
