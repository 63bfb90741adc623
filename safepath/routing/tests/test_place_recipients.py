"""The landing page's "who receives a report from here": worked out once, kept in the cache,
and worked out again as soon as anything it depends on changes (after that change commits)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from safepath.accounts.models import Organization
from safepath.placements.models import Placement
from safepath.routing.services import policy_create_default, policy_update

pytestmark = pytest.mark.django_db

# Opening a code a second time: the placement, and its hourly scan counter written (in a
# SAVEPOINT here, BEGIN and COMMIT in a server). Who receives comes from the cache (working
# it out is 11 queries).
LANDING_QUERIES = 4


def _landing(placement: Placement) -> str:
    response = Client().get(f"/Q/{placement.code}")
    assert response.status_code == 200
    return response.content.decode()


def test_opening_a_code_again_does_not_work_out_who_receives_again(
    bus_station: Placement, django_assert_num_queries: Any
) -> None:
    assert "Riverside Police Department" in _landing(bus_station)
    with django_assert_num_queries(LANDING_QUERIES):
        assert "Riverside Police Department" in _landing(bus_station)


def test_a_renamed_recipient_shows_on_the_next_scan(
    bus_station: Placement, riverside: Organization, django_capture_on_commit_callbacks: Any
) -> None:
    assert "Riverside Police Department" in _landing(bus_station)
    with django_capture_on_commit_callbacks(execute=True):
        riverside.name = "Riverside City Police"
        riverside.save()
    body = _landing(bus_station)
    assert "Riverside City Police" in body and "Riverside Police Department" not in body


def test_a_changed_policy_shows_on_the_next_scan(
    bus_station: Placement,
    riverside: Organization,
    st_brigid: Organization,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        policy = policy_create_default(organization=riverside)
    assert st_brigid.name not in _landing(bus_station)
    # Tiers are written in bulk (no post_save): the policy's service says so itself.
    with django_capture_on_commit_callbacks(execute=True):
        policy_update(
            policy=policy,
            name=policy.name,
            tiers_text=f"15/5: {riverside.slug}\n30/5: {st_brigid.slug}",
            police_when_urgent=policy.police_when_urgent,
            service_slugs=[],
        )
    assert st_brigid.name in _landing(bus_station)
