"""Fixtures of the routing tests: a small map of organizations around Riverside."""

from __future__ import annotations

import pytest

from safepath.accounts.models import Membership, Organization, OrganizationKind, Role, Unit, User
from safepath.conftest import PASSWORD
from safepath.routing.sms import LocmemSmsBackend


def square(lon: float, lat: float, half: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [lon - half, lat - half],
                [lon + half, lat - half],
                [lon + half, lat + half],
                [lon - half, lat + half],
                [lon - half, lat - half],
            ]
        ],
    }


def member(email: str, organization: Organization, role: str = Role.RESPONDER) -> User:
    user = User.objects.create_user(email, PASSWORD)
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    settings.SMS_BACKEND = "locmem"
    LocmemSmsBackend.outbox.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.FALLBACK_ORGANIZATION = ""
    settings.HOTLINE_ORGANIZATION = ""
    yield
    LocmemSmsBackend.outbox.clear()


@pytest.fixture
def task_force(db: None) -> Organization:
    org = Organization.objects.create(
        slug="metro-task-force", name="Metro Task Force", kind=OrganizationKind.TASK_FORCE
    )
    member("tina@taskforce.test", org)
    return org


@pytest.fixture
def county_sheriff(db: None) -> Organization:
    org = Organization.objects.create(
        slug="county-sheriff", name="County Sheriff", kind=OrganizationKind.LAW_ENFORCEMENT
    )
    member("sam@sheriff.test", org)
    return org


@pytest.fixture
def hotline(db: None) -> Organization:
    org = Organization.objects.create(
        slug="national-hotline", name="National Hotline", kind=OrganizationKind.SERVICE_PROVIDER
    )
    member("hana@hotline.test", org)
    return org


@pytest.fixture
def shelter(db: None) -> Organization:
    org = Organization.objects.create(
        slug="harbor-shelter", name="Harbor Shelter", kind=OrganizationKind.SERVICE_PROVIDER
    )
    member("sol@shelter.test", org)
    return org


@pytest.fixture
def school(db: None) -> Organization:
    org = Organization.objects.create(
        slug="riverside-schools", name="Riverside School District", kind=OrganizationKind.SCHOOL
    )
    safety = Unit.objects.create(organization=org, slug="safety-team", name="Safety team")
    user = member("sid@schools.test", org)
    Membership.objects.get(user=user).units.add(safety)
    member("dora@schools.test", org, Role.ADMIN)
    return org


@pytest.fixture
def business(db: None) -> Organization:
    org = Organization.objects.create(
        slug="riverside-inn", name="Riverside Inn", kind=OrganizationKind.BUSINESS
    )
    member("ivy@inn.test", org)
    return org
